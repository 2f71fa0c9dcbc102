"""What the learning log adds to the chain's pages (chain.extensions): routines on a case's steps, open
escalations on the coordinators' overview."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from chain.extensions import OverviewPanel, StepLink
from learning.services import open_escalations, routines_by_step
from organisations.models import Membership, Municipality


def routine_links(case: Case, membership: Membership) -> dict[str, list[StepLink]]:
    # Routines are read by the municipality's own members (learning.access).
    if membership.organisation.municipality_id != case.municipality_id:
        return {}
    return {
        code: [
            StepLink(
                label=_("Routine: %(title)s") % {"title": routine.title},
                url=reverse("learning:routine", args=[routine.pk]),
            )
            for routine in routines
        ]
        for code, routines in routines_by_step(case.municipality).items()
    }


def escalations_panel(membership: Membership, municipality: Municipality) -> OverviewPanel:
    return OverviewPanel(
        testid="escalation-count",
        count=open_escalations(municipality).count(),
        label=_("open escalations"),
        link=reverse("learning:escalations"),
    )
