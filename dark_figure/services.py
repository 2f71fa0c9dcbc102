"""What the statistician's page asks of the estimation: lists, a year, the years, and the linkage threshold.

The estimation itself is plain Python (`dark_figure.estimation`); here are the
steps that read the statistics store: which organisation kinds registered persons
in a year (the candidate lists), the estimate for one year and for every year with
the same lists (the chart), and the estimate when the year is linked again at the
ends of the linkage threshold's calibrated range (how much linkage error moves it).
Nothing is written to the store: the sensitivity run links in memory and keeps it as it
is; the bootstrap interval is kept in the cache, per table.
"""

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count

from dark_figure.capture import CaptureTable, histories_by_year, histories_for_year
from dark_figure.estimation import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, Bootstrap, DarkFigure, bootstrap, estimate
from disclosure.publication import Cell, Relation
from disclosure.suppression import PublishedTable, Row, Table
from linkage.linker import CALIBRATED_RANGE, DEFAULT_THRESHOLD, link
from national_statistics.models import LinkedPerson, PersonAttribute, PersonRecord
from national_statistics.report import GENDER, SEVERAL_KINDS, kind_rows, protect_beside
from national_statistics.services import VERN_SOURCE_PREFIX

MAX_LISTS = 8
Lists = Mapping[str, Collection[str]]


def kinds_in_year(year: int) -> list[tuple[str, int]]:
    """The organisation kinds that registered persons in the year, with how many, the largest first."""
    rows = (
        PersonAttribute.objects.filter(year=year, kind=PersonAttribute.Kind.ORGANISATION_KIND)
        .values_list("value")
        .annotate(persons=Count("person", distinct=True))
        .order_by("-persons", "value")
    )
    return list(rows)


def dark_figure(year: int, lists: Lists, *, threshold: float) -> DarkFigure:
    return estimate(histories_for_year(year, lists), threshold=threshold)


def bootstrap_interval(result: DarkFigure, *, compute: bool = True) -> Bootstrap | None:
    """The bootstrap of the result's table, computed once per table and kept in the cache.

    Hundreds of model searches take seconds to a minute (docs/dark-figure.md), too long to repeat
    on every view and download; with a fixed seed the same counts always give the same interval, so the
    counts (no person, only how many) with the method's settings are the key, and a new linkage
    of the year is a new key. With `compute` false only a cached interval is returned: a page does
    not make the statistician wait for one unasked (`bootstrap_dark_figure` readies the default lists).
    """
    if result.estimate is None:
        return None
    # The numbers depend on the counts alone, not on the lists' names (which follow the language).
    settings = [result.table.k, list(result.table.counts.values()), result.threshold, result.level]
    settings += [BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED]
    key = "dark-figure-bootstrap:" + hashlib.sha256(json.dumps(settings).encode()).hexdigest()
    found: Bootstrap | None = cache.get(key)
    if found is None and compute:
        found = bootstrap(result.table, threshold=result.threshold, level=result.level)
        cache.set(key, found, timeout=None)
    return found


@dataclass(frozen=True)
class YearEstimate:
    year: int
    result: DarkFigure


def over_the_years(lists: Lists, *, threshold: float) -> list[YearEstimate]:
    """The stepwise estimate of every year with linked persons, with the same lists (the chart); one query."""
    years = sorted(set(LinkedPerson.objects.values_list("year", flat=True).distinct()))
    tables = histories_by_year(lists)
    return [
        YearEstimate(
            year,
            estimate(tables.get(year) or CaptureTable.from_counts(lists, {}), threshold=threshold, alternatives=False),
        )
        for year in years
    ]


@dataclass(frozen=True)
class LinkageSensitivity:
    linkage_threshold: float
    persons: int
    result: DarkFigure


def linkage_sensitivity(year: int, lists: Lists, *, threshold: float) -> list[LinkageSensitivity]:
    """The estimate when the year's records are linked at the calibrated range's ends and at its default.

    A lower linkage threshold joins more records (fewer persons, more overlap between
    lists, a smaller dark figure); a higher one the opposite. How far the estimate moves
    is the part of its uncertainty that the model's interval does not contain.
    """
    records = list(
        PersonRecord.objects.filter(year=year).order_by("pk").values_list("clk", "source", "organisation_kind")
    )
    list_of_kind = {kind: name for name, kinds in lists.items() for kind in kinds}
    results = []
    for linkage_threshold in sorted({CALIBRATED_RANGE[0], DEFAULT_THRESHOLD, CALIBRATED_RANGE[1]}):
        clusters = _clusters(records, linkage_threshold)
        seen: dict[int, set[str]] = {}
        for cluster, (_clk, _source, kind) in zip(clusters, records, strict=True):
            on = seen.setdefault(cluster, set())
            if kind in list_of_kind:
                on.add(list_of_kind[kind])
        table = CaptureTable.from_histories(lists, seen.values())
        results.append(
            LinkageSensitivity(linkage_threshold, len(seen), estimate(table, threshold=threshold, alternatives=False))
        )
    return results


def _clusters(records: list[tuple[bytes | memoryview, str, str]], linkage_threshold: float) -> list[int]:
    """A cluster number per record; records without an encoding are alone, as in the store's linkage."""
    linkable = [index for index, (clk, _source, _kind) in enumerate(records) if clk]
    clusters = list(range(len(records)))
    if linkable:
        sources = {source: number for number, source in enumerate(sorted({records[i][1] for i in linkable}))}
        # As the store's linkage (national_statistics.services.link_year): two cases of one organisation in Vern
        # are two persons.
        apart = {number for source, number in sources.items() if source.startswith(VERN_SOURCE_PREFIX)}
        result = link(
            [bytes(records[i][0]) for i in linkable],
            [sources[records[i][1]] for i in linkable],
            threshold=linkage_threshold,
            apart=apart,
        )
        for index, root in zip(linkable, result.cluster.tolist(), strict=True):
            clusters[index] = linkable[root]
    return clusters


def published_table(
    table: CaptureTable, lists: Lists, *, year: int, title: str, history_heading: str, persons: str
) -> PublishedTable:
    """The capture table as shown and exported: one row per history, suppressed as part of the year's publication.

    The estimation uses the full table inside the statistics store; only this copy is published.
    A reader can set it beside the report's table by kind of registering organisation, so it
    is protected beside the year's tables as they are published (national_statistics.report).
    """
    rows = tuple(Row(" + ".join(table.lists_of(history)), (count,)) for history, count in table.rows())
    return protect_beside(
        year, Table(title, history_heading, (persons,), rows), lambda index: _capture_relations(index, table, lists)
    )


def _capture_relations(index: int, table: CaptureTable, lists: Lists) -> list[Relation]:
    """What the table by kind of organisation tells about the capture table.

    A person registered by one kind alone is seen by its list alone; one seen by several
    lists was registered by several kinds; the lists see no more than the persons.
    """
    several = (SEVERAL_KINDS, -1)
    relations = [Relation(((Cell(index), 1), (Cell(GENDER), -1)), upper=0)]
    for row, history in enumerate(table.counts):
        if sum(history) == 1:
            alone = tuple((cell, -1) for cell in kind_rows(lists[table.lists_of(history)[0]]))
            relations.append(Relation(((Cell(index, row), 1), *alone), lower=0))
            relations.append(Relation(((Cell(index, row), 1), *alone, several), upper=0))
    multiple = [row for row, history in enumerate(table.counts) if sum(history) > 1]
    relations.append(Relation((*((Cell(index, row), 1) for row in multiple), (SEVERAL_KINDS, -1)), upper=0))
    return relations
