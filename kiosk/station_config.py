"""What the central server pushes to a station, as the station uses it.

The sync client stores the downloaded document (settings, watch list, key material, health rules, the
meeting plan) in the store's meta table; signing certificates can also be imported from a file (`kiosk
trust import`). A document that cannot be used is reported and the station keeps working with what it had.

The watch list comes as keyed tags (kiosk.watch_list): a stolen station token gives no number in clear. The
health authority's key set is used only once the station pinned its signing key (kiosk.authority_pin,
decided by the sync round that downloaded it), never straight from the document.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from kiosk.authority_pin import AuthorityState, current
from kiosk.credentials import dcc, hd1
from kiosk.credentials.base import Credential
from kiosk.credentials.signed import SIGNATURE_VALID
from kiosk.credentials.signed_examples import demo_trust
from kiosk.errors import KioskError, os_problem
from kiosk.health_rules import HealthRules
from kiosk.meetings.plan import MeetingPlan, MeetingPlanError
from kiosk.reasons import PUBLISHED_KEY, Reason
from kiosk.sealing.authority import AuthorityKeySet
from kiosk.settings import PUSHED_SETTINGS, Settings, checked_value
from kiosk.store import Store
from kiosk.trust import TrustList
from kiosk.verdict import Outcome
from kiosk.watch_list import WatchList, WatchListError

log = logging.getLogger(__name__)

META_SERVER_CONFIG = "sync.server_config"
META_SERVER_CONFIG_ETAG = "sync.server_config_etag"
META_IMPORTED_TRUST = "trust.imported"

# The demo's signing keys. Their private halves are derived from strings in the source, so anyone can sign
# with them: only demo mode trusts them, a pushed or imported list never makes them trusted, and a code
# they verify is refused as a forgery at a real door.
PUBLISHED_TRUST = demo_trust()
PUBLISHED_KEYS = PUBLISHED_TRUST.public_keys()
_SIGNED_CHECKS = {dcc.FORMAT: dcc.check, hd1.FORMAT: hd1.check}


class StationConfigError(KioskError):
    """A pushed or imported document the station cannot use; the message names the part."""


@dataclass(frozen=True)
class StationConfig:
    settings_overrides: Mapping[str, Any] = field(default_factory=dict)
    watch: WatchList = field(default_factory=WatchList)
    trust: TrustList = field(default_factory=TrustList)
    health_rules: HealthRules = field(default_factory=HealthRules)
    # The health authority's weekly sealing keys (kiosk.sealing.authority) this station pinned and accepted
    # (`load_station_config` sets it); None until there is one: entries then stay sealed on the kiosk.
    authority_keys: AuthorityKeySet | None = None
    authority: AuthorityState = field(default_factory=AuthorityState)  # why those keys, for the status
    # The sessions this station checks in for and their rosters (kiosk.meetings.plan); empty: no meetings.
    meetings: MeetingPlan = field(default_factory=MeetingPlan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings_overrides", MappingProxyType(dict(self.settings_overrides)))

    @classmethod
    def from_document(cls, document: Any) -> "StationConfig":
        if not isinstance(document, dict):
            raise StationConfigError("the station config from the server is not a JSON object")
        overrides = {}
        for key, value in (document.get("settings") or {}).items():
            if key not in PUSHED_SETTINGS:  # never the station's own server, token, PIN or database
                log.warning("ignoring the pushed setting %r: the server may not set it", key)
                continue
            try:
                overrides[key] = checked_value(key, value)
            except ValueError as problem:
                raise StationConfigError(f"station config setting {key} = {value!r}: {problem}") from None
        if document.get("watch_list"):
            # An older server's list of person keys in clear: never kept, never used.
            log.error("ignoring the station config's old watch list of clear person keys (%d items): the "
                      "server must be updated to send its watch list as tags", len(document["watch_list"]))
        try:
            watch = WatchList.from_json(document.get("watch"))
        except WatchListError as problem:
            raise StationConfigError(f"station config: {problem}") from None
        try:
            meetings = MeetingPlan.from_json(document.get("meetings"))
        except MeetingPlanError as problem:
            raise StationConfigError(f"station config: {problem}") from None
        return cls(overrides, watch,
                   TrustList.from_station_config(document).without(PUBLISHED_KEYS, "station config"),
                   HealthRules.from_json(document.get("health_rules") or {}), meetings=meetings)

    def settings_for(self, local: Settings) -> Settings:
        """The server's pushed settings override the station's own."""
        return local.replace(**self.settings_overrides) if self.settings_overrides else local

    def with_trust(self, extra: TrustList) -> "StationConfig":
        return replace(self, trust=self.trust.merged(extra))

    def trust_for(self, settings: Settings) -> TrustList:
        """The keys the station verifies with: the demo's too in demo mode, and only then."""
        return self.trust.merged(PUBLISHED_TRUST) if settings.demo_mode else self.trust


def load_station_config(store: Store) -> StationConfig:
    """The last config the server sent plus imported certificates and the authority key set this station
    accepted (kiosk.authority_pin); what cannot be read is logged and left out."""
    config = StationConfig()
    pushed = store.get_meta(META_SERVER_CONFIG)
    if pushed:
        try:
            config = StationConfig.from_document(json.loads(pushed))
        except (KioskError, ValueError) as error:
            log.error("ignoring the stored station config: %s", error)
    imported = store.get_meta(META_IMPORTED_TRUST)
    if imported:
        try:
            trust = TrustList.from_import(json.loads(imported), "imported trust list")
            config = config.with_trust(trust.without(PUBLISHED_KEYS, "imported trust list"))
        except (KioskError, ValueError) as error:
            log.error("ignoring the imported trust list: %s", error)
    authority = current(store)
    return replace(config, authority_keys=authority.key_set, authority=authority)


def published_key_check(credential: Credential, now: datetime) -> tuple[Outcome, tuple[Reason, ...]] | None:
    """A policy check: a signed code the station cannot verify, but the demo's public keys can, is a
    forgery at this door (in demo mode those keys verify it and this stays silent)."""
    check = _SIGNED_CHECKS.get(credential.format)
    if check is None or credential.fields.get("signature") == SIGNATURE_VALID:
        return None
    if check(credential.raw, PUBLISHED_TRUST, now).signature != SIGNATURE_VALID:
        return None
    return Outcome.REFUSE, (PUBLISHED_KEY,)


def import_trust_file(store: Store, path: Path) -> TrustList:
    """Check a trust file (JSON array of signing certificates) and keep it for the station."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        trust = TrustList.from_import(json.loads(text), str(path))
    except OSError as error:
        raise StationConfigError(f"cannot read {path}: {os_problem(error)}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StationConfigError(f"{path} is not JSON: {error}") from None
    if not trust.signers:
        raise StationConfigError(f"{path} holds no signing certificates")
    usable = trust.without(PUBLISHED_KEYS, str(path))
    if not usable.signers:
        raise StationConfigError(f"{path} holds only the demo's signing certificate, whose private key is "
                                 "published: it is never trusted at a door (see `kiosk run --demo`)")
    store.set_meta(META_IMPORTED_TRUST, text)
    return usable
