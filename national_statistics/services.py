"""Filling the statistics store and linking it: the rules, as plain functions.

- `build_vern_contribution` turns the cases under follow-up in a year into person
  records: an encoding and category values, nothing that names the person or the case.
- `import_upload` takes a file written by `bin/vern encode` outside Vern.
- `link_year` links every record of a year (linkage.linker) and writes one
  `LinkedPerson` per person found, which the annual report counts.

Design and the choices behind them: docs/statistics.md ("Counting each person once").
"""

import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, CaseEvent, FieldGroup, FieldGroupRecord
from cases.nationality import country_code
from chain.models import CaseChain
from core import crypto
from disclosure.htcds import htcds_export
from disclosure.kanonymity import K, KAnonymised
from linkage.encoding import Encoder, LinkageKey, LinkageKeyError, Person
from linkage.files import LineProblem, read_encoded
from linkage.linker import DEFAULT_THRESHOLD, EncodingFormatError, link
from national_statistics.models import (
    SEVERAL,
    Application,
    Contribution,
    LinkedPerson,
    PersonAttribute,
    PersonRecord,
    YearLinkage,
)
from national_statistics.reasons import reason_text
from organisations.models import Municipality
from placements.models import Absconding
from rights.models import CaseRight
from screening.models import Screening

BATCH = 2000
VERN_SOURCE_PREFIX = "organisation:"  # the source of records built from the cases of one organisation in Vern
_ALIAS_SEPARATORS = re.compile(r"[,;/]")
# When the records of one person disagree, the furthest stage of an application counts.
_APPLICATION_ORDER: list[str] = [Application.NONE, Application.APPLIED, Application.REFUSED, Application.GRANTED]


class StatisticsError(Exception):
    """Why a statistics operation was refused; the message is shown to the statistician."""


