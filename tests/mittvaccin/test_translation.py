"""Swedish first, English available: the catalogue is complete and used when the user chooses it."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import client_for

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def entries():
    text = PO.read_text(encoding="utf-8")
    return [block for block in text.split("\n\n") if "msgid" in block]


def test_english_catalogue_has_no_empty_or_fuzzy_translation():
    empty, fuzzy = [], []
    for block in entries()[1:]:  # the first block is the header
        if "#, fuzzy" in block:
            fuzzy.append(block)
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n?((?:".*"\n?)*)', block, flags=re.M)
        if any(first == "" and not rest.strip() for first, rest in msgstrs):
            empty.append(block.splitlines()[-2] if len(block.splitlines()) > 1 else block)
    assert not fuzzy, fuzzy[:3]
    assert not empty, empty[:5]


def test_compiled_catalogue_is_there():
    assert PO.with_suffix(".mo").exists()


@pytest.mark.django_db
def test_the_interface_is_english_when_the_user_chooses_it(cast):
    client = client_for(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert "Log out" in html
    assert "Logga ut" not in html
