"""The national report of a year: tables of linked persons, each protected before it is shown.

Every table counts `LinkedPerson` rows — each person once, however many
organisations registered them — and goes through `disclosure.suppression.protect`,
so the page and every download publish the same numbers. Each person falls in
exactly one row of a table (a person with several forms of exploitation is in the
row "more than one form"), so rows add up to the total and secondary suppression
can protect them. The one exception is said in its title: rights delivered count
deliveries, a person once per right.

Anonymous contacts (screenings that did not become a case) cannot be linked and
are counted in a table of their own, never added to persons.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_stubs_ext import StrOrPromise

from disclosure.htcds import load_mapping
from disclosure.kanonymity import KAnonymised
from disclosure.publication import Cell, Relation, protect_together
from disclosure.suppression import THRESHOLD, PublishedTable, Row, RowGroup, Table
from national_statistics.models import SEVERAL, Application, LinkedPerson, PersonAttribute
from national_statistics.services import htcds_release, statistics_k, year_bounds
from organisations.models import Municipality, Organisation
from rights.models import Right
from screening.models import ExploitationForm, Screening

LARGEST_NATIONALITIES = 8
AGE_COLUMNS = (("minor", _("Minors")), ("adult", _("Adults")), ("", _("Age not known")))
GENDERS = (("female", _("Women and girls")), ("male", _("Men and boys")), ("other", _("Other")), ("", _("Not known")))
NOT_KNOWN = pgettext_lazy("statistics", "Not known")
# Hours after the start of the placement: children often disappear in the first 24 hours.
ABSCONDING_BANDS = ((0, 0, _("Within 24 hours")), (1, 6, _("1–6 days")), (7, 41, _("7 days–6 weeks")))
ABSCONDING_LATER = _("Later than 6 weeks")


# The tables of `annual_tables`, by position: the relations between them name them so.
GENDER, FORM, NATIONALITY, PLACE, KIND, REGISTERING, REFLECTION, RESIDENCE, ABSCONDED, RIGHTS, TREND = range(11)
CONTACTS = TREND + 1
# Tables of persons by age column: they share the total row, number for number.
BY_AGE = (GENDER, FORM, NATIONALITY, PLACE)


@dataclass(frozen=True)
class Report:
    year: int
    persons: int
    tables: tuple[PublishedTable, ...]
    anonymous_contacts: PublishedTable
    release: KAnonymised  # the record-level release (HTCDS) the tables were protected with
    threshold: int

    @property
    def too_few(self) -> bool:
        """Fewer persons than the threshold: every number would be hidden, so nothing is published."""
        return self.persons < self.threshold

    @property
    def too_few_message(self) -> str:
        return gettext(
            "%(year)s has too few persons to publish any table (fewer than %(threshold)s): "
            "every number would single someone out."
        ) % {"year": self.year, "threshold": self.threshold}

    @property
    def published_persons(self) -> int | None:
        """The persons of the year as the tables publish them: None when hidden."""
        return self.tables[GENDER].rows[-1].values[-1]


def years_with_data() -> list[int]:
    return sorted(set(LinkedPerson.objects.values_list("year", flat=True).distinct()), reverse=True)


def annual_tables(year: int) -> list[Table]:
    """The year's tables as counted, before suppression; the last is the trend over all years."""
    persons = LinkedPerson.objects.filter(year=year)
    builders: list[Callable[[QuerySet[LinkedPerson], int], Table]] = [
        _by_gender_and_age,
        _by_form,
        _by_nationality,
        _by_place,
        _by_organisation_kind,
        _by_organisations_registering,
        _reflection_periods,
        _temporary_residence,
        _absconded,
        _rights_delivered,
    ]
    return [*(build(persons, year) for build in builders), trend()]


