"""Fictional identification work for the demo: the rights tracker of every small-demo case
filling in over time, anonymous contacts from screenings, and a child welfare notification.

Deterministic for a seed. Only for the demo's own cases (scale 1 ones): national volume
for benchmarks does not need it.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from organisations.models import Membership, Organisation
from rights.models import CaseRight
from rights.services import ensure_case_rights
from screening.models import ChildWelfareNotification, Screening
from screening.services import active_catalogue, responsible_child_welfare

# (form of exploitation, gender, possibly minor, stated age, outcome)
CONTACTS = [
    ("labour_car_wash", "male", "no", 34, "confirmed_no_help"),
    ("begging", "female", "no", 41, "concern_strengthened"),
    ("labour_cleaning", "female", "no", 29, "concern_weakened"),
    ("sexual", "female", "unknown", None, "confirmed_no_help"),
    ("labour_construction", "male", "no", 38, "not_trafficking"),
    ("criminality_drugs", "male", "unknown_with_reason", None, "concern_strengthened"),
]


@dataclass(frozen=True)
class IdentificationResult:
    case_rights: int
    screenings: int


@transaction.atomic
def seed_identification(*, seed: int, case_limit: int = 50) -> IdentificationResult:
    # Deterministic fictional demo data; not used for anything secret.
    rng = random.Random(seed)  # nosec B311
    today = timezone.localdate()
    cases = list(Case.objects.order_by("pk")[:case_limit])
    for case in cases:
        ensure_case_rights(case=case)
        age_days = max((today - timezone.localtime(case.created_at).date()).days, 0)
        for case_right in CaseRight.objects.filter(case=case).select_related("right"):
            _advance(case_right, rng=rng, age_days=age_days, owner=case.owner)
    screenings = _contacts(rng)
    return IdentificationResult(CaseRight.objects.filter(case__in=cases).count(), screenings)


def _advance(case_right: CaseRight, *, rng: random.Random, age_days: int, owner: Organisation) -> None:
    """Older cases have more rights offered and delivered; some are still missing (the gap view)."""
    if age_days < 2 or rng.random() < 0.3:
        return
    today = timezone.localdate()
    offered = today - timedelta(days=rng.randint(1, age_days))
    case_right.offered_on = offered
    case_right.organisation = owner
    if rng.random() < 0.6:
        case_right.status = CaseRight.Status.DELIVERED
        case_right.delivered_on = offered + timedelta(days=rng.randint(0, (today - offered).days))
    else:
        case_right.status = CaseRight.Status.OFFERED
    case_right.save()


def _contacts(rng: random.Random) -> int:
    """Screenings at street outreach and NGOs that ended without a case: anonymous contacts."""
    version = active_catalogue()
    workers = list(
        Membership.objects.filter(
            organisation__kind__in=[Organisation.Kind.STREET_OUTREACH, Organisation.Kind.NGO_PROJECT],
            organisation__municipality__number__in=["0301", "4601"],
            role=Membership.Role.CASEWORKER,
        ).select_related("organisation__municipality")
    )
    if not workers or Screening.objects.filter(worker__in=[w.user_id for w in workers]).exists():
        return 0
    created = 0
    for form, gender, minor, age, outcome in CONTACTS:
        worker = rng.choice(workers)
        indicators = list(version.indicators.filter(form__in=[form, "general"]).values_list("code", flat=True))
        finished = timezone.now() - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
        screening = Screening.objects.create(
            organisation=worker.organisation,
            worker_id=worker.user_id,
            version=version,
            status=Screening.Status.COMPLETED,
            completed_at=finished,
            acute_danger=False,
            possibly_minor=minor,
            stated_age=age,
            gender=gender,
            municipality=worker.organisation.municipality,
            forms=[form],
            indicators=rng.sample(indicators, k=min(3, len(indicators))),
            alone=rng.random() < 0.5,
            outcome=outcome,
            track="child" if minor == "unknown_with_reason" else "adult",
        )
        if screening.track == "child":
            service, out_of_hours = responsible_child_welfare(municipality=screening.municipality, moment=finished)
            ChildWelfareNotification.objects.create(
                screening=screening,
                from_organisation=worker.organisation,
                to_organisation=service,
                out_of_hours=out_of_hours,
            )
        created += 1
    return created