def linkage_key() -> LinkageKey:
    """The secret linkage key, read from VERN_LINKAGE_KEY(_FILE); never stored in the database."""
    if not settings.VERN_LINKAGE_KEY:
        raise StatisticsError(_("No linkage key is configured (VERN_LINKAGE_KEY_FILE); see docs/linkage.md."))
    try:
        return LinkageKey.from_text(settings.VERN_LINKAGE_KEY)
    except LinkageKeyError as error:
        raise StatisticsError(_("The configured linkage key cannot be used: %(error)s") % {"error": error}) from None


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first moment of the year and of the next, in Norwegian time."""
    zone = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def cases_followed_up(year: int) -> Any:
    """Cases opened before the year ended and not ended before it began."""
    start, end = year_bounds(year)
    ended_before = CaseChain.objects.filter(case=OuterRef("pk"), ended_at__lt=start)
    return Case.objects.filter(created_at__lt=end).exclude(Exists(ended_before))


# --- Vern's own cases -------------------------------------------------------------------------------


@dataclass
class _CaseFacts:
    """What the build reads about one case besides its identity."""

    forms: list[str] = field(default_factory=list)
    identifying_organisation: int | None = None
    identifying_kind: str = ""
    rights: list[str] = field(default_factory=list)
    absconded_after_days: int | None = None


def _facts(case_ids: Sequence[int], year: int) -> dict[int, _CaseFacts]:
    facts = {case_id: _CaseFacts() for case_id in case_ids}
    start, end = year_bounds(year)
    for case_id, forms in Screening.objects.filter(case_id__in=case_ids).values_list("case_id", "forms"):
        facts[case_id].forms = sorted(set(forms))
    created = CaseEvent.objects.filter(case_id__in=case_ids, kind=CaseEvent.Kind.CREATED)
    for case_id, organisation_id, kind in created.values_list("case_id", "organisation_id", "organisation__kind"):
        facts[case_id].identifying_organisation, facts[case_id].identifying_kind = organisation_id, kind
    delivered = CaseRight.objects.filter(case_id__in=case_ids, status=CaseRight.Status.DELIVERED).filter(
        Q(delivered_on__isnull=True) | Q(delivered_on__lt=date(year + 1, 1, 1))
    )
    for case_id, code in delivered.values_list("case_id", "right__code").order_by("right__order"):
        facts[case_id].rights.append(code)
    abscondings = Absconding.objects.filter(placement__case_id__in=case_ids, at__gte=start, at__lt=end)
    for case_id, after_start in abscondings.values_list("placement__case_id", "after_start").order_by("at"):
        if facts[case_id].absconded_after_days is None:
            facts[case_id].absconded_after_days = after_start.days
    return facts


def _identities(case_ids: Sequence[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """The identity and immigration groups, decrypted in memory for the encoding and never stored."""
    groups: dict[int, dict[str, dict[str, Any]]] = {case_id: {} for case_id in case_ids}
    records = FieldGroupRecord.objects.filter(
        case_id__in=case_ids, group__in=[FieldGroup.IDENTITY, FieldGroup.IMMIGRATION]
    )
    for record in records:
        groups[record.case_id][record.group] = crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
    return groups


def _birth(identity: dict[str, Any], opened: date) -> tuple[date | None, int | None, int | None]:
    """Date of birth, birth year and age when identified, from what is known."""
    if identity.get("birth_date"):
        born = date.fromisoformat(identity["birth_date"])
        age = opened.year - born.year - ((opened.month, opened.day) < (born.month, born.day))
        return born, born.year, age
    if identity.get("estimated_age") is not None:
        age = int(identity["estimated_age"])
        return None, opened.year - age, age
    return None, None, None


def person_of(identity: dict[str, Any], opened: date) -> Person | None:
    """The person to encode, or None when no name is known: such a record cannot be linked safely."""
    names = (identity.get("first_name", ""), identity.get("last_name", ""))  # given, family: each encoded apart
    if not any(names):
        return None
    aliases = tuple(alias.strip() for alias in _ALIAS_SEPARATORS.split(identity.get("aliases", "")) if alias.strip())
    born, birth_year, _age = _birth(identity, opened)
    return Person(
        names=names,
        aliases=aliases,
        birth_date=born,
        birth_year=None if born else birth_year,
        gender=identity.get("gender", ""),
        nationality=country_code(identity.get("nationality", "")),
    )


def _vern_records(cases: Iterable[Case], year: int, encoder: Encoder) -> Iterator[PersonRecord]:
    batch: list[Case] = []
    for case in cases:
        batch.append(case)
        if len(batch) == BATCH:
            yield from _records_of_batch(batch, year, encoder)
            batch = []
    yield from _records_of_batch(batch, year, encoder)


def _records_of_batch(cases: list[Case], year: int, encoder: Encoder) -> Iterator[PersonRecord]:
    ids = [case.pk for case in cases]
    facts, groups = _facts(ids, year), _identities(ids)
    start, _end = year_bounds(year)
    for case in cases:
        identity = groups[case.pk].get(FieldGroup.IDENTITY, {})
        immigration = groups[case.pk].get(FieldGroup.IMMIGRATION, {})
        opened = timezone.localtime(case.created_at).date()
        person = person_of(identity, opened)
        _born, _year, age = _birth(identity, opened)
        fact = facts[case.pk]
        yield PersonRecord(
            source=f"{VERN_SOURCE_PREFIX}{fact.identifying_organisation or case.owner_id}",
            year=year,
            clk=encoder.encode(person) if person else b"",
            gender=identity.get("gender", ""),
            age_group="minor" if case.track == Case.Track.CHILD else "adult",
            age=age,
            nationality=country_code(identity.get("nationality", "")),
            municipality_number=case.municipality.number,
            organisation_kind=fact.identifying_kind,
            forms_of_exploitation=fact.forms,
            identified_this_year=case.created_at >= start,
            reflection_period=_application(immigration.get("reflection_period", "")),
            temporary_residence=_application(immigration.get("temporary_residence", "")),
            rights_delivered=fact.rights,
            absconded_after_days=fact.absconded_after_days if case.track == Case.Track.CHILD else None,
        )


def _application(value: str) -> str:
    return value if value in Application.values else Application.NONE


@transaction.atomic
def build_vern_contribution(year: int, *, user: User | None = None) -> Contribution:
    """Replace the year's records from Vern's cases with records built from the cases as they are now."""
    key = linkage_key()
    Contribution.objects.filter(source=Contribution.Source.VERN, year=year).delete()
    contribution = Contribution.objects.create(
        source=Contribution.Source.VERN,
        year=year,
        organisation_name="Vern",
        key_fingerprint=key.fingerprint,
        created_by=user,
    )
    cases = cases_followed_up(year).select_related("municipality").order_by("pk").iterator(chunk_size=BATCH)
    records = []
    for record in _vern_records(cases, year, Encoder(key)):
        record.contribution = contribution
        records.append(record)
    PersonRecord.objects.bulk_create(records, batch_size=BATCH)
    contribution.records = len(records)
    contribution.save(update_fields=["records"])
    return contribution


# --- Files from organisations outside Vern ----------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    contribution: Contribution
    problems: list[LineProblem]


def import_upload(data: bytes, *, file_name: str, organisation_name: str, user: User | None) -> UploadResult:
    """Keep every good row of an encoded file and report every other by line; refuse a file that is wrong."""
    key = linkage_key()
    encoded = read_encoded(data, key.fingerprint)
    if encoded.refused:
        raise StatisticsError(reason_text(encoded.refused))
    if not encoded.rows:
        raise StatisticsError(_("The file holds no row that can be used; nothing was kept."))
    years = {int(row.categories["year"]) for row in encoded.rows}
    if len(years) > 1:
        raise StatisticsError(
            _("The file holds rows for several years (%(years)s); send one file per year.")
            % {"years": ", ".join(str(year) for year in sorted(years))}
        )
    earlier = Contribution.objects.filter(source=Contribution.Source.UPLOAD, sha256=encoded.sha256).first()
    if earlier:
        raise StatisticsError(
            _("This file was already added on %(date)s; it is not counted twice.")
            % {"date": formats.date_format(timezone.localtime(earlier.created_at), "SHORT_DATE_FORMAT")}
        )
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                source=Contribution.Source.UPLOAD,
                year=years.pop(),
                organisation_name=organisation_name,
                file_name=file_name[:255],
                sha256=encoded.sha256,
                key_fingerprint=encoded.key_fingerprint,
                records=len(encoded.rows),
                problems=[[problem.line, problem.reason.code, problem.reason.params] for problem in encoded.problems],
                created_by=user,
            )
            source = f"upload:{contribution.pk}"
            PersonRecord.objects.bulk_create(
                [_uploaded_record(contribution, source, row.clk, row.categories) for row in encoded.rows],
                batch_size=BATCH,
            )
    except IntegrityError:  # the same file, added at the same moment by someone else
        raise StatisticsError(_("This file was already added; it is not counted twice.")) from None
    return UploadResult(contribution, encoded.problems)


@transaction.atomic
def remove_upload(contribution: Contribution) -> YearLinkage:
    """The file's records leave the store; the year is linked again without them."""
    year = contribution.year
    contribution.delete()
    return link_year(year)


