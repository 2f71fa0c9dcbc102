"""Fictional national statistics for the demo: a report for each demo year in which
persons that several organisations registered count once.

- Inside Vern, the twin cases of demo/cases.py: the same person at a second
  organisation of the city, written down another way.
- From outside Vern, each year a file from the police (Kripos) and one from UDI:
  their own fictional person lists (linkage.synthetic, some persons known to both)
  and some of the persons of Vern's cases, each written down the office's own way.
  The files are encoded with the configured linkage key by the code `bin/vern
  encode` runs (linkage.encoding, linkage.files) and added as the statistician adds
  them (national_statistics.services.import_upload). The latest year's UDI file was
  edited by hand and has three bad lines, which the uploads page lists with reasons.
- Each year is then built from the cases and linked (services.refresh_year).

The demo years are the last two: at scale 1 the cases are all from the last weeks,
so the earlier year is built from the two files alone. Deterministic for a seed and a
key; files already added for a year are not added again (make demo seeds every
time), but the years are built and linked anew.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.models import Case, FieldGroup, FieldGroupRecord
from core import crypto
from demo.cases import written_elsewhere
from linkage.encoding import Encoder, Person
from linkage.files import write_encoded
from linkage.linker import link
from linkage.synthetic import population
from national_statistics import services
from national_statistics.models import Contribution
from organisations.models import Organisation
from screening.rules import ADULT_AGE

# Who sends a file each year: (organisation, its kind, file name, the share of Vern's persons it knows too; the
# shares add up to more than one, so some persons are known to Vern, the police and UDI).
OUTSIDE = [
    ("Politiet (Kripos)", Organisation.Kind.POLICE_DISTRICT, "kripos", 0.8),
    ("UDI", Organisation.Kind.UDI, "udi", 0.6),
]
OUTSIDE_PERSONS = 70  # persons a year only the police or UDI know …
KNOWN_TO_BOTH = 0.3  # … of whom this share both know
# What the lists say about a person, by weight ("": not known).
FORMS = {
    "sexual": 8,
    "labour_construction": 2,
    "labour_cleaning": 2,
    "labour_car_wash": 1,
    "begging": 2,
    "criminality_drugs": 3,
    "criminality_other": 1,
    "": 3,
}
MUNICIPALITIES = {"0301": 5, "4601": 2, "": 1}  # the demo's Oslo and Bergen

type Row = tuple[Person, dict[str, str]]


@dataclass(frozen=True)
class YearFigures:
    year: int
    records: int
    persons: int


@dataclass(frozen=True)
class SeededStatistics:
    years: tuple[YearFigures, ...] = ()
    files: int = 0  # files added now (none when they were added before)
    lines_left_out: int = 0
    not_built: str = ""  # why nothing was built


def demo_years(today: date) -> list[int]:
    last = today - timedelta(days=1)  # the seeded history ends before today
    return [last.year - 1, last.year]


def seed_statistics(*, seed: int, today: date | None = None, user: User | None = None) -> SeededStatistics:
    """Add the outside files of each demo year unless added before, then build and link the years."""
    encoder = Encoder(services.linkage_key())
    years = demo_years(today or timezone.localdate())
    figures, files, left_out = [], 0, 0
    for year in years:
        if not Contribution.objects.filter(source=Contribution.Source.UPLOAD, year=year).exists():
            # Deterministic fictional demo data; not used for anything secret.
            rng = random.Random(f"vern-demo-statistics-{seed}-{year}")  # nosec B311
            for (name, _kind, slug, _share), rows in zip(OUTSIDE, _person_lists(year, rng, encoder), strict=True):
                encoded = [(encoder.encode(person), categories) for person, categories in rows]
                if year == years[-1] and slug == "udi":
                    encoded = _edited_by_hand(encoded)
                data = write_encoded(encoder.key.fingerprint, encoded).encode()
                result = services.import_upload(
                    data, file_name=f"{slug}-{year}-kodet.csv", organisation_name=name, user=user
                )
                files += 1
                left_out += len(result.problems)
        linkage = services.refresh_year(year, user=user)
        figures.append(YearFigures(year, linkage.records, linkage.persons))
    return SeededStatistics(tuple(figures), files, left_out)


def _person_lists(year: int, rng: random.Random, encoder: Encoder) -> list[list[Row]]:
    """Each outside organisation's list: persons only the police or UDI know, and some of Vern's."""
    lists = _only_outside(year, rng)
    vern = _vern_persons(year, encoder)
    forms = {case.pk: _draw(rng, FORMS) for case, _identity in vern}
    for rows, (_name, kind, _slug, share) in zip(lists, OUTSIDE, strict=True):
        for case, identity in rng.sample(vern, round(share * len(vern))):
            opened = timezone.localtime(case.created_at).date()
            written = services.person_of(written_elsewhere(identity, rng, on=opened), opened)
            if written is not None:
                age_group = "minor" if case.track == Case.Track.CHILD else "adult"
                categories = _categories(year, written, kind, age_group, forms[case.pk], case.municipality.number)
                rows.append((written, categories))
    for rows in lists:
        rng.shuffle(rows)
    return lists


def _only_outside(year: int, rng: random.Random) -> list[list[Row]]:
    """Persons Vern never saw, some known to both the police and UDI, each written down their own way."""
    lists: list[list[Row]] = [[] for _organisation in OUTSIDE]
    facts: dict[int, tuple[str, str]] = {}  # a person's form and municipality, whoever lists them
    people = population(OUTSIDE_PERSONS, organisations=len(OUTSIDE), seed=rng.randrange(2**32), shared=KNOWN_TO_BOTH)
    for record in people:
        if record.person_id not in facts:
            facts[record.person_id] = (_draw(rng, FORMS), _draw(rng, MUNICIPALITIES))
        form, municipality = facts[record.person_id]
        person = record.person
        born = person.birth_date.year if person.birth_date else person.birth_year
        age_group = "" if born is None else "minor" if year - born < ADULT_AGE else "adult"
        kind = OUTSIDE[record.organisation][1]
        lists[record.organisation].append((person, _categories(year, person, kind, age_group, form, municipality)))
    return lists


def _categories(year: int, person: Person, kind: str, age_group: str, form: str, municipality: str) -> dict[str, str]:
    """The columns `vern encode` writes besides the encoding (docs/linkage.md)."""
    return {
        "year": str(year),
        "gender": person.gender,
        "nationality": person.nationality,
        "age_group": age_group,
        "form_of_exploitation": form,
        "municipality_number": municipality,
        "organisation_kind": kind,
    }


def _vern_persons(year: int, encoder: Encoder) -> list[tuple[Case, dict[str, Any]]]:
    """The persons of the cases followed up in the year, each once, with a name (what an office can list).

    A twin case of demo/cases.py is the person of an earlier case, and an office lists
    a person once: which cases are one person is for the linker to say, as it says
    for the statistics.
    """
    records = FieldGroupRecord.objects.filter(
        case__in=services.cases_followed_up(year), group=FieldGroup.IDENTITY
    ).select_related("case__municipality")
    named = []
    for record in records.order_by("case_id"):
        identity = crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
        person = services.person_of(identity, timezone.localtime(record.case.created_at).date())
        if person is not None:
            named.append((record.case, identity, encoder.encode(person)))
    if not named:
        return []
    clusters = link([clk for _case, _identity, clk in named], range(len(named))).cluster.tolist()
    persons, seen = [], set()
    for (case, identity, _clk), cluster in zip(named, clusters, strict=True):
        if cluster not in seen:
            seen.add(cluster)
            persons.append((case, identity))
    return persons


def _edited_by_hand(rows: list[tuple[bytes, dict[str, str]]]) -> list[tuple[bytes, dict[str, str]]]:
    """What a file edited after `vern encode` brings: a line copied twice, a nationality written out, and a form
    of exploitation Vern does not know. The reader leaves the last two out and says why; the copied line is kept
    and linked to its original, as any person listed twice."""
    edited = list(rows)
    clk, categories = edited[13]
    edited[13] = (clk, categories | {"nationality": "Romania"})
    clk, categories = edited[20]
    edited[20] = (clk, categories | {"form_of_exploitation": "tvangsarbeid"})
    edited.insert(7, edited[5])
    return edited


def _draw(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