def annual_report(year: int, *, threshold: int = THRESHOLD, k: int | None = None) -> Report:
    """The year as one publication: every table, the record-level release at k, suppressed together.

    The tables share numbers (the age totals, the persons), and the release tells how
    many persons had each value it keeps; `protect_together` hides what is needed so
    that no hidden number can be narrowed from all of it (docs/statistics.md).
    """
    tables = [*annual_tables(year), anonymous_contacts(year)]
    release = htcds_release(year, statistics_k() if k is None else k)
    published = protect_together(
        tables,
        same=_shared_numbers(tables, year),
        relations=[*_bounds_between_tables(tables), *release_relations(tables, release)],
        threshold=threshold,
    )
    return Report(
        year=year,
        persons=LinkedPerson.objects.filter(year=year).count(),
        tables=published[:CONTACTS],
        anonymous_contacts=published[CONTACTS],
        release=release,
        threshold=threshold,
    )


def protect_beside(
    year: int, table: Table, relations: Callable[[int], list[Relation]], *, threshold: int = THRESHOLD
) -> PublishedTable:
    """A table added to the year's publication (the dark figure's capture table), protected beside it.

    The year's tables stay as the report publishes them; `relations(index)` says what a reader
    knows between them and the added table, which is at `index`.
    """
    annual = annual_report(year, threshold=threshold)
    tables = [*annual_tables(year), anonymous_contacts(year), table]
    published = protect_together(
        tables,
        same=_shared_numbers(tables, year),
        relations=[
            *_bounds_between_tables(tables),
            *release_relations(tables, annual.release),
            *relations(CONTACTS + 1),
        ],
        threshold=threshold,
        published=[*annual.tables, annual.anonymous_contacts],
    )
    return published[-1]


def kind_rows(kinds: Iterable[str]) -> list[Cell]:
    """The rows of the table by the kind of registering organisation for these kinds (persons of that kind alone)."""
    codes = [code for code, _label in Organisation.Kind.choices]
    return [Cell(KIND, codes.index(kind)) for kind in kinds if kind in codes]


SEVERAL_KINDS = Cell(KIND, len(Organisation.Kind.choices))


def _shared_numbers(tables: list[Table], year: int) -> list[tuple[Cell, Cell]]:
    """The numbers two tables both publish: the age totals, the persons of the year."""
    shared = [
        (Cell(GENDER, -1, column), Cell(table, -1, column))
        for table in BY_AGE[1:]
        for column in range(len(AGE_COLUMNS) + 1)
    ]
    shared += [(Cell(GENDER), Cell(table)) for table in (KIND, REGISTERING)]
    years = [str(row.label) for row in tables[TREND].rows]
    if str(year) in years:
        shared.append((Cell(GENDER), Cell(TREND, years.index(str(year)))))
    return shared


def _bounds_between_tables(tables: list[Table]) -> list[Relation]:
    """Tables of some of the persons count no more than all of them, age column by age column."""
    relations = [
        Relation(((Cell(table, -1, column), 1), (Cell(GENDER, -1, column), -1)), upper=0)
        for table in (REFLECTION, RESIDENCE)
        for column in range(len(AGE_COLUMNS) + 1)
    ]
    relations.append(Relation(((Cell(ABSCONDED), 1), (Cell(GENDER, -1, 0), -1)), upper=0))
    relations += [
        Relation(((Cell(RIGHTS, row), 1), (Cell(GENDER), -1)), upper=0) for row in range(len(tables[RIGHTS].rows))
    ]
    return relations


