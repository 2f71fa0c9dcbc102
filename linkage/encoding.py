"""Keyed encodings of one person, one field at a time (format v2).

This module is plain Python with no third-party imports: it runs inside Vern and
on an outside organisation's own machine (`bin/vern encode`), so names never leave
the machine they were typed on. Design, threat model and references are written
up in docs/linkage.md; the short version:

Fields, not one filter. Format v1 put names and birth date into one Bloom filter,
so a namesake born on another day still shared most bits and the name outvoted
the date (issue 16). Format v2 encodes each field on its own, so the linker can
weigh each field by what it tells (Fellegi-Sunter, linkage.linker):

- given names and family names: one Bloom filter each (Schnell, Bachteler & Reiher
  2009), made of the padded bigrams of the field's name tokens. Both filters use
  one key, so that a given name written as the family name sets the same bits
  (names swapped), and the OR of the two is the filter of all name tokens (the
  order-free bag the blocking uses);
- birth year, the year after it (so that "one year off" can be seen without the
  year), birth month and birth day, gender and nationality: a keyed token each
  (the first 4 bytes of an HMAC). Month and day share one key so that a day and
  month swapped can be seen; a part that is not known is all zeros, which the
  linker scores as neither agreeing nor disagreeing.

Aliases are not encoded: they are nicknames many share ("Baby", "Lady"), and one
organisation knowing one and another not would only lower the agreement of the
given names of one person.

Keyed hashing. Bit positions and tokens come from HMAC-SHA256 under a key derived
per field from the secret linkage key (HKDF-style ``HMAC(key, "field:" + name)``),
so nobody without the key can compute an encoding (a dictionary attack needs the
key). Per-field keys are the "salting per field" of the issue.

Hardening — what we chose and why:

1. Random hashing instead of double hashing. The textbook CLK uses double hashing,
   ``g_i = h1 + i·h2 mod L`` (Kirsch & Mitzenmacher 2006); the positions of one
   bigram then form an arithmetic progression, a pattern an attacker can find
   without the key, which the cryptanalyses of Niedermeyer, Steinmetzer, Kroll &
   Schnell (2014) and Kroll & Steinmetzer (2015) exploit. Here all ``k`` positions
   are independent 16-bit slices of the keyed HMAC-SHA256 output, so there is no
   structure to find.
2. XOR-folding (Schnell, Borgs & Encarnação 2016). Each name filter is first made
   with 1,024 bits, then folded in half by XOR into the 512 bits that are stored. A
   stored bit is no longer the trace of a set of q-grams but the parity of two
   unrelated positions, which removes the one-to-one link between frequent bit
   patterns and frequent q-grams that frequency and pattern-mining attacks
   (Christen, Schnell, Vatsalan & Ranbaduge 2017; Christen, Ranbaduge, Vatsalan &
   Schnell 2019) start from.
   Field-level encodings leak more than one record-level filter: equal tokens show
   equal birth years, and equal name filters show equal names, so the frequencies
   of names and years within a file can be counted by whoever holds the file and
   not the key (docs/linkage.md, "What the encodings reveal"). This is the price
   of weighing fields apart; the files stay inside the statistics store.

The key never enters the statistics store: it is a file (`bin/vern keygen`) whose
path is given on the command line or in VERN_LINKAGE_KEY_FILE. Encoded files carry
the key's fingerprint, itself keyed, so a file made under another key is refused
instead of silently linking nothing.

References
- Schnell R, Bachteler T, Reiher J (2009). Privacy-preserving record linkage using
  Bloom filters. BMC Medical Informatics and Decision Making 9:41.
- Schnell R, Bachteler T, Reiher J (2011). A novel error-tolerant anonymous linking
  code. German Record Linkage Center, Working Paper WP-GRLC-2011-02.
- Kirsch A, Mitzenmacher M (2006). Less hashing, same performance: building a better
  Bloom filter. ESA 2006, LNCS 4168.
- Niedermeyer F, Steinmetzer S, Kroll M, Schnell R (2014). Cryptanalysis of basic
  Bloom filters used for privacy preserving record linkage. Journal of Privacy and
  Confidentiality 6(2).
- Kroll M, Steinmetzer S (2015). Who is 1011011111…1110110010? Automated
  cryptanalysis of Bloom filter encryptions of databases with several personal
  identifiers. BIOSTEC 2015, CCIS 574.
- Schnell R, Borgs C (2016). Randomized response and balanced Bloom filters for
  privacy preserving record linkage. IEEE ICDM Workshops 2016.
- Schnell R, Borgs C, Encarnação J (2016). XOR-folding for Bloom filter-based
  encryptions for privacy-preserving record linkage. German Record Linkage Center,
  Working Paper WP-GRLC-2016-03.
- Christen P, Schnell R, Vatsalan D, Ranbaduge T (2017). Efficient cryptanalysis of
  Bloom filters for privacy-preserving record linkage. PAKDD 2017, LNCS 10234.
- Christen P, Ranbaduge T, Vatsalan D, Schnell R (2019). Precise and fast
  cryptanalysis for Bloom filter based privacy-preserving record linkage. IEEE
  Transactions on Knowledge and Data Engineering 31(11).
"""

