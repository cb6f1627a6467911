"""What the central server pushes to a station, as the station uses it.

The sync client stores the downloaded document (settings, watch list, key material, health rules) in the
store's meta table; signing certificates can also be imported from a file (`kiosk trust import`). A
document that cannot be used is reported and the station keeps working with what it had.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from kiosk.credentials.signed_examples import demo_trust
from kiosk.errors import KioskError, os_problem
from kiosk.health_rules import HealthRules
from kiosk.settings import PUSHED_SETTINGS, Settings, checked_value
from kiosk.store import Store
from kiosk.trust import TrustList
from kiosk.verdict import Outcome

log = logging.getLogger(__name__)

META_SERVER_CONFIG = "sync.server_config"
META_SERVER_CONFIG_ETAG = "sync.server_config_etag"
META_IMPORTED_TRUST = "trust.imported"


class StationConfigError(KioskError):
    """A pushed or imported document the station cannot use; the message names the part."""


@dataclass(frozen=True)
class StationConfig:
    settings_overrides: Mapping[str, Any] = field(default_factory=dict)
    watch: Mapping[str, Outcome] = field(default_factory=dict)  # person key or ID number → what to do
    trust: TrustList = field(default_factory=TrustList)
    health_rules: HealthRules = field(default_factory=HealthRules)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings_overrides", MappingProxyType(dict(self.settings_overrides)))
        object.__setattr__(self, "watch", MappingProxyType(dict(self.watch)))

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
        watch = {}
        for item in document.get("watch_list") or []:
            try:
                watch[str(item["person_key"]).strip().casefold()] = Outcome(item.get("action", "warn"))
            except (KeyError, TypeError, ValueError):
                raise StationConfigError(f"station config watch list item {item!r} is not usable") from None
        return cls(overrides, watch, TrustList.from_station_config(document),
                   HealthRules.from_json(document.get("health_rules") or {}))

    def settings_for(self, local: Settings) -> Settings:
        """The server's pushed settings override the station's own."""
        return local.replace(**self.settings_overrides) if self.settings_overrides else local

    def with_trust(self, extra: TrustList) -> "StationConfig":
        return StationConfig(self.settings_overrides, self.watch, self.trust.merged(extra), self.health_rules)


def load_station_config(store: Store, settings: Settings | None = None) -> StationConfig:
    """The last config the server sent plus imported certificates; what cannot be read is logged and left out.

    A station on the demo camera also trusts the demo's made-up signing keys, so its signed samples verify.
    """
    config = StationConfig()
    pushed = store.get_meta(META_SERVER_CONFIG)
    if pushed:
        try:
            config = StationConfig.from_document(json.loads(pushed))
        except (KioskError, ValueError) as error:
            log.error("ignoring the stored station config: %s", error)
    if settings is not None and settings.camera.strip().lower() == "demo":
        config = config.with_trust(demo_trust())
    imported = store.get_meta(META_IMPORTED_TRUST)
    if imported:
        try:
            config = config.with_trust(TrustList.from_import(json.loads(imported), "imported trust list"))
        except (KioskError, ValueError) as error:
            log.error("ignoring the imported trust list: %s", error)
    return config


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
    store.set_meta(META_IMPORTED_TRUST, text)
    return trust