def release_relations(tables: list[Table], release: KAnonymised) -> list[Relation]:
    """What the record-level release tells about the tables' cells.

    A released record is a person; `release.suppressed` persons are left out. So a value
    the release shows for N records is held by N to N + left-out persons of the tables'
    row, and a form-of-exploitation flag set on N records is at most the persons with
    one form of its group plus the left out, and at least N less those with several forms.
    """
    left_out = release.suppressed
    counts: dict[str, Counter[object]] = defaultdict(Counter)
    for record in release.records:
        for column, value in record.items():
            counts[column][value] += 1
    mapping = {column["name"]: column for column in load_mapping()["columns"]}
    released = [name for name, column in mapping.items() if not release.levels.get(name) and column["withhold"]]
    relations: list[Relation] = []

    def held_by(cells: list[Cell], persons: int) -> None:
        terms = tuple((cell, 1) for cell in cells)
        relations.append(Relation(terms, lower=persons, upper=persons + left_out))

    form_rows = [str(code) for code in _form_codes()]
    several = Cell(FORM, form_rows.index(SEVERAL))
    for name in released:
        column = mapping[name]
        if column["kind"] == "flag":
            groups = column["all_of"]
            flagged = counts[name][1]
            single = [Cell(FORM, form_rows.index(code)) for code in groups[0] if len(groups) == 1 and code in form_rows]
            relations.append(Relation(tuple((cell, 1) for cell in single), upper=flagged + left_out))
            relations.append(Relation(((several, 1), *((cell, 1) for cell in single)), lower=flagged))
        elif name == "gender":
            for row, (code, _label) in enumerate(GENDERS):
                if code:
                    held_by([Cell(GENDER, row)], counts[name][column["values"][code]])
        elif name == "majorityStatus":
            for position, (code, _label) in enumerate(AGE_COLUMNS):
                if code:
                    held_by([Cell(GENDER, -1, position)], counts[name][column["values"][code]])
    if {"gender", "majorityStatus"} <= set(released):
        # Both released: the release cross-tabulates them, cell by cell of the table by gender and age.
        pairs = Counter((record["gender"], record["majorityStatus"]) for record in release.records)
        for row, (gender, _label) in enumerate(GENDERS):
            for position, (age, _age_label) in enumerate(AGE_COLUMNS):
                if gender and age:
                    value = (mapping["gender"]["values"][gender], mapping["majorityStatus"]["values"][age])
                    held_by([Cell(GENDER, row, position)], pairs[value])
    return relations


def _by_age(persons: QuerySet[LinkedPerson], *keys: str) -> dict[Any, tuple[int, ...]]:
    """Counts of persons per value of the key (per tuple of values of several keys), a count per age column."""
    counts: dict[Any, list[int]] = defaultdict(lambda: [0] * len(AGE_COLUMNS))
    columns = [code for code, _label in AGE_COLUMNS]
    for *values, age_group, count in persons.values_list(*keys, "age_group").annotate(n=Count("pk")).order_by():
        value = values[0] if len(values) == 1 else tuple(values)
        counts[value][columns.index(age_group if age_group in columns else "")] += count
    return {value: tuple(row) for value, row in counts.items()}


def _rows(counts: dict[str, tuple[int, ...]], labels: Iterable[tuple[str, StrOrPromise]]) -> tuple[Row, ...]:
    width = len(AGE_COLUMNS)
    return tuple(Row(label, counts.get(code, (0,) * width)) for code, label in labels)


def _age_table(title: StrOrPromise, heading: StrOrPromise, rows: tuple[Row | RowGroup, ...]) -> Table:
    return Table(title, heading, tuple(label for _code, label in AGE_COLUMNS), rows)


def _by_gender_and_age(persons: QuerySet[LinkedPerson], year: int) -> Table:
    return _age_table(
        _("Presumed victims under follow-up in %(year)s, by gender and age") % {"year": year},
        _("Gender"),
        _rows(_by_age(persons, "gender"), GENDERS),
    )


def _form_codes() -> list[str]:
    """The rows of the table by form, in order: the catalogue's forms, more than one, not known."""
    return [*_form_labels(), SEVERAL, ""]


def _by_form(persons: QuerySet[LinkedPerson], year: int) -> Table:
    """Each person in one row: the form, or "more than one form", or not known; then codes no catalogue has."""
    counts = _by_age(persons, "form_of_exploitation")
    labels: dict[str, StrOrPromise] = {**_form_labels(), SEVERAL: _("More than one form"), "": NOT_KNOWN}
    ordered = [(code, labels[code]) for code in _form_codes()]
    ordered += [(code, code) for code in sorted(set(counts) - set(labels))]
    return _age_table(
        _("Presumed victims under follow-up in %(year)s, by form of exploitation") % {"year": year},
        _("Form of exploitation"),
        _rows(counts, ordered),
    )