def _uploaded_record(contribution: Contribution, source: str, clk: bytes, categories: dict[str, str]) -> PersonRecord:
    return PersonRecord(
        contribution=contribution,
        source=source,
        year=contribution.year,
        clk=clk,
        gender=categories["gender"],
        age_group=categories["age_group"],
        nationality=categories["nationality"],
        municipality_number=categories["municipality_number"],
        organisation_kind=categories["organisation_kind"],
        forms_of_exploitation=sorted({form for form in categories["form_of_exploitation"].split(";") if form}),
    )


# --- Linkage ------------------------------------------------------------------------------------------


@transaction.atomic
def link_year(year: int, *, threshold: float = DEFAULT_THRESHOLD) -> YearLinkage:
    """Link every record of the year and write the persons found; records without a name stay alone."""
    started = time.perf_counter()
    records = list(PersonRecord.objects.filter(year=year).order_by("pk"))
    linkable = [record for record in records if record.clk]
    clusters = {record.pk: record.pk for record in records}
    compared = 0
    if linkable:
        sources = {source: number for number, source in enumerate(sorted({record.source for record in linkable}))}
        # Two cases of one organisation in Vern are two persons; an uploaded file may list one person twice.
        apart = {number for source, number in sources.items() if source.startswith(VERN_SOURCE_PREFIX)}
        try:
            result = link(
                [bytes(record.clk) for record in linkable],
                [sources[record.source] for record in linkable],
                threshold,
                apart=apart,
            )
        except EncodingFormatError:
            raise StatisticsError(
                _(
                    "The year holds records encoded in an older format, which cannot be linked. Remove the files "
                    "added before the update and add them again, encoded with the current version of Vern's "
                    "encoding program."
                )
            ) from None
        compared = result.compared
        for record, root in zip(linkable, result.cluster.tolist(), strict=True):
            clusters[record.pk] = linkable[root].pk
    for record in records:
        record.cluster = clusters[record.pk]
    _store_clusters(year, clusters)
    persons = _write_persons(year, records)
    fingerprints = set(Contribution.objects.filter(year=year).values_list("key_fingerprint", flat=True))
    linkage, _created = YearLinkage.objects.update_or_create(
        year=year,
        defaults={
            "linked_at": timezone.now(),
            "records": len(records),
            "persons": persons,
            "compared": compared,
            "threshold": threshold,
            "key_fingerprint": ",".join(sorted(fingerprints)),
            "seconds": time.perf_counter() - started,
        },
    )
    return linkage


