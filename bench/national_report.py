"""The national report over a million case records against one GROUP BY, and a year's linkage, in one run.

    .venv/bin/python bench/national_report.py [--records 1000000] [--years 10] [--database-url URL] [--seed 1]

1. A fresh database (a temporary SQLite file, or the PostgreSQL database named
   in --database-url, dropped and created again as bench/cases.py does; both are
   removed at the end unless --keep is given) is migrated, and the statistics
   store is filled straight through the database cursor (COPY on PostgreSQL,
   executemany on SQLite) as a linked store looks: `--records` case records as
   the report counts them, one `LinkedPerson` per person and year, spread evenly
   over `--years` years (100,000 a year by default); each with the one to three
   encoded `PersonRecord`s (random 128-byte encodings) of the organisations that
   registered them, clusters set, and its `PersonAttribute`s (forms of
   exploitation, organisation kinds, rights delivered); 60 real municipality
   numbers under their police districts. The values are fictional but plausibly
   spread: mostly women, one in five a minor, a long tail of nationalities, a
   third of the persons in Oslo and a few in the smallest municipalities (cells
   the suppression hides), reflection periods and abscondings for a few.
2. Interleaved, `--repeat` times, the median of: `report.annual_report(year)`
   for one year (every table, suppression included) and one hand-written
   `SELECT gender, age_group, COUNT(*) … WHERE year = %s GROUP BY gender,
   age_group` over the same year; and the report's trend table (every year)
   against `SELECT year, COUNT(*) … GROUP BY year`. The report is built per
   year: a report over all years at once is not something Vern does.
3. `--link-records` encoded records of one more year (linkage/synthetic.py,
   three organisations, a fresh random key) are written as `PersonRecord`s, and
   `services.link_year` runs end to end: reading the records, linking, writing
   the persons. It prints the encoding and linkage times, the linker's own share
   (run once more on the same encodings), the persons found against the true
   number, and the pairwise precision and recall of the records joined.
"""

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on the path, where this file would shadow the standard
# library's `statistics` module (and bench/cases.py the `cases` app).
sys.path[:1] = [str(Path(__file__).resolve().parent.parent)]

import argparse  # noqa: E402 - after the path is fixed
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterable, Mapping, Sequence  # noqa: E402
from datetime import date  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import numpy as np  # noqa: E402

from bench.cases import django_in_this_process, manage, postgresql, production_environment  # noqa: E402

