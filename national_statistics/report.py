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

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries
from django_stubs_ext import StrOrPromise

from disclosure.suppression import THRESHOLD, PublishedTable, Row, RowGroup, Table, protect
from national_statistics.models import Application, LinkedPerson, PersonAttribute
from national_statistics.services import year_bounds
from organisations.models import Municipality, Organisation
from rights.models import Right
from screening.models import ExploitationForm, Screening

LARGEST_NATIONALITIES = 8
AGE_COLUMNS = (("minor", _("Minors")), ("adult", _("Adults")), ("", _("Age not known")))
GENDERS = (("female", _("Women and girls")), ("male", _("Men and boys")), ("other", _("Other")), ("", _("Not known")))
NOT_KNOWN = pgettext_lazy("statistics", "Not known")
SEVERAL = "several"
# Hours after the start of the placement: children often disappear in the first 24 hours.
ABSCONDING_BANDS = ((0, 0, _("Within 24 hours")), (1, 6, _("1–6 days")), (7, 41, _("7 days–6 weeks")))
ABSCONDING_LATER = _("Later than 6 weeks")


@dataclass(frozen=True)
class Report:
    year: int
    persons: int
    tables: tuple[PublishedTable, ...]
    anonymous_contacts: PublishedTable


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


def annual_report(year: int, *, threshold: int = THRESHOLD) -> Report:
    return Report(
        year=year,
        persons=LinkedPerson.objects.filter(year=year).count(),
        tables=tuple(protect(table, threshold=threshold) for table in annual_tables(year)),
        anonymous_contacts=protect(anonymous_contacts(year), threshold=threshold),
    )


def _by_age(persons: QuerySet[LinkedPerson], key: str) -> dict[str, tuple[int, ...]]:
    """Counts of persons per value of `key`, a count per age column."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(AGE_COLUMNS))
    columns = [code for code, _label in AGE_COLUMNS]
    for value, age_group, count in persons.values_list(key, "age_group").annotate(n=Count("pk")).order_by():
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


def _by_form(persons: QuerySet[LinkedPerson], year: int) -> Table:
    """Each person in one row: the form, or "more than one form", or not known."""
    forms_of: dict[int, set[str]] = defaultdict(set)
    attributes = PersonAttribute.objects.filter(person__in=persons, kind=PersonAttribute.Kind.FORM)
    for person_id, form in attributes.values_list("person_id", "value"):
        forms_of[person_id].add(form)
    columns = [code for code, _label in AGE_COLUMNS]
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(AGE_COLUMNS))
    for person_id, age_group in persons.values_list("pk", "age_group"):
        forms = forms_of.get(person_id, set())
        row = "" if not forms else (next(iter(forms)) if len(forms) == 1 else SEVERAL)
        counts[row][columns.index(age_group if age_group in columns else "")] += 1
    labels = _form_labels()
    ordered: list[tuple[str, StrOrPromise]] = [*labels.items(), (SEVERAL, _("More than one form")), ("", NOT_KNOWN)]
    ordered += [(code, code) for code in sorted(set(counts) - {code for code, _label in ordered})]
    return _age_table(
        _("Presumed victims under follow-up in %(year)s, by form of exploitation") % {"year": year},
        _("Form of exploitation"),
        _rows({code: tuple(row) for code, row in counts.items()}, ordered),
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
    counts = _by_age(persons, "municipality_number")
    names = dict(Municipality.objects.values_list("number", "name"))
    districts: dict[str, list[Row]] = defaultdict(list)
    for number, district in (
        persons.values_list("municipality_number", "police_district").distinct().order_by("municipality_number")
    ):
        districts[district].append(Row(names.get(number, number) or NOT_KNOWN, counts[number]))
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
    kinds_of: dict[int, set[str]] = defaultdict(set)
    attributes = PersonAttribute.objects.filter(person__in=persons, kind=PersonAttribute.Kind.ORGANISATION_KIND)
    for person_id, kind in attributes.values_list("person_id", "value"):
        kinds_of[person_id].add(kind)
    counts: Counter[str] = Counter()
    for person_id in persons.values_list("pk", flat=True):
        kinds = kinds_of.get(person_id, set())
        counts["" if not kinds else (next(iter(kinds)) if len(kinds) == 1 else SEVERAL)] += 1
    labels = [
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
    days = [day for day in persons.values_list("absconded_after_days", flat=True) if day is not None]
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
    counts = dict(
        PersonAttribute.objects.filter(person__in=persons, kind=PersonAttribute.Kind.RIGHT_DELIVERED)
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
    rows = (
        LinkedPerson.objects.values_list("year")
        .annotate(
            new=Count("pk", filter=Q(identified_this_year=True)),
            earlier=Count("pk", filter=Q(identified_this_year=False)),
            unknown=Count("pk", filter=Q(identified_this_year__isnull=True)),
        )
        .order_by("year")
    )
    return Table(
        _("Presumed victims under follow-up, by year"),
        _("Year"),
        (_("Identified that year"), _("Identified earlier"), _("Not known when identified")),
        tuple(Row(str(year), (new, earlier, unknown)) for year, new, earlier, unknown in rows)
        or (Row("–", (0, 0, 0)),),
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
