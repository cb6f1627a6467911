"""The reasons an entry carries on the wire: a code with parameters from upgraded kiosks, code and two
sentences from kiosks not yet upgraded (stored as one shape), anything else refused with a reason."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk.messages import Message
from kiosk.reasons import on_watch_list
from server.wire import InvalidEntry, TimeWindow, parse_entry
from tests.factories import make_entry

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
WINDOW = TimeWindow(now=NOW, retention_days=28)


def _sent(reasons: object) -> dict:
    return {**make_entry(at=NOW).to_json(), "reasons": reasons}


def test_a_code_with_parameters_and_a_nested_code_is_stored_as_sent():
    reasons = [on_watch_list(Message("identity.self-declared")).to_json(),
               Message("policy.capacity", inside=3, capacity=3).to_json()]
    assert parse_entry(_sent(reasons), WINDOW).reasons == reasons


def test_a_kiosk_not_yet_upgraded_is_stored_in_the_new_shape_and_reads_the_same():
    old = {"code": "policy.capacity", "vi": "Hết chỗ", "en": "Full"}
    [stored] = parse_entry(_sent([old]), WINDOW).reasons
    assert stored == {"code": "policy.capacity", "params": {"vi": "Hết chỗ", "en": "Full"}}
    assert Message.from_json(stored).text("en") == "Full"


@pytest.mark.parametrize("reasons", [
    [{"code": "policy.capacity", "params": {"inside": 3}}],                       # a number, not text
    [{"code": "policy.capacity"}],                                                # no params
    [{"code": "policy.capacity", "params": {}, "vi": "Hết chỗ"}],                 # a mix of both shapes
    [{"code": "x", "params": {"a": {"code": "y", "params": {"b": {"code": "z", "params": {"c": {
        "code": "w", "params": {}}}}}}}}],                                          # too deep
    [{"code": "x", "params": {f"p{n}": "v" for n in range(17)}}],                 # too many params
    [{"code": "x", "params": {"p": "v" * 1001}}],                                 # too long
    [{"code": "x", "params": {}}] * 33,                                           # too many reasons
    {"code": "x", "params": {}},                                                  # not a list
])
def test_anything_else_is_refused_with_a_reason_naming_the_reasons(reasons):
    with pytest.raises(InvalidEntry, match="^reasons: "):
        parse_entry(_sent(reasons), WINDOW)
