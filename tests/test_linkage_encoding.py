"""The keyed Bloom-filter encoding: normalisation, keys, and what a filter keeps."""

import hmac
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage.encoding import (
    ENCODING_BYTES,
    NAME_BYTES,
    TOKEN_BYTES,
    TOKEN_FIELDS,
    Encoder,
    LinkageKey,
    LinkageKeyError,
    Person,
    _FieldHash,
    generate_key_text,
    normalise_name,
)
from linkage.linker import dice

KEY = LinkageKey(bytes(range(32)))
OTHER_KEY = LinkageKey(bytes(range(1, 33)))
ANNA = Person(("Anna", "Fiktivova"), birth_date=date(1996, 3, 14), gender="female", nationality="UA")


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        (["Natalya", "Natalja", "Nataliia", "Natalia", "Наталья", "NATALYA"], "natalia"),
        (["Shevchenko", "Schewtschenko", "Ševčenko", "Шевченко"], "shevchenko"),
        (["Dmitry", "Dmitrij", "Dmitriy", "Dmitrii", "Дмитрий"], "dmitri"),
        (["Yulia", "Julia", "Iuliia", "Юлия"], "iulia"),
        (["Sørensen", "Soerensen", "Sorensen"], "sorensen"),
        (["Åse", "Aase"], "ase"),
        (["Hương", "Huong"], "huong"),
        (["O'Brien", "OBrien", "O’Brien"], "obrien"),
    ],
)
def test_spelling_variants_of_one_name_normalise_alike(variants: list[str], canonical: str) -> None:
    assert {tuple(normalise_name(variant)) for variant in variants} == {(canonical,)}


def test_names_split_into_tokens_of_latin_letters() -> None:
    assert normalise_name("  Maria-Elena  Popescu, 2 ") == ["maria", "elena", "popescu"]


def test_field_hash_is_hmac_sha256() -> None:
    field_key = KEY.field_key("name")
    assert _FieldHash(field_key).digest(b"\x00_a") == hmac.digest(field_key, b"\x00_a", "sha256")


def given_filter(encoding: bytes) -> bytes:
    return encoding[:NAME_BYTES]


def family_filter(encoding: bytes) -> bytes:
    return encoding[NAME_BYTES : 2 * NAME_BYTES]


def token(encoding: bytes, name: str) -> bytes:
    start = 2 * NAME_BYTES + TOKEN_BYTES * TOKEN_FIELDS.index(name)
    return encoding[start : start + TOKEN_BYTES]


def test_an_encoding_holds_each_field_apart_and_depends_on_the_key() -> None:
    first, again, other = Encoder(KEY).encode(ANNA), Encoder(KEY).encode(ANNA), Encoder(OTHER_KEY).encode(ANNA)
    assert len(first) == ENCODING_BYTES == 2 * 64 + 6 * 4
    assert first == again
    assert dice(family_filter(first), family_filter(other)) < 0.5
    assert all(token(first, name) != token(other, name) for name in TOKEN_FIELDS)
    assert all(any(token(first, name)) for name in TOKEN_FIELDS)


def test_swapped_names_and_another_romanisation_land_in_the_other_filter_alike() -> None:
    encoder = Encoder(KEY)
    swapped = encoder.encode(Person(("Фиктивова", "Anna"), birth_date=ANNA.birth_date, gender="female"))
    anna = encoder.encode(ANNA)
    assert (given_filter(swapped), family_filter(swapped)) == (family_filter(anna), given_filter(anna))


def test_day_and_month_share_a_key_so_that_a_swap_shows() -> None:
    encoder = Encoder(KEY)
    anna = encoder.encode(ANNA)  # 14 March
    swapped = encoder.encode(Person(ANNA.names, birth_date=date(1996, 12, 3)))  # 3 December, 3 and 14 swapped: no
    march_third = encoder.encode(Person(ANNA.names, birth_date=date(1996, 3, 3)))
    assert token(anna, "birth_month") == token(march_third, "birth_day") == token(swapped, "birth_day")


def test_a_typo_keeps_most_bits_and_a_missing_date_leaves_its_tokens_empty() -> None:
    encoder = Encoder(KEY)
    anna = encoder.encode(ANNA)
    typo = encoder.encode(Person(("Anna", "Fiktivoa"), birth_date=ANNA.birth_date, gender="female", nationality="UA"))
    year_only = encoder.encode(Person(ANNA.names, birth_year=1996, gender="female", nationality="UA"))
    stranger = encoder.encode(Person(("Ingrid", "Oppdiktet"), birth_date=date(1971, 9, 2)))
    assert dice(family_filter(anna), family_filter(typo)) > 0.7
    assert token(year_only, "birth_year") == token(anna, "birth_year")
    assert token(year_only, "birth_month") == token(year_only, "birth_day") == bytes(TOKEN_BYTES)
    assert dice(family_filter(anna), family_filter(stranger)) < 0.3
    # The year after the birth year is the birth year of someone born a year later.
    later = encoder.encode(Person(ANNA.names, birth_year=1997))
    assert token(anna, "next_birth_year") == token(later, "birth_year")


def test_keys_round_trip_and_bad_keys_are_refused(tmp_path: Path) -> None:
    text = generate_key_text()
    assert LinkageKey.from_text(text).fingerprint == LinkageKey.from_text(text + "\n").fingerprint
    assert LinkageKey.from_text(text).fingerprint != LinkageKey.from_text(generate_key_text()).fingerprint
    assert "secret" not in repr(LinkageKey.from_text(text))
    for bad in ("", "not base64!", "c2hvcnQ="):
        with pytest.raises(LinkageKeyError):
            LinkageKey.from_text(bad)
    with pytest.raises(LinkageKeyError, match="Cannot read"):
        LinkageKey.from_file(tmp_path / "missing")


def test_the_encoder_side_imports_neither_django_nor_numpy() -> None:
    """`vern encode` runs on machines with a bare Python."""
    code = (
        "import sys, linkage.cli, linkage.files, linkage.people, linkage.encoding; "
        "sys.exit(', '.join(m for m in sys.modules if m.split('.')[0] in ('django', 'numpy')) or None)"
    )
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)  # noqa: S603
    assert completed.returncode == 0, completed.stderr


clks = st.binary(min_size=NAME_BYTES, max_size=NAME_BYTES)


@given(clks, clks)
def test_dice_is_symmetric_and_between_0_and_1(first: bytes, second: bytes) -> None:
    assert dice(first, second) == dice(second, first)
    assert 0.0 <= dice(first, second) <= 1.0


@given(clks)
def test_dice_of_an_encoding_with_itself_is_1(clk: bytes) -> None:
    assert dice(clk, clk) == 1.0


@given(st.text(max_size=40), st.text(max_size=40))
def test_any_name_encodes_without_error_and_alike_twice(first: str, second: str) -> None:
    person = Person((first, second))
    assert Encoder(KEY).encode(person) == Encoder(KEY).encode(person)