def _store_clusters(year: int, clusters: dict[int, int]) -> None:
    """Each record's cluster: its own id, or the first record's of the person it was joined to.

    One UPDATE for the year, then one statement with a parameter row per joined record: bulk_update
    builds a CASE of every record, which at 100,000 records took longer than the linkage itself.
    """
    PersonRecord.objects.filter(year=year).update(cluster=F("pk"))
    joined = [(cluster, pk) for pk, cluster in clusters.items() if cluster != pk]
    table, quote = PersonRecord._meta.db_table, connection.ops.quote_name
    # Only quoted identifiers from the model go into the text; the values are parameters.
    statement = f"UPDATE {quote(table)} SET {quote('cluster')} = %s WHERE {quote('id')} = %s"  # noqa: S608 # nosec B608
    with connection.cursor() as cursor:
        cursor.executemany(statement, joined)


def _write_persons(year: int, records: list[PersonRecord]) -> int:
    LinkedPerson.objects.filter(year=year).delete()
    by_cluster: dict[int, list[PersonRecord]] = {}
    for record in records:
        by_cluster.setdefault(record.cluster or record.pk, []).append(record)
    districts = dict(Municipality.objects.values_list("number", "police_district"))
    persons, attributes = [], []
    for cluster in by_cluster.values():
        person = _person(year, cluster, districts)
        persons.append(person)
        attributes.append(_attributes(cluster))
    LinkedPerson.objects.bulk_create(persons, batch_size=BATCH)
    PersonAttribute.objects.bulk_create(
        [
            PersonAttribute(person=person, year=year, kind=kind, value=value)
            for person, values in zip(persons, attributes, strict=True)
            for kind, value in values
        ],
        batch_size=BATCH,
    )
    return len(persons)


def _person(year: int, records: list[PersonRecord], districts: dict[str, str]) -> LinkedPerson:
    """One person's values from their records: the value most records agree on, the first record's on a tie."""
    municipality = _agreed(record.municipality_number for record in records)
    ages = [record.age for record in records if record.age is not None]
    abscondings = [record.absconded_after_days for record in records if record.absconded_after_days is not None]
    return LinkedPerson(
        year=year,
        records=len(records),
        gender=_agreed(record.gender for record in records),
        # A presumed minor is treated as a minor until the opposite is shown (the presumption of age).
        age_group="minor"
        if any(record.age_group == "minor" for record in records)
        else _agreed(record.age_group for record in records),
        age=min(ages) if ages else None,
        nationality=_agreed(record.nationality for record in records),
        municipality_number=municipality,
        police_district=districts.get(municipality, ""),
        identified_this_year=_identified(record.identified_this_year for record in records),
        reflection_period=max((record.reflection_period for record in records), key=_APPLICATION_ORDER.index),
        temporary_residence=max((record.temporary_residence for record in records), key=_APPLICATION_ORDER.index),
        absconded_after_days=min(abscondings) if abscondings else None,
        form_of_exploitation=one_row({form for record in records for form in record.forms_of_exploitation}),
        organisation_kind=one_row({record.organisation_kind for record in records if record.organisation_kind}),
    )


