"""The coordinator's overview of one municipality: where each case is, and where it is stuck.

Counts cover every case in the municipality — they say nothing about a person.
A case is named (by its pseudonym code, as a link) only to a coordinator whose
organisation may see it (cases.access.visible_cases); otherwise the row shows the
owning organisation, so the coordinator knows whom to call.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from cases.access import sees_row_case
from cases.models import Case
from chain.extensions import OverviewPanel, overview_panels
from chain.models import CaseStep, Deadline
from organisations.models import Membership, Municipality, Organisation

LISTED = 100  # rows listed per table; the counts cover all
COMPLETED_WINDOW = timedelta(days=365)  # "median when done" covers steps finished in the last year


def _median(durations: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=median(d.total_seconds() for d in durations)) if durations else None


@dataclass
class StepRow:
    track: str
    order: int
    code: str
    title: str
    waiting: list[timedelta] = field(default_factory=list)
    completed: list[timedelta] = field(default_factory=list)

    @property
    def cases_now(self) -> int:
        return len(self.waiting)

    @property
    def median_now(self) -> timedelta | None:
        return _median(self.waiting)

    @property
    def longest_now(self) -> timedelta | None:
        return max(self.waiting) if self.waiting else None

    @property
    def median_completed(self) -> timedelta | None:
        return _median(self.completed)


@dataclass(frozen=True)
class Overview:
    municipality: Municipality
    steps: list[StepRow]
    unassigned: Sequence[CaseStep]
    unassigned_count: int
    overdue: Sequence[Deadline]
    overdue_count: int
    panels: Sequence[OverviewPanel]  # from the apps above the chain (chain.extensions)
    cases_without_chain: int
    open_cases: int


def _step_rows(municipality: Municipality, now: datetime) -> list[StepRow]:
    rows: dict[tuple[str, str], StepRow] = {}
    # Steps in progress, and those finished in the last year: the page reads a year's work, not all history.
    steps = CaseStep.objects.filter(
        Q(status=CaseStep.Status.ACTIVE) | Q(status=CaseStep.Status.DONE, done_at__gte=now - COMPLETED_WINDOW),
        case__municipality=municipality,
    ).values_list(
        "case__track",
        "step__order",
        "step__code",
        "step__title_nb",
        "step__title_en",
        "status",
        "started_at",
        "done_at",
    )
    english = (get_language() or "nb").startswith("en")
    for track, order, code, title_nb, title_en, status, started_at, done_at in steps.iterator(chunk_size=5000):
        row = rows.get((track, code))
        if row is None:
            row = rows[(track, code)] = StepRow(track, order, code, title_en if english else title_nb)
        if started_at is None:
            continue
        if status == CaseStep.Status.ACTIVE:
            row.waiting.append(now - started_at)
        elif done_at is not None:
            row.completed.append(done_at - started_at)
    return sorted(rows.values(), key=lambda row: (row.track, row.order))


def _offer_candidates(unassigned: Sequence[CaseStep], municipality: Municipality) -> None:
    """Each step's candidates, for the coordinator to choose from (chain.services.candidates), in one query."""
    of_kind: dict[str, list[Organisation]] = defaultdict(list)
    kinds = {case_step.step.responsible_kind for case_step in unassigned if case_step.step.responsible_kind}
    if kinds:
        for organisation in Organisation.objects.filter(
            municipality=municipality, kind__in=kinds, is_active=True
        ).order_by("name", "pk"):
            of_kind[organisation.kind].append(organisation)
    for case_step in unassigned:
        named = case_step.step.responsible_organisation
        case_step.candidates = [named] if named is not None else of_kind[case_step.step.responsible_kind]  # type: ignore[attr-defined]


def overview(*, membership: Membership, municipality: Municipality, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    open_cases: QuerySet[Case] = Case.objects.filter(municipality=municipality).exclude(chain__ended_at__isnull=False)
    unassigned_steps = CaseStep.objects.filter(
        case__municipality=municipality, status=CaseStep.Status.ACTIVE, responsible=None
    )
    unassigned = list(
        unassigned_steps.select_related("case__owner", "step__responsible_organisation")
        .annotate(visible=sees_row_case(membership))
        .order_by("started_at")[:LISTED]
    )
    _offer_candidates(unassigned, municipality)
    overdue_deadlines = Deadline.objects.filter(case__municipality=municipality, done_at=None, due_at__lt=now)
    overdue = list(
        overdue_deadlines.select_related("case", "rule", "organisation")
        .annotate(visible=sees_row_case(membership))
        .order_by("due_at")[:LISTED]
    )
    return Overview(
        municipality=municipality,
        steps=_step_rows(municipality, now),
        unassigned=unassigned,
        unassigned_count=unassigned_steps.count(),
        overdue=overdue,
        overdue_count=overdue_deadlines.count(),
        panels=overview_panels(membership, municipality),
        cases_without_chain=Case.objects.filter(municipality=municipality, chain=None).count(),
        open_cases=open_cases.count(),
    )