FIRST_YEAR = 2016
# (number, name, police district, share of persons in ‰): the largest municipalities, where most
# presumed victims are found, and a few of the smallest, whose rows the suppression has to hide.
MUNICIPALITIES = [
    ("0301", "Oslo", "Oslo", 300),
    ("4601", "Bergen", "Vest", 90),
    ("5001", "Trondheim", "Trøndelag", 60),
    ("1103", "Stavanger", "Sør-Vest", 50),
    ("4204", "Kristiansand", "Agder", 30),
    ("3301", "Drammen", "Sør-Øst", 30),
    ("3107", "Fredrikstad", "Øst", 25),
    ("1108", "Sandnes", "Sør-Vest", 20),
    ("5501", "Tromsø", "Troms", 20),
    ("3201", "Bærum", "Øst", 20),
    ("3105", "Sarpsborg", "Øst", 15),
    ("3203", "Asker", "Øst", 15),
    ("3205", "Lillestrøm", "Øst", 15),
    ("3209", "Ullensaker", "Øst", 15),
    ("3207", "Nordre Follo", "Øst", 10),
    ("3222", "Lørenskog", "Øst", 10),
    ("3103", "Moss", "Øst", 8),
    ("3101", "Halden", "Øst", 6),
    ("3905", "Tønsberg", "Sør-Øst", 8),
    ("3907", "Sandefjord", "Sør-Øst", 8),
    ("3909", "Larvik", "Sør-Øst", 7),
    ("4003", "Skien", "Sør-Øst", 8),
    ("4001", "Porsgrunn", "Sør-Øst", 5),
    ("3303", "Kongsberg", "Sør-Øst", 5),
    ("3305", "Ringerike", "Sør-Øst", 5),
    ("4203", "Arendal", "Agder", 7),
    ("4202", "Grimstad", "Agder", 3),
    ("1106", "Haugesund", "Sør-Vest", 8),
    ("1124", "Sola", "Sør-Vest", 4),
    ("1149", "Karmøy", "Sør-Vest", 4),
    ("4627", "Askøy", "Vest", 3),
    ("4624", "Bjørnafjorden", "Vest", 3),
    ("4614", "Stord", "Vest", 2),
    ("4647", "Sunnfjord", "Vest", 2),
    ("1508", "Ålesund", "Møre og Romsdal", 8),
    ("1506", "Molde", "Møre og Romsdal", 4),
    ("1505", "Kristiansund", "Møre og Romsdal", 3),
    ("5006", "Steinkjer", "Trøndelag", 2),
    ("5007", "Namsos", "Trøndelag", 1),
    ("1804", "Bodø", "Nordland", 6),
    ("1806", "Narvik", "Nordland", 3),
    ("1833", "Rana", "Nordland", 2),
    ("5503", "Harstad", "Troms", 3),
    ("5601", "Alta", "Finnmark", 2),
    ("5603", "Hammerfest", "Finnmark", 1),
    ("5605", "Sør-Varanger", "Finnmark", 1.5),
    ("5607", "Vadsø", "Finnmark", 0.5),
    ("3401", "Kongsvinger", "Innlandet", 3),
    ("3403", "Hamar", "Innlandet", 5),
    ("3405", "Lillehammer", "Innlandet", 4),
    ("3407", "Gjøvik", "Innlandet", 4),
    ("3411", "Ringsaker", "Innlandet", 3),
    ("1151", "Utsira", "Sør-Vest", 0.03),
    ("1144", "Kvitsøy", "Sør-Vest", 0.03),
    ("4633", "Fedje", "Vest", 0.03),
    ("1856", "Røst", "Nordland", 0.03),
    ("1835", "Træna", "Nordland", 0.03),
    ("5061", "Rindal", "Trøndelag", 0.05),
    ("3436", "Nord-Fron", "Innlandet", 0.3),
    ("5614", "Loppa", "Finnmark", 0.05),
    ("", "", "", 20),  # the municipality was not given
]
GENDERS: dict[str, float] = {"female": 62, "male": 36, "other": 0.5, "": 1.5}
AGE_GROUPS: dict[str, float] = {"adult": 78, "minor": 19, "": 3}
NATIONALITIES: dict[str, float] = {
    **{"RO": 14, "NG": 12, "NO": 8, "VN": 7, "UA": 7, "AL": 5, "LT": 5, "PL": 5, "BG": 4, "ER": 3},
    **{"PH": 3, "TH": 3, "CN": 2, "SY": 2, "AF": 2, "SO": 2, "RU": 2, "BR": 2, "IN": 1.5, "PK": 1.5, "GH": 1.5},
    # A long tail of rarer nationalities, together 6 %, and 4 % not known.
    **dict.fromkeys(("MA", "DZ", "TN", "EG", "ET", "SD", "UG", "CM", "CD", "SN", "GM", "GN", "CI", "ML"), 6 / 40),
    **dict.fromkeys(("IQ", "IR", "TR", "GE", "AM", "AZ", "MD", "BY", "RS", "BA", "MK", "ME", "HU", "SK"), 6 / 40),
    **dict.fromkeys(("CZ", "LV", "EE", "MN", "KH", "LA", "MM", "BD", "LK", "NP", "ID", "CO"), 6 / 40),
    "": 4,
}
FORMS: dict[str, float] = {
    "sexual": 40,
    "labour_construction": 8,
    "labour_cleaning": 6,
    "labour_agriculture": 5,
    "labour_other": 10,
}
FORMS |= {"labour_car_wash": 3, "begging": 5, "criminality_drugs": 8, "criminality_other": 5, "benefit_fraud": 3}
FORMS |= {"organ_removal": 0.05, "war_service": 0.05, "other": 3}
FORMS_PER_PERSON = {0: 10, 1: 80, 2: 10}
RECORDS_PER_PERSON = {1: 72, 2: 22, 3: 6}  # how many organisations registered the person
ORGANISATION_KINDS: dict[str, float] = {
    "police_district": 20,
    "ngo_project": 18,
    "nav_office": 14,
    "udi": 10,
    "reception_centre": 8,
}
ORGANISATION_KINDS |= {"child_welfare": 7, "tot_coordinator": 6, "shelter": 5, "low_threshold_service": 4}
ORGANISATION_KINDS |= {"street_outreach": 3, "lawyer": 2, "bufetat": 2, "child_welfare_out_of_hours": 1, "": 1}
# The chance that each right was delivered to a person with a record from Vern's cases (files from outside
# carry no rights); the last two are for children only.
RIGHTS: dict[str, float] = {"accommodation": 0.5, "psychological_assistance": 0.3, "material_assistance": 0.45}
RIGHTS |= {"emergency_medical_treatment": 0.15, "interpretation": 0.4, "information_and_counselling": 0.6}
RIGHTS |= {"criminal_proceedings_assistance": 0.1, "education": 0.05, "victim_lawyer": 0.15, "living_support": 0.35}
RIGHTS |= {"temporary_housing": 0.25, "activation": 0.1}
CHILD_RIGHTS = {"child_protection": 0.8, "guardian": 0.5}
IDENTIFIED_THIS_YEAR = {True: 55, False: 40, None: 5}
REFLECTION_PERIOD: dict[str, float] = {"": 88, "applied": 3, "granted": 7, "refused": 2}
TEMPORARY_RESIDENCE: dict[str, float] = {"": 94, "applied": 2, "granted": 2.5, "refused": 1.5}
ABSCONDED = 0.06  # of minors
ABSCONDED_AFTER_DAYS = ((0, 0, 40), (1, 6, 30), (7, 41, 20), (42, 365, 10))  # (from, to, share)
# Who sent the linkage year's files: (organisation, kind).
LINKED_ORGANISATIONS = (("Politiet", "police_district"), ("Trygg havn", "ngo_project"), ("NAV", "nav_office"))
# The sources of a filled year: records of 40 organisations in Vern, 60 % of all, and three files from outside.
ORGANISATIONS_IN_VERN, FROM_VERN = 40, 0.6
UPLOADS = ("Politiet", "UDI", "Utlendingsnemnda")