def _form_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for form in ExploitationForm.objects.order_by("-version__number", "order"):
        labels.setdefault(form.code, form.localised("label"))
    return labels


def _by_nationality(persons: QuerySet[LinkedPerson], year: int) -> Table:
    """The largest groups by name; the rest as "other", so that a rare nationality does not single anyone out."""
    counts = _by_age(persons, "nationality")
    known = sorted((code for code in counts if code), key=lambda code: (-sum(counts[code]), code))
    largest = [code for code in known[:LARGEST_NATIONALITIES] if sum(counts[code]) >= THRESHOLD]
    other = [sum(column) for column in zip(*(counts[code] for code in known if code not in largest), strict=True)]
    rows = [Row(countries.name(code) or code, counts[code]) for code in largest]
    rows.append(Row(_("Other nationalities"), tuple(other) if other else (0,) * len(AGE_COLUMNS)))
    rows.append(Row(NOT_KNOWN, counts.get("", (0,) * len(AGE_COLUMNS))))
    return _age_table(
        _("Presumed victims under follow-up in %(year)s, by nationality") % {"year": year},
        _("Nationality"),
        tuple(rows),
    )


def _by_place(persons: QuerySet[LinkedPerson], year: int) -> Table:
    """Municipalities under their police district, so district subtotals and the national total add up."""
    counts = _by_age(persons, "police_district", "municipality_number")
    names = dict(Municipality.objects.values_list("number", "name"))
    districts: dict[str, list[Row]] = defaultdict(list)
    for district, number in sorted(counts, key=lambda place: place[1]):
        districts[district].append(Row(names.get(number, number) or NOT_KNOWN, counts[district, number]))
    groups: list[Row | RowGroup] = [
        RowGroup(district or _("Police district not known"), tuple(rows))
        for district, rows in sorted(districts.items(), key=lambda item: (not item[0], item[0]))
    ]
    return _age_table(
        _("Presumed victims under follow-up in %(year)s, by police district and municipality") % {"year": year},
        _("Police district and municipality"),
        tuple(groups) or (Row(NOT_KNOWN, (0,) * len(AGE_COLUMNS)),),
    )


def _by_organisation_kind(persons: QuerySet[LinkedPerson], year: int) -> Table:
    counts = Counter(dict(persons.values_list("organisation_kind").annotate(n=Count("pk")).order_by()))
    labels = [  # SEVERAL_KINDS is the row after the kinds
        *Organisation.Kind.choices,
        (SEVERAL, _("More than one kind of organisation")),
        ("", NOT_KNOWN),
    ]
    return Table(
        _("Presumed victims under follow-up in %(year)s, by the kind of organisation that registered them")
        % {"year": year},
        _("Registered by"),
        (_("Persons"),),
        tuple(Row(label, (counts[code],)) for code, label in labels),
    )


def _by_organisations_registering(persons: QuerySet[LinkedPerson], year: int) -> Table:
    """How much counting each person once matters: persons by how many organisations registered them."""
    counts = Counter(dict(persons.values_list("records").annotate(n=Count("pk")).order_by()))
    rows = [Row(_("One"), (counts[1],)), Row(_("Two"), (counts[2],))]
    rows.append(Row(_("Three or more"), (sum(n for records, n in counts.items() if records >= 3),)))
    return Table(
        _("Presumed victims under follow-up in %(year)s, by the number of organisations that registered them")
        % {"year": year},
        _("Registered by"),
        (_("Persons"),),
        tuple(rows),
    )


def _application_table(persons: QuerySet[LinkedPerson], year: int, field: str, title: StrOrPromise) -> Table:
    counts = _by_age(persons.exclude(**{field: Application.NONE}), field)
    stages = [(Application.APPLIED, _("Applied for, not decided")), (Application.GRANTED, _("Granted"))]
    stages.append((Application.REFUSED, _("Refused")))
    table = _age_table(title % {"year": year}, _("Application"), _rows(counts, stages))
    return Table(table.title, table.row_heading, table.columns, table.rows, total_label=_("Applied for in total"))


