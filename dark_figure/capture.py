"""The capture-history table: how many persons each combination of lists saw.

Multiple systems estimation starts from k lists (here: kinds of organisation, or
groups of them, chosen by the statistician) and counts the persons seen by exactly
each combination of lists — each of the 2^k − 1 observable *capture histories*.
A history is a tuple of 0s and 1s, one per list: (1, 0, 1) is "seen by the first
and the third list, not by the second". The history (0, …, 0) is the dark figure:
nobody can count it, the estimation infers it from the others.

`CaptureTable` is plain Python (no database) so that the estimation, the
simulations and the benchmark use it without Django; `histories_for_year` reads
the linked persons of a year from the statistics store.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations

History = tuple[int, ...]


def all_histories(k: int) -> list[History]:
    """Every observable history of k lists: by the number of lists, then in list order."""
    return [
        tuple(1 if position in chosen else 0 for position in range(k))
        for size in range(1, k + 1)
        for chosen in combinations(range(k), size)
    ]


@dataclass(frozen=True)
class CaptureTable:
    """How many persons were seen by exactly each combination of `lists`; zero counts included."""

    lists: tuple[str, ...]
    counts: Mapping[History, int]

    def __post_init__(self) -> None:
        if not self.lists:
            raise ValueError("A capture table needs at least one list.")
        if len(set(self.lists)) != len(self.lists) or not all(self.lists):
            raise ValueError("List names must be unique and not empty.")
        if set(self.counts) != set(all_histories(len(self.lists))):
            raise ValueError(f"The counts must cover exactly the {2 ** len(self.lists) - 1} observable histories.")
        if any(not isinstance(count, int) or count < 0 for count in self.counts.values()):
            raise ValueError("Counts must be whole numbers, zero or more.")
        # A private copy in canonical order: nobody can change the table behind the estimation's back.
        object.__setattr__(self, "counts", {history: self.counts[history] for history in all_histories(self.k)})

    @classmethod
    def from_counts(cls, lists: Iterable[str], counts: Mapping[History, int]) -> "CaptureTable":
        """A table from the histories that were seen; every history not given counts zero."""
        names = tuple(lists)
        return cls(names, {history: counts.get(history, 0) for history in all_histories(len(names))})

    @classmethod
    def from_histories(cls, lists: Iterable[str], histories: Iterable[Iterable[str]]) -> "CaptureTable":
        """Count persons, each given as the names of the lists that saw them.

        A person seen by none of the lists is not in the table: nobody could have
        counted them. A list name that is not one of `lists` is an error.
        """
        names = tuple(lists)
        position = {name: index for index, name in enumerate(names)}
        counted: Counter[History] = Counter()
        for seen_by in histories:
            on = set()
            for name in seen_by:
                if name not in position:
                    raise ValueError(f"{name!r} is not one of the lists {names}.")
                on.add(position[name])
            if on:
                counted[tuple(1 if index in on else 0 for index in range(len(names)))] += 1
        return cls.from_counts(names, counted)

    @property
    def k(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Persons seen by at least one list."""
        return sum(self.counts.values())

    def rows(self) -> Iterator[tuple[History, int]]:
        """(history, persons) in canonical order, zeros included: the table as shown and exported."""
        return iter(self.counts.items())

    def lists_of(self, history: History) -> tuple[str, ...]:
        """The names of the lists a history was seen by."""
        return tuple(name for name, on in zip(self.lists, history, strict=True) if on)

    def persons_per_list(self) -> dict[str, int]:
        """Persons seen by each list, whoever else saw them too."""
        return {
            name: sum(count for history, count in self.rows() if history[index])
            for index, name in enumerate(self.lists)
        }

    def overlaps(self) -> dict[tuple[str, str], int]:
        """Persons seen by both lists of each pair, whoever else saw them too."""
        return {
            (self.lists[i], self.lists[j]): sum(count for history, count in self.rows() if history[i] and history[j])
            for i, j in combinations(range(self.k), 2)
        }

    def merge(self, names: Collection[str], into: str) -> "CaptureTable":
        """The table with `names` merged into one list called `into`, in the place of the first of them.

        A person seen by any of the merged lists is seen by the merged list once.
        """
        self._require_lists(names)
        if into in self.lists and into not in names:
            raise ValueError(f"{into!r} is already the name of another list.")
        merged = [index for index, name in enumerate(self.lists) if name in names]
        groups, merged_names = [], []
        for index, name in enumerate(self.lists):
            if index == merged[0]:
                groups.append(merged)
                merged_names.append(into)
            elif name not in names:
                groups.append([index])
                merged_names.append(name)
        return self._regroup(tuple(merged_names), groups)

    def drop(self, names: Collection[str]) -> "CaptureTable":
        """The table without the lists `names`; persons seen only by them leave the table."""
        self._require_lists(names)
        kept = [index for index, name in enumerate(self.lists) if name not in names]
        if not kept:
            raise ValueError("At least one list must remain.")
        return self._regroup(tuple(self.lists[index] for index in kept), [[index] for index in kept])

    def _regroup(self, names: tuple[str, ...], groups: list[list[int]]) -> "CaptureTable":
        counted: Counter[History] = Counter()
        for history, count in self.rows():
            new = tuple(1 if any(history[index] for index in group) else 0 for group in groups)
            if any(new):
                counted[new] += count
        return CaptureTable.from_counts(names, counted)

    def _require_lists(self, names: Collection[str]) -> None:
        unknown = [name for name in names if name not in self.lists]
        if unknown or not names:
            raise ValueError(f"Choose one or more of the lists {self.lists}; unknown: {unknown}.")


def histories_for_year(year: int, lists: Mapping[str, Collection[str]]) -> CaptureTable:
    """The capture table of a year's linked persons, for lists that each merge some organisation kinds.

    `lists` maps a list's name to the organisation kinds it merges, e.g.
    {"Police": {"police_district"}, "NGOs": {"ngo_project", "shelter"}, "NAV": {"nav_office"}}.
    A person is on a list when any organisation of its kinds registered them (uploaded
    files included: they carry the kind of the sending organisation). Kinds that
    are on no list are left out, and with them the persons only they registered.
    One query.
    """
    return histories_by_year(lists, years=[year]).get(year) or CaptureTable.from_counts(lists, {})


def histories_by_year(
    lists: Mapping[str, Collection[str]], *, years: Collection[int] | None = None
) -> dict[int, CaptureTable]:
    """The capture table of each year with linked persons (or of `years`), for the same lists, in one query."""
    # Imported here so that the table, the estimation and the simulations work without Django (bench/mse.py).
    from national_statistics.models import PersonAttribute

    list_of_kind: dict[str, str] = {}
    for name, kinds in lists.items():
        for kind in kinds:
            if kind in list_of_kind:
                raise ValueError(f"The kind {kind!r} is on two lists; a kind can be on one list only.")
            list_of_kind[kind] = name
    rows = PersonAttribute.objects.filter(kind=PersonAttribute.Kind.ORGANISATION_KIND, value__in=list(list_of_kind))
    if years is not None:
        rows = rows.filter(year__in=list(years))
    seen: dict[int, dict[int, set[str]]] = {}
    for year, person_id, kind in rows.values_list("year", "person_id", "value").order_by("year"):
        seen.setdefault(year, {}).setdefault(person_id, set()).add(list_of_kind[kind])
    return {year: CaptureTable.from_histories(lists, persons.values()) for year, persons in seen.items()}
