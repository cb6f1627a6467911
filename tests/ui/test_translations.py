"""Every string the widgets show is in the Vietnamese catalogue, translated, and the catalogue compiles."""

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ui.i18n import build_qm, lrelease

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "resources" / "translations" / "kiosk_vi.ts"


def messages(ts: Path) -> dict[str, ET.Element]:
    return {message.findtext("source"): message for message in ET.parse(ts).iter("message")}


def test_every_message_has_a_finished_vietnamese_translation():
    found = messages(CATALOGUE)
    assert found
    unfinished = [source for source, message in found.items()
                  if message.find("translation").get("type") in ("unfinished", "obsolete")
                  or not "".join(message.find("translation").itertext()).strip()]
    assert unfinished == []


@pytest.mark.skipif(lrelease() is None, reason="the Qt Linguist tools are not installed")
def test_the_catalogue_holds_every_string_in_the_code(tmp_path):
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(lrelease()).with_name("pyside6-lupdate")
    sources = sorted(str(path) for path in (ROOT / "ui").rglob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], check=True, capture_output=True)
    assert set(messages(fresh)) - set(messages(CATALOGUE)) == set()


@pytest.mark.skipif(lrelease() is None, reason="the Qt Linguist tools are not installed")
def test_the_catalogue_compiles(tmp_path):
    assert build_qm(CATALOGUE, tmp_path / "kiosk_vi.qm")