def _reflection_periods(persons: QuerySet[LinkedPerson], year: int) -> Table:
    return _application_table(
        persons, year, "reflection_period", _("Reflection periods applied for by persons under follow-up in %(year)s")
    )


def _temporary_residence(persons: QuerySet[LinkedPerson], year: int) -> Table:
    return _application_table(
        persons,
        year,
        "temporary_residence",
        _("Temporary residence as a victim applied for by persons under follow-up in %(year)s"),
    )


def _absconded(persons: QuerySet[LinkedPerson], year: int) -> Table:
    absconded = persons.filter(absconded_after_days__isnull=False)
    days = [day for day in absconded.values_list("absconded_after_days", flat=True) if day is not None]
    rows = [Row(label, (sum(low <= day <= high for day in days),)) for low, high, label in ABSCONDING_BANDS]
    rows.append(Row(ABSCONDING_LATER, (sum(day > ABSCONDING_BANDS[-1][1] for day in days),)))
    return Table(
        _("Minors who ran away or were taken from a placement in %(year)s, by time after the placement started")
        % {"year": year},
        _("Time after the placement started"),
        (_("Minors"),),
        tuple(rows),
        total_label=_("Minors who disappeared in total"),
    )


def _rights_delivered(persons: QuerySet[LinkedPerson], year: int) -> Table:
    """The year's deliveries, read from the attributes' own year (one index range, see PersonAttribute.year)."""
    counts = dict(
        PersonAttribute.objects.filter(year=year, kind=PersonAttribute.Kind.RIGHT_DELIVERED)
        .values_list("value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rights = Right.objects.order_by("order")
    return Table(
        _("Rights delivered to persons under follow-up in %(year)s (a person counts once for each right)")
        % {"year": year},
        _("Right"),
        (_("Persons"),),
        tuple(Row(right.localised("title"), (counts.get(right.code, 0),)) for right in rights),
        total_label=_("Rights delivered in total"),
    )


def trend() -> Table:
    """The report's table 1.1 over every year Vern has: persons under follow-up, new and from earlier years."""
    columns: list[bool | None] = [True, False, None]
    counts: dict[int, list[int]] = {}
    # COUNT(*) of each (year, identified) pair: read from the index of the two alone, in its order.
    pairs = LinkedPerson.objects.values_list("year", "identified_this_year").annotate(n=Count("*"))
    for year, identified, n in pairs.order_by("year", "identified_this_year"):
        counts.setdefault(year, [0] * len(columns))[columns.index(identified)] += n
    return Table(
        _("Presumed victims under follow-up, by year"),
        _("Year"),
        (_("Identified that year"), _("Identified earlier"), _("Not known when identified")),
        tuple(Row(str(year), tuple(row)) for year, row in counts.items()) or (Row("–", (0, 0, 0)),),
        total_label=_("All years (a person followed up in several years counts in each)"),
    )


def anonymous_contacts(year: int) -> Table:
    """Completed screenings that did not become a case: contacts, not persons (they cannot be linked)."""
    start, end = year_bounds(year)
    screenings = Screening.objects.filter(
        status=Screening.Status.COMPLETED, case__isnull=True, completed_at__gte=start, completed_at__lt=end
    )
    minor = {Screening.PossiblyMinor.YES, Screening.PossiblyMinor.UNKNOWN_WITH_REASON}
    adult = {Screening.PossiblyMinor.NO, Screening.PossiblyMinor.UNKNOWN}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for outcome, possibly_minor, n in screenings.values_list("outcome", "possibly_minor").annotate(n=Count("pk")):
        column = 0 if possibly_minor in minor else 1 if possibly_minor in adult else 2
        counts[outcome][column] += n
    rows = tuple(Row(label, tuple(counts[code])) for code, label in Screening.Outcome.choices)
    return Table(
        _("Anonymous contacts in %(year)s: screenings that did not become a case, by outcome") % {"year": year},
        _("Outcome of the conversation"),
        tuple(label for _code, label in AGE_COLUMNS),
        (*rows, Row(NOT_KNOWN, tuple(counts[""]))),
        total_label=_("Contacts in total"),
    )
