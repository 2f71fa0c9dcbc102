"""Keyed Bloom-filter encodings of one person (cryptographic long-term keys, CLK).

This module is plain Python with no third-party imports: it runs inside Vern and
on an outside organisation's own machine (`bin/vern encode`), so names never leave
the machine they were typed on. Design, threat model and references are written
up in docs/linkage.md; the short version:

Encoding (Schnell, Bachteler & Reiher 2009; 2011). Every identifying value is cut
into features — padded bigrams of each name token, date-of-birth parts, gender,
nationality — and each feature sets ``k`` bits of one shared filter (a CLK), ``k``
being the field's weight. Two encodings of the same person share most bits, so the
Dice coefficient of two filters approximates the similarity of the identifiers.

Keyed hashing. Bit positions come from HMAC-SHA256 under a key derived per field
from the secret linkage key (HKDF-style ``HMAC(key, "field:" + name)``), so the same
bigram lands on unrelated positions in the name field and the alias-free date field,
and nobody without the key can compute an encoding (a dictionary attack needs the
key). Per-field keys are the "salting per field" of the issue.

Hardening — what we chose and why:

1. Random hashing instead of double hashing. The textbook CLK uses double hashing,
   ``g_i = h1 + i·h2 mod L`` (Kirsch & Mitzenmacher 2006); the positions of one
   bigram then form an arithmetic progression, a pattern an attacker can find
   without the key, which the cryptanalyses of Niedermeyer, Steinmetzer, Kroll &
   Schnell (2014) and Kroll & Steinmetzer (2015) exploit. Here all ``k`` positions
   are independent 16-bit slices of the keyed HMAC-SHA256 output (more HMAC blocks
   with a counter when ``k`` > 16), so there is no structure to find. It costs
   nothing: it is one HMAC per feature, where keyed double hashing needs two.
2. XOR-folding (Schnell, Borgs & Encarnação 2016). Each person is first encoded
   into a 2,048-bit filter, which is then folded in half by XOR into the 1,024 bits
   that are stored. A stored bit is no longer the trace of a set of q-grams but the
   parity of two unrelated positions, which removes the one-to-one link between
   frequent bit patterns and frequent q-grams that frequency and pattern-mining
   attacks (Christen, Schnell, Vatsalan & Ranbaduge 2017; Christen, Ranbaduge,
   Vatsalan & Schnell 2019) start from. With it the encoded linkage still reaches
   F1 0.946 on FEBRL 4, against 0.896 for plaintext linkage (bench/pprl.py).
   We did not choose balancing (Schnell & Borgs 2016): a balanced filter is the
   filter followed by its complement, permuted; over a whole file the complement
   pairs are perfectly anti-correlated columns and can be paired up again, which
   gives the unbalanced filter back for a frequency analysis. Nor randomised
   response (BLIP), which adds noise to data that is already noisy.

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

CLK_BITS = 1024
CLK_BYTES = CLK_BITS // 8
_UNFOLDED_BITS = 2 * CLK_BITS
_KEY_BYTES = 32
KEY_ENV = "VERN_LINKAGE_KEY_FILE"

# Hash functions per feature: the field's weight. A name gives a dozen or more
# bigrams; each date part is one feature, so it gets more bits to weigh about as much
# as a few bigrams (two people with one name and different birth years must fall
# apart); gender and nationality tell little apart and get few bits, so a missing
# value costs little similarity. Tuned on linkage/synthetic.py (docs/linkage.md).
FIELD_WEIGHTS = {
    "name": 10,
    "birth_date": 30,
    "birth_year": 30,
    "birth_month": 10,
    "birth_day": 10,
    "gender": 8,
    "nationality": 10,
}


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
    """What the encoding is built from. Names may come in any order (see name_features)."""

    names: tuple[str, ...]
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


def name_features(names: tuple[str, ...], aliases: tuple[str, ...]) -> set[str]:
    """Padded bigrams of every name and alias token, in one bag.

    One bag for given names, family names and aliases together means that a person
    registered with the names swapped (common with names from countries that put
    the family name first) encodes the same, and that an alias recorded as the
    name by another organisation still shares its bits.
    """
    bigrams: set[str] = set()
    for text in names + aliases:
        for token in normalise_name(text):
            padded = f"_{token}_"
            bigrams.update(padded[i : i + 2] for i in range(len(padded) - 1))
    return bigrams


def person_features(person: Person) -> dict[str, set[str]]:
    features = {"name": name_features(person.names, person.aliases)}
    if person.birth_date:
        features["birth_date"] = {person.birth_date.isoformat()}
        features["birth_month"] = {str(person.birth_date.month)}
        features["birth_day"] = {str(person.birth_date.day)}
    year = person.birth_date.year if person.birth_date else person.birth_year
    if year:
        features["birth_year"] = {str(year)}
    if person.gender:
        features["gender"] = {person.gender}
    if person.nationality:
        features["nationality"] = {person.nationality.upper()}
    return features


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
        self._hashes = {name: _FieldHash(key.field_key(name)) for name in FIELD_WEIGHTS}

    def encode(self, person: Person) -> bytes:
        unfolded: set[int] = set()
        for field_name, features in person_features(person).items():
            field_hash, weight = self._hashes[field_name], FIELD_WEIGHTS[field_name]
            for feature in features:
                unfolded.update(field_hash.positions(feature, weight))
        # XOR-folding: stored bit q is the parity of unfolded bits q and q + CLK_BITS.
        folded = 0
        for position in unfolded:
            folded ^= 1 << (position % CLK_BITS)
        return folded.to_bytes(CLK_BYTES, "big")


def clk_to_text(clk: bytes) -> str:
    return base64.b64encode(clk).decode("ascii")


def clk_from_text(text: str) -> bytes:
    """The encoding in a file; ValueError when it is not one."""
    clk = base64.b64decode(text.encode("ascii"), validate=True)
    if len(clk) != CLK_BYTES:
        raise ValueError(f"an encoding is {CLK_BYTES} bytes, this one is {len(clk)}")
    return clk
