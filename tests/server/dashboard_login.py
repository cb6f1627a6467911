"""Logging in to the dashboard as a browser does: fetch the form (it carries the CSRF token), then post it."""

from __future__ import annotations

import re

import requests


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on an HTML page of the dashboard."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(session: requests.Session, server_url: str, username: str, password: str) -> requests.Response:
    form = session.get(f"{server_url}/dashboard/login", timeout=10)
    return session.post(f"{server_url}/dashboard/login", timeout=10,
                        data={"username": username, "password": password, "csrf_token": csrf_token(form.text)})