import base64
import hashlib
import hmac
import os
import re
import secrets
import struct
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

FORMAT_VERSION = 2
NAME_BITS = 512  # a stored name filter; made with twice as many bits, then XOR-folded
NAME_BYTES = NAME_BITS // 8
_UNFOLDED_BITS = 2 * NAME_BITS
TOKEN_BYTES = 4
# The stored encoding: given-name filter, family-name filter, then one token per part.
TOKEN_FIELDS = ("birth_year", "next_birth_year", "birth_month", "birth_day", "gender", "nationality")
ENCODING_BYTES = 2 * NAME_BYTES + TOKEN_BYTES * len(TOKEN_FIELDS)
# Hash functions per bigram: a name of two tokens sets about a fifth of the folded bits,
# dense enough that one typo changes few of them, sparse enough that names differ.
BIGRAM_HASHES = 8
# The key of each token field: month and day share one, so that swapped parts compare.
_TOKEN_KEYS = {
    "birth_year": "birth_year",
    "next_birth_year": "birth_year",
    "birth_month": "birth_day_month",
    "birth_day": "birth_day_month",
    "gender": "gender",
    "nationality": "nationality",
}
_KEY_BYTES = 32
KEY_ENV = "VERN_LINKAGE_KEY_FILE"


class LinkageKeyError(ValueError):
    """The linkage key is missing, unreadable or not a key."""


@dataclass(frozen=True)
class LinkageKey:
    """The secret linkage key; per-field keys and the fingerprint are derived from it."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != _KEY_BYTES:
            raise LinkageKeyError(f"A linkage key is {_KEY_BYTES} bytes.")

    @classmethod
    def from_text(cls, text: str) -> "LinkageKey":
        try:
            secret = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise LinkageKeyError("The key file does not hold a base64-encoded linkage key.") from None
        if len(secret) != _KEY_BYTES:
            raise LinkageKeyError("The key file does not hold a base64-encoded linkage key.")
        return cls(secret)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> "LinkageKey":
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise LinkageKeyError(f"Cannot read the key file: {error}") from None
        return cls.from_text(text)

    @property
    def fingerprint(self) -> str:
        """A keyed digest that names the key without revealing anything about it."""
        return hmac.digest(self.secret, b"vern-linkage/fingerprint", "sha256")[:8].hex()

    def field_key(self, field_name: str) -> bytes:
        return hmac.digest(self.secret, b"vern-linkage/field:" + field_name.encode(), "sha256")


def generate_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(_KEY_BYTES)).decode("ascii")


@dataclass(frozen=True)
class Person:
    """What the encoding is built from: (given names, family names), in either order (see Encoder.encode)."""

    names: tuple[str, ...]  # given names, then family names
    aliases: tuple[str, ...] = ()
    birth_date: date | None = None
    birth_year: int | None = None  # when only an (estimated) year is known
    gender: str = ""  # female, male, other or "" when not known
    nationality: str = ""  # ISO 3166-1 alpha-2, or ""


# Normalisation of names. Records of the same person differ in case, diacritics,
# Norwegian letters typed or not, Cyrillic written or romanised, and romanised by
# different conventions (English Natalya, German Natalja, French Natalia, Ukrainian
# passport Nataliia). Each rule maps the variants of one sound to one spelling; they
# are applied to every record alike, so a rule that also touches other names
# (w → v in "Wenche") costs nothing.
_LETTERS_BEFORE_DIACRITICS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "š": "sh", "č": "ch", "ž": "zh"})
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ie",
        "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
        "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
        "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
        "ю": "iu", "я": "ia",
    }
)  # fmt: skip
# Longest first: each romanisation of one Cyrillic letter, or one Norwegian spelling
# variant, becomes one spelling.
_SPELLING_RULES = (
    ("schtsch", "sh"),  # German щ
    ("shch", "sh"),  # English щ
    ("tsch", "ch"),  # German ч
    ("tch", "ch"),  # French ч
    ("sch", "sh"),  # German ш
    ("kh", "h"),  # English х
    ("zh", "j"),  # English ж, French j (and j → i below)
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),  # French у
    ("oe", "o"),  # Norwegian ø typed as oe
    ("w", "v"),  # German в
    ("x", "ks"),  # Alexander / Aleksandr
    ("q", "k"),
    ("y", "i"),  # Natalya / Natalia, Sergey / Sergei
    ("j", "i"),  # Natalja / Natalia, Tatjana / Tatiana
)
_APOSTROPHES = re.compile(r"['’`´]")  # O'Brien / OBrien
_REPEATS = re.compile(r"(.)\1+")  # Nataliia / Natalia, Aase / Åse, Dmitrii / Dmitri
_NOT_LETTERS = re.compile(r"[^a-z]+")


def normalise_name(text: str) -> list[str]:
    """Name tokens in one canonical spelling: lower case, Latin letters only."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFC", text).casefold())
    text = text.translate(_LETTERS_BEFORE_DIACRITICS).translate(_CYRILLIC)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    tokens = []
    for token in _NOT_LETTERS.split(text):
        for variant, canonical in _SPELLING_RULES:
            token = token.replace(variant, canonical)
        token = _REPEATS.sub(r"\1", token)
        if token:
            tokens.append(token)
    return tokens


