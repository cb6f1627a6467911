"""Signed health declarations (HD1): the issuing keyring, the public page, the CLI, the station config part."""

from server.declarations.cli import register
from server.declarations.issuing import (
    DeclarationService,
    DeclarationSettings,
    IssuedDeclaration,
    issue_declaration,
    station_config_fragment,
)
from server.declarations.web import PageLimits, install, router

__all__ = [
    "DeclarationService",
    "DeclarationSettings",
    "IssuedDeclaration",
    "PageLimits",
    "install",
    "issue_declaration",
    "register",
    "router",
    "station_config_fragment",
]
