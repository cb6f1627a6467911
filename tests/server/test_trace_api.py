"""The health authority's trace API on a real server, on SQLite and PostgreSQL: a tracer's token gets the
case and its contacts with tiers as the command line's JSON lines; other tokens get 401/403; hostile bodies
get a 422 that says what is wrong; every trace is recorded; the person never reaches the server's log."""

from __future__ import annotations

import json

import pytest
import requests

from commands import kiosk_server
from kiosk.tracing.masking import mask_person_key
from kiosk.messages import Message
from server.sealing_store import stored_key
from server.tracing.audit import audit_log, traces_of
from trace_case import CASE_ID, CASE_KEY, FORMULA_LOCATION, HALL, add_users_and_upload, expected, person, shown

pytestmark = pytest.mark.slow  # a real server process, on SQLite and PostgreSQL

@pytest.fixture(scope="module")
def tokens(server, engine) -> dict[str, str]:
    """An API token per role, and the case uploaded."""
    return add_users_and_upload(engine, server.url)


def ask(server, token: str | None, body, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(f"{server.url}/api/v1/trace", data=data, timeout=30,
                         headers={"Content-Type": "application/json", **headers})


def lines_of(text: str) -> tuple[dict, list[dict]]:
    lines = [json.loads(line) for line in text.splitlines()]
    return lines[0]["case"], [line["contact"] for line in lines[1:]]


def audit_count(engine) -> int:
    with engine.connect() as conn:
        return len(audit_log(conn, limit=10_000))


def test_a_tracer_gets_the_case_and_its_contacts_with_tiers_as_the_command_line_prints_them(
        server, engine, database_url, tokens):
    answer = ask(server, tokens["truy-vết"], {"person": CASE_ID, "case_number": "HC-2026-0042"})
    printed = kiosk_server(database_url, "trace", CASE_ID, "--case", "HC-2026-0042", "--json")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert answer.headers["cache-control"] == "no-store"
    case, contacts = lines_of(answer.text)
    assert [(v["location"], v["minutes"], v["end_reason"]) for v in case["visits"]] == [
        (HALL, 60, "exit"), (FORMULA_LOCATION, 120, "default_stay")]
    assert case["contacts"] == 4 and not case["capped"] and case["searched"] == "••••••••2345"
    assert {c["person"]: (c["location"], c["minutes"], c["tier"]) for c in contacts} == expected()
    assert printed.returncode == 0, printed.stderr
    printed_case, printed_contacts = lines_of(printed.stdout)
    assert printed_contacts == contacts
    assert {**printed_case, "from": "", "to": ""} == {**case, "from": "", "to": ""}  # "now" moved on


def test_each_api_trace_is_recorded_against_the_tokens_user(server, engine, tokens):
    answer = ask(server, tokens["truy-vết"], {"person": CASE_ID, "case_number": "HC-2026-0043", "min_minutes": 10,
                                              "padding": True, "from": "2020-01-01T00:00"})
    with engine.connect() as conn:
        newest = audit_log(conn, limit=1)[0]

    assert answer.status_code == 200, answer.text
    case, contacts = lines_of(answer.text)
    assert case["padding"] and case["min_minutes"] == 10 and case["window_cut_to_retention"]
    # The case traced 30 minutes past each exit: p2's 12 minutes become 32; p3's 4 are under the minimum.
    assert {c["person"]: c["minutes"] for c in contacts} == {shown(person(1)): 80, shown(person(2)): 32,
                                                             shown(person(4)): 30}
    assert (newest.asked_by, newest.role, newest.via, newest.case_number) == ("truy-vết", "tracer", "api",
                                                                              "HC-2026-0043")
    assert newest.searched == mask_person_key(newest.person_tag) and newest.searched.startswith("cccd:#")
    assert newest.padding and newest.min_minutes == 10


def test_the_audit_keeps_the_tagged_key_traced_and_finds_a_persons_traces_by_it(server, engine, tokens):
    for case_number in ("HC-FIND-1", "HC-FIND-2"):
        assert ask(server, tokens["truy-vết"], {"person": CASE_ID, "case_number": case_number}).status_code == 200
    assert ask(server, tokens["truy-vết"], {"person": person(4), "case_number": "HC-FIND-P4"}).status_code == 200

    with engine.connect() as conn:
        newest = audit_log(conn, limit=3)
        found = [record.case_number for record in traces_of(conn, CASE_ID)]
        by_key = [record.case_number for record in traces_of(conn, CASE_KEY)]
        fourth = [record.case_number for record in traces_of(conn, person(4))]

    assert [record.person_tag for record in newest] == [stored_key(person(4)), stored_key(CASE_KEY),
                                                        stored_key(CASE_KEY)]
    assert found[:2] == ["HC-FIND-2", "HC-FIND-1"] and found == by_key and "HC-FIND-P4" not in found
    assert fourth == ["HC-FIND-P4"]
    assert all(CASE_ID not in record.person_tag for record in newest)


@pytest.mark.parametrize("who, status", [(None, 401), ("not-a-token", 401), ("quản-trị", 403), ("nhà-a", 403)])
def test_only_a_tracers_token_opens_the_trace(server, engine, tokens, who, status):
    before = audit_count(engine)

    answer = ask(server, tokens.get(who, who), {"person": CASE_ID, "case_number": "HC-2026-0042"})

    assert answer.status_code == status
    assert answer.json()["error"]["code"] == {401: "unauthorized", 403: "forbidden"}[status]
    assert ("WWW-Authenticate" in answer.headers) == (status == 401)
    assert CASE_ID not in answer.text and "2345" not in answer.text
    assert audit_count(engine) == before


HOSTILE = [
    ({"case_number": "HC-1"}, "person: Field required"),
    ({"person": CASE_ID}, "case_number: Field required"),
    ({"person": "1" * 10_000, "case_number": "HC-1"}, "person: String should have at most 80 characters"),
    ({"person": CASE_ID, "case_number": "H" * 101}, "case_number: String should have at most 100 characters"),
    ({"person": "00109\u200b9012345", "case_number": "HC-1"}, "person: Value error, holds an invisible or control "
                                                               "character (U+200B)"),
    ({"person": 1099012345, "case_number": "HC-1"}, "person: Input should be a valid string"),
    ({"person": [CASE_ID], "case_number": "HC-1"}, "person: Input should be a valid string"),
    ({"person": CASE_ID, "case_number": "HC-1", "min_minutes": "15"}, "min_minutes: Input should be a valid number"),
    ({"person": CASE_ID, "case_number": "HC-1", "min_minutes": -1}, "min_minutes: Input should be greater than"),
    ({"person": CASE_ID, "case_number": "HC-1", "min_minutes": 1e300}, "min_minutes: Input should be less than"),
    ({"person": CASE_ID, "case_number": "HC-1", "padding": "yes"}, "padding: Input should be a valid boolean"),
    ({"person": CASE_ID, "case_number": "HC-1", "sealed": "yes"}, "sealed: Input should be a valid boolean"),
    ({"person": CASE_ID, "case_number": "HC-1", "sealed": 1}, "sealed: Input should be a valid boolean"),
    ({"person": CASE_ID, "case_number": "HC-1", "from": "yesterday"}, "from: Value error, is not a time"),
    ({"person": CASE_ID, "case_number": "HC-1", "to": 1700000000}, "to: Input should be a valid string"),
    ({"person": CASE_ID, "case_number": "HC-1", "person_key": "x"}, "person_key: Extra inputs are not permitted"),
    ([CASE_ID], "body: Input should be an object"),
    ("{\"person\": \"" + CASE_ID, "body: Invalid JSON"),
    (b"\xff\xfe\x00", "body: Invalid JSON"),
]


@pytest.mark.parametrize("body, problem", HOSTILE)
def test_a_hostile_body_is_refused_saying_what_is_wrong_and_never_echoing_the_person(server, engine, tokens, body,
                                                                                      problem):
    before = audit_count(engine)

    answer = ask(server, tokens["truy-vết"], body)

    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "malformed" and "person and case_number" in error["message"]
    assert any(p.startswith(problem) for p in error["problems"]), error["problems"]
    assert CASE_ID not in answer.text and "9012345" not in answer.text
    assert audit_count(engine) == before


def test_a_huge_body_is_refused_before_it_is_read_whole(server, tokens):
    answer = ask(server, tokens["truy-vết"], {"person": CASE_ID, "case_number": "HC-1", "pad": "x" * 1_000_000})

    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("body, message", [
    ({"person": "hello", "case_number": "HC-1"},
     Message("trace.person-not-recognised", searched=mask_person_key("hello"))),
    ({"person": CASE_ID, "case_number": "HC\u200b-1"}, Message("trace.case-number-hidden", code_point="U+200B")),
    ({"person": CASE_ID, "case_number": "   "}, Message("trace.case-number-missing", longest=100)),
])
@pytest.mark.parametrize("accept, lang", [("", "en"), ("vi-VN,vi;q=0.9,en;q=0.5", "vi"), ("en;q=0.8, vi;q=0.3", "en")])
def test_a_trace_that_cannot_be_answered_says_why_in_the_clients_language(server, engine, tokens, body, message,
                                                                           accept, lang):
    before = audit_count(engine)

    answer = ask(server, tokens["truy-vết"], body, **({"Accept-Language": accept} if accept else {}))

    assert answer.status_code == 422
    assert answer.json()["error"] == {"code": message.code, "message": message.text(lang)}
    assert audit_count(engine) == before


def test_a_window_in_the_future_is_refused_in_vietnamese_when_asked(server, tokens):
    answer = ask(server, tokens["truy-vết"], {"person": CASE_ID, "case_number": "HC-1", "from": "2099-01-01T00:00",
                                              "to": "2099-01-02T00:00"}, **{"Accept-Language": "vi"})

    assert answer.status_code == 422 and answer.json()["error"]["code"] == "trace.window-in-future"
    assert "tương lai" in answer.json()["error"]["message"]


def test_the_person_is_never_in_the_servers_log(server, tokens):
    """Last in this module: every request above has been logged by now."""
    requests.get(f"{server.url}/healthz", timeout=10)  # the log is written per request, in order
    log = server.log_path.read_text(encoding="utf-8")

    assert '"path": "/api/v1/trace"' in log and '"status": 200' in log
    assert CASE_ID not in log and "9012345" not in log