def name_bigrams(text: str) -> set[str]:
    """Padded bigrams of every token of one name field, in one bag (so token order does not matter)."""
    bigrams: set[str] = set()
    for token in normalise_name(text):
        padded = f"_{token}_"
        bigrams.update(padded[i : i + 2] for i in range(len(padded) - 1))
    return bigrams


def token_values(person: Person) -> dict[str, str]:
    """The value of each token field that is known."""
    values = {}
    year = person.birth_date.year if person.birth_date else person.birth_year
    if year:
        values["birth_year"], values["next_birth_year"] = str(year), str(year + 1)
    if person.birth_date:
        values["birth_month"], values["birth_day"] = str(person.birth_date.month), str(person.birth_date.day)
    if person.gender:
        values["gender"] = person.gender
    if person.nationality:
        values["nationality"] = person.nationality.upper()
    return values


class _FieldHash:
    """HMAC-SHA256 (RFC 2104) under one field key, with the padded key states hashed once.

    The same function as ``hmac.digest(key, message, "sha256")``, about three times
    faster for the short messages here, which matters for 100,000 persons a year.
    """

    def __init__(self, key: bytes) -> None:
        block = key.ljust(64, b"\0")  # field keys are 32 bytes, below SHA-256's block size
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def positions(self, feature: str, count: int) -> list[int]:
        """``count`` independent positions in the unfolded filter (random hashing)."""
        message = feature.encode()
        positions: list[int] = []
        for block in range(-(-count // 16)):
            # Sixteen 16-bit slices; 2**16 is a multiple of the filter length, so no modulo bias.
            positions += struct.unpack(">16H", self.digest(bytes([block]) + message))
        return [position % _UNFOLDED_BITS for position in positions[:count]]


class Encoder:
    """Encodes persons under one key; holds the derived per-field keys."""

    def __init__(self, key: LinkageKey) -> None:
        self.key = key
        self._names = _FieldHash(key.field_key("name"))
        self._tokens = {name: _FieldHash(key.field_key(name)) for name in set(_TOKEN_KEYS.values())}

    def name_filter(self, text: str) -> bytes:
        unfolded: set[int] = set()
        for bigram in name_bigrams(text):
            unfolded.update(self._names.positions(bigram, BIGRAM_HASHES))
        # XOR-folding: stored bit q is the parity of unfolded bits q and q + NAME_BITS.
        folded = 0
        for position in unfolded:
            folded ^= 1 << (position % NAME_BITS)
        return folded.to_bytes(NAME_BYTES, "big")

    def token(self, field_name: str, value: str) -> bytes:
        digest = self._tokens[_TOKEN_KEYS[field_name]].digest(value.encode())[:TOKEN_BYTES]
        return digest if any(digest) else b"\0\0\0\1"  # all zeros means "not known"

    def encode(self, person: Person) -> bytes:
        """Given-name filter, family-name filter and the tokens, ENCODING_BYTES in all."""
        given, family = (person.names[0], " ".join(person.names[1:])) if person.names else ("", "")
        values = token_values(person)
        tokens = b"".join(
            self.token(name, values[name]) if name in values else bytes(TOKEN_BYTES) for name in TOKEN_FIELDS
        )
        return self.name_filter(given) + self.name_filter(family) + tokens


def clk_to_text(clk: bytes) -> str:
    return base64.b64encode(clk).decode("ascii")


def clk_from_text(text: str) -> bytes:
    """The encoding in a file; ValueError when it is not one."""
    clk = base64.b64decode(text.encode("ascii"), validate=True)
    if len(clk) != ENCODING_BYTES:
        raise ValueError(f"an encoding is {ENCODING_BYTES} bytes, this one is {len(clk)}")
    return clk
