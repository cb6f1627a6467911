"""Who calls the API for people (the health authority's trace API): a user's bearer token and its role.

    @router.get("/api/v1/trace")
    def trace(..., user: User = Depends(require_api_role(Role.TRACER))): ...

A missing, unknown or revoked token, or one of a disabled user, is answered 401 with WWW-Authenticate; a
token whose user has another role is answered 403. Both as the API's JSON errors (server.errors).
Tokens come from `kiosk-server admin token NAME`.
"""

from __future__ import annotations

from typing import Callable

from fastapi import Header, Request

from server.errors import ApiError
from server.roles import Role, User, user_for_api_token


def require_api_role(*roles: Role) -> Callable[..., User]:
    """A dependency: the user whose token the request carries, who must have one of these roles."""
    allowed = ", ".join(role.value for role in roles)

    def dependency(request: Request, authorization: str | None = Header(None)) -> User:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Send your API token as 'Authorization: Bearer <token>' "
                                "(kiosk-server admin token NAME).")
        with request.app.state.engine.connect() as conn:
            user = user_for_api_token(conn, token.strip())
        if user is None:
            raise _unauthorized("The API token is unknown or was revoked, or its user is disabled.")
        request.state.log_fields = {**getattr(request.state, "log_fields", {}), "user_role": user.role.value}
        if user.role not in roles:
            raise ApiError(403, "forbidden", f"This needs the role {allowed}; the token's user has the role "
                                             f"{user.role.value}.")
        return user

    return dependency


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="kiosk-server"'})
