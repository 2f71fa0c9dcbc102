"""Every user-facing string is translated to bokmål; bokmål is the default, English the second language."""

import subprocess
from pathlib import Path

import pytest
from django.test import Client

PO_FILE = Path(__file__).resolve().parent.parent / "locale" / "nb" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("selection", ["--untranslated", "--only-fuzzy"])
def test_every_string_has_a_bokmal_translation(selection: str) -> None:
    # gettext's msgattrib prints the entries that are untranslated (or fuzzy); the header alone is fine.
    result = subprocess.run(  # noqa: S603
        ["msgattrib", selection, "--no-obsolete", "--no-wrap", str(PO_FILE)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not entries, entries


@pytest.mark.django_db
def test_bokmal_is_the_default_even_for_an_english_browser() -> None:
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="nb"' in response.text
    assert "Logg inn i Vern" in response.text


@pytest.mark.django_db
def test_the_switcher_changes_to_english() -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert '<html lang="en"' in response.text
    assert "Log in to Vern" in response.text
