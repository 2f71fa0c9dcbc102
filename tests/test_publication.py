"""disclosure.publication: tables decided together, checked by the auditor that reads only their CSV."""

import io

import pytest

from disclosure import exports
from disclosure.publication import PROTECTION_WIDTH, Cell, Relation, protect_together
from disclosure.suppression import Row, Table, protect
from tests import disclosure_audit

pytestmark = pytest.mark.usefixtures("english")

AGES = ("Minors", "Adults", "Age not known")
BY_GENDER = Table(
    "By gender",
    "Gender",
    AGES,
    (Row("Women and girls", (1, 46, 1)), Row("Men and boys", (9, 21, 10)), Row("Other", (6, 7, 0))),
)
BY_PLACE = Table("By place", "Place", AGES, (Row("Oslo", (12, 53, 5)), Row("Bergen", (4, 21, 6))))
BY_FORM = Table("By form", "Form", ("Persons",), (Row("Cleaning", (10,)), Row("Car wash", (4,)), Row("Begging", (6,))))


def _csv(tables: object) -> bytes:
    out = io.BytesIO()
    exports.write_csv(tables, out)  # type: ignore[arg-type]
    return out.getvalue()


def _unprotected(data: bytes, **options: object) -> list[disclosure_audit.Narrow]:
    found = disclosure_audit.ranges(data, **options)  # type: ignore[arg-type]
    return [each for each in found if not disclosure_audit.protected(each, PROTECTION_WIDTH)]


def test_one_table_protected_alone_gives_its_small_cells_away_and_together_it_does_not() -> None:
    assert _unprotected(_csv([protect(BY_GENDER)]), zeros_hidden=False)
    published = protect_together([BY_GENDER])
    assert _unprotected(_csv(published)) == []
    women = published[0].rows[0].values
    assert women[0] is None
    assert women[2] is None


def test_a_number_two_tables_share_is_hidden_in_both_or_in_neither() -> None:
    same = [(Cell(0, -1, column), Cell(1, -1, column)) for column in range(4)]
    gender, place = protect_together([BY_GENDER, BY_PLACE], same=same)
    assert [value is None for value in gender.rows[-1].values] == [value is None for value in place.rows[-1].values]


def test_shared_numbers_must_agree() -> None:
    with pytest.raises(ValueError, match="differ"):
        protect_together([BY_GENDER, BY_FORM], same=[(Cell(0), Cell(1))])


def test_what_another_release_tells_is_protected_too() -> None:
    """The issue's example: 14 persons flagged "other labour" less the published cleaning gives car wash."""
    other_labour = Relation(((Cell(0, 0), 1), (Cell(0, 1), 1)), lower=14, upper=14)
    alone = protect(BY_FORM)
    assert alone.rows[0].values[0] == 10
    assert alone.rows[1].values[0] is None
    (published,) = protect_together([BY_FORM], relations=[other_labour])
    assert published.rows[0].values[0] is None  # cleaning hidden too: car wash is 1 to 13
    assert published.rows[1].values[0] is None


def test_a_table_added_later_leaves_the_published_ones_as_they_are() -> None:
    first = protect_together([BY_GENDER])
    added = Table("Added", "Gender", ("Persons",), (Row("Women and girls", (48,)), Row("Others", (53,))))
    together = protect_together([BY_GENDER, added], same=[(Cell(0, 0), Cell(1, 0))], published=first)
    assert together[0] == first[0]
