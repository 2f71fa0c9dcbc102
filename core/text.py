"""Free text that must say something: a reason to break the glass, a justification for a disclosure.

A reason is read later by the organisation's data protection officer, so it must be text a person
can read. Unicode lets a field look filled while saying nothing: a zero-width space (U+200B), a
joiner (U+200D), a byte-order mark (U+FEFF) and the bidirectional marks are *format* characters
(category Cf) that render as nothing; control (Cc), private-use (Co) and unassigned (Cn) characters
carry no readable meaning either. `meaningful_text` removes them after NFKC normalisation (which
also folds full-width and other compatibility forms, so "ａｂｃ" counts as "abc"), and collapses
whitespace.

A *real* reason then needs at least REASON_MIN_WORDS words with a letter in them and
REASON_MIN_LETTERS letters in all. Three words is the shortest sentence that says who asked or what
happened and why now ("politiet ber om bistand", "akutt fare for personen"); fifteen letters rule
out a row of one-letter "words" ("a b c") and a single long nonsense word ("asdfasdf"). It cannot
tell sense from nonsense ("asdf asdf asdf asdf"), and need not: every reason is logged with its
author and shown in the log review, where such a reason stands out.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REASON_MIN_WORDS = 3
REASON_MIN_LETTERS = 15

# Format (zero-width characters, bidi marks, BOM), control, private use, unassigned.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn"})
_WHITESPACE = re.compile(r"\s+")


def meaningful_text(value: str) -> str:
    """`value` NFKC-normalised, without invisible characters, its whitespace collapsed to single spaces."""
    normalised = unicodedata.normalize("NFKC", value)
    # Whitespace controls (tab, newline) separate words: make them spaces before dropping the controls.
    spaced = _WHITESPACE.sub(" ", normalised)
    visible = "".join(char for char in spaced if unicodedata.category(char) not in _INVISIBLE_CATEGORIES)
    return _WHITESPACE.sub(" ", visible).strip()


def is_real_reason(value: str) -> bool:
    """Whether `value` has at least REASON_MIN_WORDS words with letters and REASON_MIN_LETTERS letters."""
    words = [word for word in meaningful_text(value).split(" ") if any(char.isalpha() for char in word)]
    letters = sum(char.isalpha() for word in words for char in word)
    return len(words) >= REASON_MIN_WORDS and letters >= REASON_MIN_LETTERS


def validate_real_reason(value: str) -> None:
    """Form and service validator: refuses a reason that is empty, invisible or too short to say anything."""
    if not is_real_reason(value):
        raise ValidationError(
            _("Write the reason in at least %(words)s words, so that others can understand it later."),
            code="not_a_real_reason",
            params={"words": REASON_MIN_WORDS},
        )
