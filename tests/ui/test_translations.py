"""Every string the widgets show is in every language's catalogue, and switching language at run time
retranslates them from it."""

import ast
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from kiosk.messages import LANGUAGES, catalogue_codes
from ui.i18n import Languages

ROOT = Path(__file__).resolve().parents[2]


def _literals(node: ast.Call) -> list[str]:
    return [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]


def window_strings() -> set[str]:
    """"<context>|<source>" of every self.tr("...") in ui/ (the class is Qt's translation context) and
    every QCoreApplication.translate("<context>", "...")."""
    found = set()
    for path in (ROOT / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef):
                found |= {f"{cls.name}|{_literals(node)[0]}" for node in ast.walk(cls)
                          if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "tr" and _literals(node)}
        found |= {"|".join(_literals(node)[:2]) for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "translate"
                  and len(_literals(node)) >= 2}
    return found


def test_the_scan_sees_the_window():
    assert len(window_strings()) > 40 and "Buttons|OK" in window_strings()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_window_string_has_a_text_in_every_language_and_no_other_is_kept(lang):
    kept = {code for code in catalogue_codes(lang) if "|" in code}
    assert (window_strings() - kept, kept - window_strings()) == (set(), set())


def test_switching_language_retranslates_from_the_catalogue(qapp):
    languages = Languages(qapp)
    languages.switch("vi")
    assert QCoreApplication.translate("PinDialog", "Wrong PIN. %n tries left.", None, 3) == "Sai mã PIN. Còn 3 lần thử."
    languages.switch("en")
    assert QCoreApplication.translate("PinDialog", "Wrong PIN. %n tries left.", None, 3) == "Wrong PIN. 3 tries left."
    assert QCoreApplication.translate("PinDialog", "not in any catalogue") == "not in any catalogue"
