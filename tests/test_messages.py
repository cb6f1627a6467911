"""The catalogue: every code the code base uses has a sentence in every language, and every placeholder
of that sentence is filled by the parameters the call site passes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kiosk.credentials import badge, bhyt, cccd, dcc, fields, hd1, signed, vnqr
from kiosk.messages import LANGUAGES, Message, catalogue_codes, inline, placeholders, template_for, upgrade_stored

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("kiosk", "ui", "server") for p in (ROOT / d).rglob("*.py")]


def _calls() -> list[tuple[str, str, set[str] | None]]:
    """(where, code, parameter names or None when passed as a mapping) of each Reason/Message call with a
    literal code."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if (name in ("Reason", "Message", "Problem") and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                names = None if len(node.args) > 1 or any(k.arg is None for k in node.keywords) \
                    else {k.arg for k in node.keywords}
                found.append((where, node.args[0].value, names))
            elif name == "Field" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                found.append((where, node.args[1].value, set()))  # a field's name: no parameters
    return found


CALLS = _calls()


def test_the_scan_sees_the_code_base():
    assert len(CALLS) > 60


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_used_has_a_sentence_whose_placeholders_the_call_fills(lang):
    missing = [f"{where} {code}" for where, code, _ in CALLS if template_for(code, lang) is None]
    unfilled = [f"{where} {code}: {placeholders(template_for(code, lang))} vs {names}"
                for where, code, names in CALLS if template_for(code, lang) is not None and names is not None
                and placeholders(template_for(code, lang)) != names]
    assert missing == [] and unfilled == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_format_field_and_code_family_is_worded(lang):
    kinds = [module.KIND for module in (badge, bhyt, cccd, dcc, hd1, vnqr)]
    assert all(template_for(kind.words.code, lang) for kind in kinds)
    assert all(template_for(field.words.code, lang) for field in fields.CONTENT_FIELDS.values())
    missing_name = fields.field_refusal(cccd.KIND, fields.FieldError(cccd.NAME, fields.MISSING), "x").reason
    assert missing_name.code == "cccd.missing-name"
    assert "{" not in missing_name.text(lang) and missing_name.text(lang) != missing_name.code
    for prefix in (dcc.FORMAT, hd1.FORMAT, badge.FORMAT):
        for stage in signed.STAGES:
            damaged = signed.malformed_reason(prefix, stage)
            assert all(template_for(code, lang) for code in (damaged.code, *(p.code for _, p in damaged.params)))


def test_every_language_has_the_same_codes_and_placeholders():
    vi, en = (catalogue_codes(lang) for lang in ("vi", "en"))
    assert set(vi) == set(en)
    assert [code for code in vi if placeholders(vi[code]) != placeholders(en[code])] == []


def test_a_message_renders_in_the_viewers_language_with_nested_codes_rendered_too():
    full = Message("health.not_protected", why=Message("health.why.test", hours=72))
    assert full.text("vi") == "Chưa được bảo vệ: xét nghiệm âm tính đã quá 72 giờ"
    assert full.text("en") == "Not protected: the negative test is more than 72 hours old"


def test_an_unknown_code_or_a_missing_parameter_reads_as_the_code_never_an_exception():
    assert Message("from.a.newer.server", n=3).text("vi") == "from.a.newer.server (n=3)"
    assert Message("policy.capacity", inside=12).text("en") == "policy.capacity (inside=12)"
    assert Message("policy.capacity", inside=12, capacity=12).text("fr") == "Đã đủ người: 12/12 đang ở bên trong"


def test_messages_are_values_and_survive_their_stored_shape():
    one = Message("policy.capacity", {"inside": 3}, capacity="3")
    assert one == Message("policy.capacity", capacity=3, inside="3") and len({one, Message(*[one.code], **one.values)}) == 1
    nested = Message("health.not_protected", why=Message("health.why.recovery", days=180))
    assert nested.to_json() == {"code": "health.not_protected",
                                "params": {"why": {"code": "health.why.recovery", "params": {"days": "180"}}}}
    assert Message.from_json(nested.to_json()) == nested


def test_the_old_stored_shape_still_reads_in_both_languages():
    old = Message.from_json({"code": "test.note", "vi": "Ghi chú thử", "en": "Test note"})
    assert old == inline("test.note", "Ghi chú thử", "Test note")
    assert (old.text("vi"), old.text("en")) == ("Ghi chú thử", "Test note")


def test_a_stored_reason_gets_its_parameters_back_when_they_render_its_sentences_exactly():
    assert upgrade_stored({"code": "policy.capacity", "vi": "Đã đủ người: 12/12 đang ở bên trong",
                           "en": "Full: 12 of 12 people inside"}) == \
        {"code": "policy.capacity", "params": {"capacity": "12", "inside": "12"}}
    assert upgrade_stored({"code": "hd1.expired", "vi": "Tờ khai y tế đã hết hạn — đề nghị khai báo lại",
                           "en": "Health declaration has expired — ask for a new one"}) == \
        {"code": "hd1.expired", "params": {}}


def test_a_stored_reason_that_cannot_be_rebuilt_keeps_its_sentences():
    # Worded before the catalogue, a code never catalogued, a placeholder once filled by a sentence.
    for old in ({"code": "policy.capacity", "vi": "Hết chỗ", "en": "Full"},
                {"code": "test.note", "vi": "Ghi chú thử", "en": "Test note"},
                {"code": "health.not_protected", "vi": "Chưa được bảo vệ: xét nghiệm âm tính đã quá 72 giờ",
                 "en": "Not protected: the negative test is more than 72 hours old"}):
        new = upgrade_stored(old)
        assert new == {"code": old["code"], "params": {"vi": old["vi"], "en": old["en"]}}
        assert Message.from_json(new).text("vi") == old["vi"] and Message.from_json(new).text("en") == old["en"]