def one_row(values: set[str]) -> str:
    """The row a person with these values is counted in: the one value, SEVERAL, or "" when none is known."""
    if len(values) > 1:
        return SEVERAL
    return next(iter(values), "")


def _identified(values: Iterable[bool | None]) -> bool | None:
    """Identified this year if any organisation says so, earlier if one says that, else not known."""
    known = [value for value in values if value is not None]
    return any(known) if known else None


def _agreed(values: Iterable[str]) -> str:
    counts = Counter(value for value in values if value)
    return counts.most_common(1)[0][0] if counts else ""


def _attributes(records: list[PersonRecord]) -> set[tuple[str, str]]:
    values: set[tuple[str, str]] = set()
    for record in records:
        values |= {(PersonAttribute.Kind.FORM, form) for form in record.forms_of_exploitation}
        values |= {(PersonAttribute.Kind.RIGHT_DELIVERED, right) for right in record.rights_delivered}
        if record.organisation_kind:
            values.add((PersonAttribute.Kind.ORGANISATION_KIND, record.organisation_kind))
    return values


def refresh_year(year: int, *, user: User | None = None) -> YearLinkage:
    """Rebuild the year's records from Vern's cases and link them with the uploaded files."""
    build_vern_contribution(year, user=user)
    return link_year(year)


def statistics_k() -> int:
    """The k of a record-level release when none is asked for: CTDC's 11, or the floor if it is set higher."""
    return max(K, settings.VERN_STATISTICS_MIN_K)


RELEASE_CACHE_SECONDS = 24 * 60 * 60


def htcds_release(year: int, k: int) -> KAnonymised:
    """The year's record-level release at k, made once per linkage of the year.

    Every page and download of the year is protected together with it, and k-anonymising
    a year of 10,000 persons takes about 5 seconds; the persons change only when the year
    is linked again, which gives the cached release a new key.
    """
    linked_at = YearLinkage.objects.filter(year=year).values_list("linked_at", flat=True).first()
    if linked_at is None:
        return htcds_export(htcds_records(year), k=k)
    key = f"national_statistics:htcds:{year}:{k}:{linked_at.isoformat()}"
    release: KAnonymised | None = cache.get(key)
    if release is None:
        release = htcds_export(htcds_records(year), k=k)
        cache.set(key, release, RELEASE_CACHE_SECONDS)
    return release


def htcds_records(year: int) -> list[dict[str, Any]]:
    """The persons of a year as disclosure.htcds statistics records, one per person."""
    attributes: dict[int, dict[str, list[str]]] = {}
    for person_id, kind, value in PersonAttribute.objects.filter(year=year).values_list("person_id", "kind", "value"):
        attributes.setdefault(person_id, {}).setdefault(kind, []).append(value)
    records = []
    for person in LinkedPerson.objects.filter(year=year).order_by("pk"):
        values = attributes.get(person.pk, {})
        kinds = values.get(PersonAttribute.Kind.ORGANISATION_KIND, [])
        records.append(
            {
                "year": year,
                "gender": person.gender or "unknown",
                "age": person.age,
                "age_group": person.age_group or "unknown",
                "nationality": person.nationality,
                "forms_of_exploitation": sorted(values.get(PersonAttribute.Kind.FORM, [])),
                "identifying_organisation_kind": kinds[0] if len(kinds) == 1 else "",
                "municipality": person.municipality_number,
            }
        )
    return records
