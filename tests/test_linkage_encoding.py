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
    CLK_BYTES,
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


def test_an_encoding_is_1024_bits_and_depends_on_the_key() -> None:
    first, again, other = Encoder(KEY).encode(ANNA), Encoder(KEY).encode(ANNA), Encoder(OTHER_KEY).encode(ANNA)
    assert len(first) == CLK_BYTES == 128
    assert first == again
    assert dice(first, other) < 0.5


def test_swapped_names_and_another_romanisation_encode_alike() -> None:
    encoder = Encoder(KEY)
    swapped = Person(("Фиктивова", "Anna"), birth_date=ANNA.birth_date, gender="female", nationality="UA")
    assert encoder.encode(swapped) == encoder.encode(ANNA)


def test_a_typo_or_a_missing_birth_date_keeps_most_bits() -> None:
    encoder = Encoder(KEY)
    typo = Person(("Anna", "Fiktivoa"), birth_date=ANNA.birth_date, gender="female", nationality="UA")
    year_only = Person(ANNA.names, birth_year=1996, gender="female", nationality="UA")
    stranger = Person(("Ingrid", "Oppdiktet"), birth_date=date(1971, 9, 2), gender="female", nationality="NO")
    assert dice(encoder.encode(ANNA), encoder.encode(typo)) > 0.8
    assert dice(encoder.encode(ANNA), encoder.encode(year_only)) > 0.7
    assert dice(encoder.encode(ANNA), encoder.encode(stranger)) < 0.4


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


clks = st.binary(min_size=CLK_BYTES, max_size=CLK_BYTES)


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
