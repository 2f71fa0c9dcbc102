"""The capture-history table: counting persons per combination of lists, merging and dropping lists."""

import pytest
from pytest_django import DjangoAssertNumQueries

from dark_figure.capture import CaptureTable, History, all_histories, histories_for_year
from national_statistics.models import LinkedPerson, PersonAttribute

YEAR = 2025


def _table() -> CaptureTable:
    return CaptureTable.from_histories(
        ["Police", "NGO", "NAV"],
        [["Police"], ["Police"], ["NGO"], ["Police", "NGO"], ["NGO", "NAV"], ["Police", "NGO", "NAV"], []],
    )


def test_it_lists_every_observable_history_once_by_size() -> None:
    assert all_histories(3) == [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]
    assert len(all_histories(8)) == 255


def test_it_counts_persons_per_history_with_zeros_and_without_the_unlisted() -> None:
    table = _table()
    assert dict(table.rows()) == {
        (1, 0, 0): 2,
        (0, 1, 0): 1,
        (0, 0, 1): 0,
        (1, 1, 0): 1,
        (1, 0, 1): 0,
        (0, 1, 1): 1,
        (1, 1, 1): 1,
    }
    assert table.observed == 6  # the person seen by no list is not in the table
    assert table.lists_of((1, 0, 1)) == ("Police", "NAV")


def test_it_counts_persons_per_list_and_overlaps() -> None:
    table = _table()
    assert table.persons_per_list() == {"Police": 4, "NGO": 4, "NAV": 2}
    assert table.overlaps() == {("Police", "NGO"): 2, ("Police", "NAV"): 1, ("NGO", "NAV"): 2}


def test_it_merges_lists_into_one_in_the_place_of_the_first() -> None:
    merged = _table().merge(["NGO", "Police"], into="Police or NGO")
    assert merged.lists == ("Police or NGO", "NAV")
    assert dict(merged.rows()) == {(1, 0): 4, (0, 1): 0, (1, 1): 2}
    assert merged.observed == 6


def test_it_drops_lists_and_the_persons_only_they_saw() -> None:
    dropped = _table().drop(["Police"])
    assert dropped.lists == ("NGO", "NAV")
    assert dict(dropped.rows()) == {(1, 0): 2, (0, 1): 0, (1, 1): 2}
    assert dropped.observed == 4


@pytest.mark.parametrize(
    ("lists", "counts"),
    [
        ((), {}),
        (("A", "A"), {(1, 0): 1, (0, 1): 1, (1, 1): 1}),
        (("A", "B"), {(1, 0): 1, (0, 1): 1}),  # a history missing
        (("A", "B"), {(1, 0): 1, (0, 1): 1, (1, 1): 1, (0, 0): 1}),  # the unseen cannot be counted
        (("A", "B"), {(1, 0): 1, (0, 1): -1, (1, 1): 1}),
    ],
)
def test_it_refuses_a_malformed_table(lists: tuple[str, ...], counts: dict) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 — a programming error, whichever message
        CaptureTable(lists, counts)


def test_it_refuses_unknown_lists() -> None:
    with pytest.raises(ValueError, match="not one of the lists"):
        CaptureTable.from_histories(["A", "B"], [["C"]])
    with pytest.raises(ValueError, match="unknown"):
        _table().drop(["Health"])
    with pytest.raises(ValueError, match="already the name"):
        _table().merge(["Police", "NGO"], into="NAV")
    with pytest.raises(ValueError, match="At least one list"):
        _table().drop(["Police", "NGO", "NAV"])


def test_it_keeps_its_own_copy_of_the_counts() -> None:
    counts: dict[History, int] = {(1, 0): 1, (0, 1): 2, (1, 1): 3}
    table = CaptureTable(("A", "B"), counts)
    counts[(1, 0)] = 100
    assert table.counts[(1, 0)] == 1


def _person(year: int, *kinds: str) -> None:
    person = LinkedPerson.objects.create(year=year, records=max(len(kinds), 1))
    PersonAttribute.objects.bulk_create(
        [
            PersonAttribute(person=person, year=year, kind=PersonAttribute.Kind.ORGANISATION_KIND, value=kind)
            for kind in kinds
        ]
        + [PersonAttribute(person=person, year=year, kind=PersonAttribute.Kind.FORM, value="labour")]
    )


@pytest.mark.django_db
def test_it_reads_a_years_linked_persons_into_chosen_lists(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    _person(YEAR, "police_district")
    _person(YEAR, "police_district", "ngo_project")
    _person(YEAR, "shelter", "ngo_project")  # two kinds merged into one list: on it once
    _person(YEAR, "nav_office", "shelter", "police_district")
    _person(YEAR, "lawyer")  # a kind on no list: not in the table
    _person(YEAR)  # no registering organisation known
    _person(YEAR - 1, "police_district", "nav_office")  # another year
    lists = {"Police": {"police_district"}, "NGOs": {"ngo_project", "shelter"}, "NAV": {"nav_office"}}
    with django_assert_max_num_queries(2):
        table = histories_for_year(YEAR, lists)
    assert table.lists == ("Police", "NGOs", "NAV")
    assert dict(table.rows()) == {
        (1, 0, 0): 1,
        (0, 1, 0): 1,
        (0, 0, 1): 0,
        (1, 1, 0): 1,
        (1, 0, 1): 0,
        (0, 1, 1): 0,
        (1, 1, 1): 1,
    }


@pytest.mark.django_db
def test_it_refuses_a_kind_on_two_lists() -> None:
    with pytest.raises(ValueError, match="on two lists"):
        histories_for_year(YEAR, {"Police": {"police_district"}, "State": {"police_district", "udi"}})