def timed[T](work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def draw(rng: np.random.Generator, weights: Mapping[Any, float], size: int) -> list[Any]:
    """`size` values drawn with the given weights."""
    values = list(weights)
    p = np.array(list(weights.values()), dtype=float)
    return [values[i] for i in rng.choice(len(values), size=size, p=p / p.sum()).tolist()]


# --- Writing rows ---------------------------------------------------------------------------------------


class Writer:
    """Rows written straight through the cursor, with ids handed out here, as fast as each database takes them."""

    def __init__(self) -> None:
        from national_statistics.models import LinkedPerson, PersonAttribute, PersonRecord

        self.models = (LinkedPerson, PersonRecord, PersonAttribute)
        self.next_id = {model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
                        for model in self.models}  # fmt: skip
        self.rows = {model: 0 for model in self.models}
        self.seconds = {model: 0.0 for model in self.models}

    def ids(self, model: Any, count: int) -> range:
        first = self.next_id[model]
        self.next_id[model] += count
        return range(first, first + count)

    def write(self, model: Any, fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        from django.db import connection

        table = model._meta.db_table
        columns = [model._meta.get_field(name).column for name in fields]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                names = ", ".join(connection.ops.quote_name(column) for column in columns)
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608
        self.seconds[model] += time.perf_counter() - started
        self.rows[model] += len(rows)

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids handed out here, so that Vern's own inserts go on."""
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(self.models)):
                cursor.execute(statement)


# --- The filled years -------------------------------------------------------------------------------------


def municipalities() -> dict[str, str]:
    """The municipalities with their police districts, as Vern holds them; number → district."""
    from organisations.models import Municipality

    Municipality.objects.bulk_create(
        [
            Municipality(
                number=number, name=name, case_prefix=f"S{index:02d}", police_district=f"{district} politidistrikt"
            )
            for index, (number, name, district, _share) in enumerate(MUNICIPALITIES)
            if number
        ],
        ignore_conflicts=True,  # Oslo and Bergen may be there already
    )
    return dict(Municipality.objects.values_list("number", "police_district"))


def contributions(year: int) -> tuple[list[tuple[int, str]], np.ndarray]:
    """The year's sources, (contribution id, source) each, and the share of records from each."""
    from national_statistics.models import Contribution

    vern = Contribution.objects.create(source="vern", year=year, organisation_name="Vern", key_fingerprint="bench")
    sources = [(vern.pk, f"organisation:{number}") for number in range(1, ORGANISATIONS_IN_VERN + 1)]
    for name in UPLOADS:
        upload = Contribution.objects.create(
            source="upload", year=year, organisation_name=name, key_fingerprint="bench", sha256=f"{year}{name}"
        )
        sources.append((upload.pk, f"upload:{upload.pk}"))
    shares = [FROM_VERN / ORGANISATIONS_IN_VERN] * ORGANISATIONS_IN_VERN + [(1 - FROM_VERN) / len(UPLOADS)] * len(
        UPLOADS
    )
    return sources, np.array(shares)


PERSON_FIELDS = [
    *("id", "year", "records", "gender", "age_group", "age", "nationality", "municipality_number"),
    *("police_district", "identified_this_year", "reflection_period", "temporary_residence"),
    *("absconded_after_days", "form_of_exploitation", "organisation_kind"),
]
RECORD_FIELDS = [
    *("id", "contribution", "source", "year", "clk", "gender", "age_group", "age", "nationality"),
    *("municipality_number", "organisation_kind", "forms_of_exploitation", "identified_this_year"),
    *("reflection_period", "temporary_residence", "rights_delivered", "absconded_after_days", "cluster"),
]
ATTRIBUTE_FIELDS = ["id", "person", "year", "kind", "value"]


def fill_year(writer: Writer, rng: np.random.Generator, year: int, persons: int, districts: dict[str, str]) -> None:
    """One year's persons, each with the records the linkage joined into them and their attributes."""
    from national_statistics.models import LinkedPerson, PersonAttribute, PersonRecord
    from national_statistics.services import one_row

    records = draw(rng, RECORDS_PER_PERSON, persons)
    genders, nationalities = draw(rng, GENDERS, persons), draw(rng, NATIONALITIES, persons)
    age_groups = draw(rng, AGE_GROUPS, persons)
    minor = np.array([group == "minor" for group in age_groups])
    ages = np.where(minor, rng.integers(9, 18, persons), rng.integers(18, 60, persons)).tolist()
    age_known = (rng.random(persons) < 0.85).tolist()
    numbers = draw(rng, {number: share for number, _name, _district, share in MUNICIPALITIES}, persons)
    identified = draw(rng, IDENTIFIED_THIS_YEAR, persons)
    reflection, residence = draw(rng, REFLECTION_PERIOD, persons), draw(rng, TEMPORARY_RESIDENCE, persons)
    absconded = absconded_after_days(rng, minor)
    forms, rights = person_forms(rng, persons), person_rights(rng, minor)
    kinds = draw(rng, ORGANISATION_KINDS, sum(records))
    sources, shares = contributions(year)
    source_indices = distinct_draws(rng, shares, records)
    person_ids, record_ids = writer.ids(LinkedPerson, persons), writer.ids(PersonRecord, sum(records))
    clks = rng.bytes(128 * len(record_ids))
    person_rows, record_rows, attribute_rows = [], [], []
    first = 0  # the person's first record
    for i, pk in enumerate(person_ids):
        count, age = records[i], ages[i] if age_known[i] else None
        person_kinds = {kind for kind in kinds[first : first + count] if kind}
        number = numbers[i]
        person_rows.append(
            (pk, year, count, genders[i], age_groups[i], age, nationalities[i], number, districts.get(number, ""),
             identified[i], reflection[i], residence[i], absconded[i], one_row(set(forms[i])), one_row(person_kinds))
        )  # fmt: skip
        chosen = [sources[n] for n in source_indices[i]]
        in_vern = [source.startswith("organisation:") for _contribution, source in chosen]
        for n, (contribution_id, source) in enumerate(chosen):
            delivered = rights[i] if in_vern[n] else []
            record = first + n
            record_rows.append(
                (record_ids[record], contribution_id, source, year, clks[record * 128 : (record + 1) * 128],
                 genders[i], age_groups[i], age, nationalities[i], numbers[i], kinds[record], json.dumps(forms[i]),
                 identified[i], reflection[i], residence[i], json.dumps(delivered), absconded[i], record_ids[first])
            )  # fmt: skip
        values = {(PersonAttribute.Kind.FORM.value, form) for form in forms[i]}
        values |= {(PersonAttribute.Kind.ORGANISATION_KIND.value, kind) for kind in person_kinds}
        values |= {(PersonAttribute.Kind.RIGHT_DELIVERED.value, right) for right in rights[i] if any(in_vern)}
        attribute_rows += [(pk, year, kind, value) for kind, value in sorted(values)]
        first += count
    writer.write(LinkedPerson, PERSON_FIELDS, person_rows)
    writer.write(PersonRecord, RECORD_FIELDS, record_rows)
    attribute_ids = writer.ids(PersonAttribute, len(attribute_rows))
    writer.write(
        PersonAttribute, ATTRIBUTE_FIELDS, [(pk, *row) for pk, row in zip(attribute_ids, attribute_rows, strict=True)]
    )


def absconded_after_days(rng: np.random.Generator, minor: np.ndarray) -> list[int | None]:
    """Days from the start of a placement to the absconding, for the few minors who ran away or were taken."""
    bands = draw(rng, {(low, high): share for low, high, share in ABSCONDED_AFTER_DAYS}, len(minor))
    ran = minor & (rng.random(len(minor)) < ABSCONDED)
    return [
        int(rng.integers(low, high + 1)) if away else None
        for away, (low, high) in zip(ran.tolist(), bands, strict=True)
    ]


def person_forms(rng: np.random.Generator, persons: int) -> list[list[str]]:
    from screening.models import ExploitationForm

    codes = sorted(set(ExploitationForm.objects.values_list("code", flat=True)))
    weights = np.array([FORMS.get(code, 1.0) for code in codes])
    chosen = distinct_draws(rng, weights, draw(rng, FORMS_PER_PERSON, persons))
    return [sorted(codes[i] for i in indices) for indices in chosen]


def distinct_draws(rng: np.random.Generator, weights: np.ndarray, counts: list[int]) -> list[list[int]]:
    """For each count, that many different indices drawn by the weights (numpy's choice without replacement
    is slow one call at a time: draw with replacement for all, and again only where one came twice)."""
    p = weights / weights.sum()
    drawn = rng.choice(len(p), size=(len(counts), max(counts, default=0)), p=p).tolist()
    chosen = []
    for count, row in zip(counts, drawn, strict=True):
        indices = row[:count]
        while len(set(indices)) < count:
            indices = rng.choice(len(p), size=count, p=p).tolist()
        chosen.append(indices)
    return chosen


def person_rights(rng: np.random.Generator, minor: np.ndarray) -> list[list[str]]:
    from rights.models import Right

    codes = list(Right.objects.order_by("order").values_list("code", flat=True))
    chance = np.array(
        [[RIGHTS.get(code, 0.1) for code in codes], [(RIGHTS | CHILD_RIGHTS).get(code, 0.1) for code in codes]]
    )
    chance[0, [i for i, code in enumerate(codes) if code in CHILD_RIGHTS]] = 0
    delivered = rng.random((len(minor), len(codes))) < chance[minor.astype(int)]
    return [[codes[i] for i in np.flatnonzero(row)] for row in delivered]


def fill(args: argparse.Namespace) -> list[int]:
    from django.db import transaction

    from national_statistics.models import LinkedPerson, PersonAttribute, PersonRecord

    rng = np.random.default_rng(args.seed)
    years = list(range(FIRST_YEAR, FIRST_YEAR + args.years))
    per_year = args.records // args.years
    writer = Writer()
    started = time.perf_counter()
    districts = municipalities()
    for year in years:
        with transaction.atomic():
            fill_year(writer, rng, year, per_year, districts)
        print(f"  {year}: {per_year:,} persons", flush=True)
    writer.finish()
    analyse()
    total = time.perf_counter() - started
    written = sum(writer.rows.values())
    print(f"filled in {total:.0f} s ({written / total:,.0f} rows/s, generating the values included):")
    for model in (LinkedPerson, PersonRecord, PersonAttribute):
        print(f"  {model.__name__}: {writer.rows[model]:,} rows, written in {writer.seconds[model]:.1f} s")
    return years


def analyse() -> None:
    """What PostgreSQL's autovacuum does within minutes of such a load: planner statistics and the visibility map.

    SQLite gets nothing: Vern does not run ANALYZE on it in production either.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# --- The report against one GROUP BY -------------------------------------------------------------------------


def group_by(year: int) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gender, age_group, COUNT(*) FROM national_statistics_linkedperson WHERE year = %s "
            "GROUP BY gender, age_group",
            [year],
        )
        return cursor.fetchall()


def group_by_year() -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT year, COUNT(*) FROM national_statistics_linkedperson GROUP BY year")
        return cursor.fetchall()


def measure_report(years: list[int], repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from disclosure.suppression import protect
    from national_statistics import report

    year = years[len(years) // 2]
    work: dict[str, Callable[[], object]] = {
        f"report.annual_report({year}), every table protected": lambda: report.annual_report(year),
        f"SELECT gender, age_group, COUNT(*) … WHERE year = {year} GROUP BY …": lambda: group_by(year),
        "the report's trend table (every year), protected": lambda: protect(report.trend()),
        "SELECT year, COUNT(*) … GROUP BY year": group_by_year,
    }
    timings: dict[str, list[float]] = {name: [] for name in work}
    with translation.override("nb"):
        for done in work.values():  # a first, untimed round: translations, caches and pages are loaded
            done()
        with CaptureQueriesContext(connection) as queries:
            annual = report.annual_report(year)
        for _round in range(repeat):
            for name, done in work.items():
                timings[name].append(timed(done)[1])
    cells = sum(len(row.values) for table in annual.tables for row in table.rows)
    print(
        f"\nThe annual report of {year}: {annual.persons:,} persons, {len(annual.tables)} tables, {cells:,} numbers, "
        f"{len(queries)} SQL queries. Median of {repeat} interleaved runs (fastest–slowest):"
    )
    width = max(len(name) for name in work)
    for name, values in timings.items():
        print(f"  {name:<{width}}  {median(values):8.1f} ms  ({min(values) * 1000:.1f}–{max(values) * 1000:.1f})")
    names = list(work)
    print(f"  ratio report / GROUP BY of the year:   {median(timings[names[0]]) / median(timings[names[1]]):.1f}")
    print(f"  ratio trend table / GROUP BY year:     {median(timings[names[2]]) / median(timings[names[3]]):.1f}")
    print(
        f"  ({sum(count for _year, count in group_by_year()):,} persons in {len(years)} years: the report is built "
        "per year; a report over every year's persons at once is not something Vern does)"
    )


def median(seconds: list[float]) -> float:
    """In milliseconds."""
    return statistics.median(seconds) * 1000


# --- A year's linkage ----------------------------------------------------------------------------------------


def linkage_year(args: argparse.Namespace, year: int) -> None:
    from django.db import transaction

    from linkage import linker
    from linkage.encoding import Encoder, LinkageKey, generate_key_text
    from linkage.synthetic import population
    from national_statistics import services
    from national_statistics.models import Contribution, PersonRecord

    rng = np.random.default_rng(args.seed + 1)
    # About 1.45 records per person with the default share known to several organisations (linkage/synthetic.py).
    records = population(round(args.link_records / 1.45), organisations=3, seed=args.seed)
    key = LinkageKey.from_text(generate_key_text())
    encoder = Encoder(key)
    clks, encoding = timed(lambda: [encoder.encode(record.person) for record in records])
    writer = Writer()
    started = time.perf_counter()
    with transaction.atomic():
        uploads = [
            Contribution.objects.create(
                source="upload",
                year=year,
                organisation_name=name,
                key_fingerprint=key.fingerprint,
                sha256=f"{year}{name}",
            )
            for name, _kind in LINKED_ORGANISATIONS
        ]
        ids = writer.ids(PersonRecord, len(records))
        numbers = draw(rng, {number: share for number, _name, _district, share in MUNICIPALITIES}, len(records))
        forms = person_forms(rng, len(records))
        rows = []
        for pk, record, clk, number, form in zip(ids, records, clks, numbers, forms, strict=True):
            upload = uploads[record.organisation]
            age = age_in(record.person.birth_date, record.person.birth_year, year)
            age_group = "" if age is None else "minor" if age < 18 else "adult"
            rows.append(
                (pk, upload.pk, f"upload:{upload.pk}", year, clk, record.person.gender, age_group, age,
                 record.person.nationality, number, LINKED_ORGANISATIONS[record.organisation][1], json.dumps(form),
                 None, "", "", "[]", None, None)
            )  # fmt: skip
        writer.write(PersonRecord, RECORD_FIELDS, rows)
    writer.finish()
    analyse()
    inserting = time.perf_counter() - started
    linkage, linking = timed(lambda: services.link_year(year))
    alone, linker_only = timed(lambda: linker.link(clks, [record.organisation for record in records]))
    true = len({record.person_id for record in records})
    found = cluster_quality(year, {pk: record.person_id for pk, record in zip(ids, records, strict=True)})
    print(
        f"\nLinkage of {year}: {len(records):,} encoded records from three organisations ({true:,} fictional persons)"
    )
    print(f"  encoding them:                     {encoding:6.1f} s")
    print(f"  writing them as PersonRecords:     {inserting:6.1f} s")
    print(f"  services.link_year({year}):          {linking:6.1f} s  (end to end; {linkage.compared:,} pairs compared)")
    print(f"    of which the linker:             {linker_only:6.1f} s  (run again alone on the same encodings)")
    print(f"    reading and writing the store:   {linking - linker_only:6.1f} s")
    print(f"  persons found: {linkage.persons:,} (true {true:,}, {linkage.persons / true - 1:+.1%}; "
          f"the linker alone {alone.persons:,})")  # fmt: skip
    print(f"  pairs of records joined: precision {found[0]:.3f}, recall {found[1]:.3f} (docs/linkage.md explains)")


def age_in(born: date | None, birth_year: int | None, year: int) -> int | None:
    if born:
        return year - born.year
    return year - birth_year if birth_year else None


def cluster_quality(year: int, person_of: dict[int, int]) -> tuple[float, float]:
    """Precision and recall of the pairs of records the linkage put together, against the true persons."""
    from national_statistics.models import PersonRecord

    def pairs(groups: Iterable[list[int]]) -> set[tuple[int, int]]:
        return {(a, b) for group in groups for a in group for b in group if a < b}

    clusters: dict[int, list[int]] = {}
    for pk, cluster in PersonRecord.objects.filter(year=year).values_list("pk", "cluster"):
        clusters.setdefault(cluster or pk, []).append(pk)
    persons: dict[int, list[int]] = {}
    for pk, person in person_of.items():
        persons.setdefault(person, []).append(pk)
    found, true = pairs(clusters.values()), pairs(persons.values())
    hits = len(found & true)
    return hits / max(len(found), 1), hits / max(len(true), 1)


# --- The run ---------------------------------------------------------------------------------------------------


def versions() -> str:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return (
        f"{timezone.localdate().isoformat()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"{database}, {os.cpu_count()} CPU cores"
    )


def run(args: argparse.Namespace, database_url: str) -> None:
    from django.db import connections

    env = production_environment(database_url)
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    print(f"migrated in {time.perf_counter() - started:.0f} s")
    django_in_this_process(env)
    print(f"Vern national statistics benchmark: {versions()}")
    print(f"filling the store: {args.records:,} case records over {args.years} years …", flush=True)
    years = fill(args)
    if args.repeat:
        measure_report(years, args.repeat)
    if args.link_records:
        linkage_year(args, years[-1] + 1)
    connections.close_all()  # before the database is dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="case records in the store (default 1000000)")
    parser.add_argument("--years", type=int, default=10, help="years they are spread over (default 10)")
    parser.add_argument(
        "--repeat", type=int, default=7, help="interleaved timed runs of each query (default 7; 0: skip)"
    )
    parser.add_argument(
        "--link-records",
        type=int,
        default=100_000,
        help="encoded records of the linkage year (default 100000; 0: skip)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database to DROP and create (its name must contain 'bench'); default: temporary SQLite",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: remove it)")
    args = parser.parse_args()
    if not 1 <= args.years <= 50 or args.records < args.years or args.repeat < 0 or args.link_records < 0:
        parser.error("--years must be 1–50, --records at least --years, --repeat and --link-records not negative")

    workdir = Path(tempfile.mkdtemp(prefix="vern-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.database_url:
        if urlsplit(database_url).scheme not in ("postgres", "postgresql"):
            sys.exit("--database-url must be a postgres:// URL.")
        postgresql(database_url, create=True)
    try:
        run(args, database_url)
    finally:
        if args.keep:
            print(f"\nKept: {database_url}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.database_url:
                postgresql(database_url, create=False)


if __name__ == "__main__":
    main()
