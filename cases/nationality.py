"""Nationality as an ISO 3166-1 alpha-2 code, named in the user's language.

Before nationality was a list it was free text, so a stored value may also be a
country's name in bokmål or English ("Norge", "Romania", "Ukraine").
"""

import unicodedata
from functools import lru_cache

from django.utils.translation import get_language
from django_countries import countries

# The languages a nationality was written in while it was free text: the UI's.
NAME_LANGUAGES = ("nb", "en")
# Bokmål sorts Æ, Ø and Å after Z; marks above an ASCII character after it ("{", "|", "}").
NORWEGIAN_LAST_LETTERS = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


def country_code(value: str) -> str:
    """The ISO 3166-1 alpha-2 code of a stored nationality (a code, or a bokmål or English name), else ""."""
    value = value.strip()
    if len(value) == 2 and value.upper() in countries:
        return value.upper()
    return _code_by_name(value.casefold()) if value else ""


@lru_cache(maxsize=1024)
def _code_by_name(name: str) -> str:
    """Cached: the statistics read every case's nationality, and a lookup walks every country's name."""
    for language in NAME_LANGUAGES:
        if code := countries.by_name(name, language=language):
            return code
    return ""


def country_choices() -> list[tuple[str, str]]:
    """Every country's code and name in the active language, in that language's alphabetical order."""
    bokmal = not (get_language() or "nb").startswith("en")
    named = [(country.code, str(country.name)) for country in countries]
    return sorted(named, key=lambda choice: alphabetical(choice[1], bokmal=bokmal))


def alphabetical(name: str, *, bokmal: bool) -> str:
    """A sort key: accents ignored (Réunion among the R's), and in bokmål Æ, Ø and Å last, as in its alphabet."""
    folded = name.casefold()
    if bokmal:
        folded = folded.translate(NORWEGIAN_LAST_LETTERS)
    return unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
