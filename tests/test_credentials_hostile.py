"""The hostile-input corpus (tests/hostile_corpus.py, PARSER_CASES) through the kiosk: `parse` gives each
case's exact answer, and a door given it logs only what it may (strict JSON, no hidden character)."""

import json

import pytest

from kiosk import base45
from kiosk.credentials import Credential, Refusal, dcc, parse
from kiosk.credentials.other import checked
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.station_config import StationConfig
from kiosk.store import Store
from kiosk.verdict import Outcome
from tests.hostile_corpus import PARSER_CASES, ParserCase
from tests.test_credentials_support import NOW, SIGNED_CONTEXT, TRUST, not_a_fault, sign_hc1, sign_hd1

SIGNERS = {
    "hd1": sign_hd1,
    "hc1": sign_hc1,
    "hc1-raw": lambda payload: dcc.PREFIX + base45.encode(payload),
}


def text_of(case: ParserCase) -> str:
    return SIGNERS[case.signed](case.payload) if case.signed else case.text


@pytest.mark.parametrize("case", PARSER_CASES, ids=lambda case: case.name)
def test_parse_gives_the_cases_answer(case):
    result = not_a_fault(parse(text_of(case), SIGNED_CONTEXT))
    assert result.format == case.format
    if case.expect == "refused":
        assert isinstance(result, Refusal) and result.reason.code == case.code, result
        assert result.reason.vi.strip() and result.reason.en.strip()
    else:
        assert case.expect == "admitted"
        assert isinstance(result, Credential), result
        assert checked(result) is result  # no hidden character anywhere in it


@pytest.fixture
def door(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as store:
        yield Station(Settings(station_name="Cổng A"), store, clock=lambda: NOW, config=StationConfig(trust=TRUST))


@pytest.mark.parametrize("case", PARSER_CASES, ids=lambda case: case.name)
def test_the_door_logs_only_what_it_may(case, door):
    result = door.check_text(text_of(case))
    entry = result.entry
    assert entry is not None
    if case.expect == "refused":
        assert result.verdict.outcome is Outcome.REFUSE
        assert case.code in [reason.code for reason in result.verdict.reasons]
        assert (entry.person_key, dict(entry.fields)) == ("", {})
    else:
        assert entry.person_key == result.credential.person_key
    # What the door will upload is strict JSON (no NaN) with no hidden character in it.
    document = json.dumps(entry.to_json(), ensure_ascii=False, allow_nan=False, default=str)
    assert checked(Credential("any", "k", "", {"entry": document}, "")).format == "any"
    assert [stored.id for stored in door.store.entries()] == [entry.id]
