"""`makemessages` finds no string in the code that the bokmål catalogue lacks or has only as a fuzzy guess.

The extraction runs on a copy of the source tree, so the test never rewrites `locale/` (other branches
append their entries at the end of the catalogue, which makemessages would re-sort).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.allauth_wording import REWORDED

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = (".venv", "node_modules", ".git", "dist", "__pycache__", ".local", ".pytest_cache", ".mypy_cache")


@pytest.fixture(scope="module")
def extracted_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("source") / "vern"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--no-obsolete", "--ignore=static", "-v0"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "VERN_DEBUG": "true"},
        check=True,
    )
    return tree / "locale" / "nb" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("selection", ["--untranslated", "--only-fuzzy"])
def test_makemessages_leaves_no_untranslated_or_fuzzy_entry(extracted_catalogue: Path, selection: str) -> None:
    result = subprocess.run(  # noqa: S603
        ["msgattrib", selection, "--no-obsolete", "--no-wrap", str(extracted_catalogue)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not entries, "\n".join(entries)


@pytest.mark.parametrize("message", REWORDED)
def test_allauths_messages_read_in_plain_bokmal(message: str) -> None:
    with translation.override("nb"):
        bokmal = gettext(message)
    assert bokmal != message
    assert "vennligst" not in bokmal.casefold(), bokmal
