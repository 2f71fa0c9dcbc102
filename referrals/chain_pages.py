"""What referrals add to the chain's pages (chain.extensions): hand-overs not accepted, on the coordinators'
overview."""

from django.utils.translation import gettext as _

from cases.access import sees_row_case
from chain.extensions import OverviewPanel
from chain.overview import LISTED
from organisations.models import Membership, Municipality
from referrals.models import Referral


def pending_handovers_panel(membership: Membership, municipality: Municipality) -> OverviewPanel:
    """Hand-overs the receiver has not accepted: the sender is still responsible, and the coordinator should know."""
    pending = list(
        Referral.objects.filter(
            case__municipality=municipality, kind=Referral.Kind.HANDOVER, status=Referral.Status.PENDING
        )
        .select_related("case", "from_organisation", "to_organisation")
        .annotate(visible=sees_row_case(membership))
        .order_by("created_at")[:LISTED]
    )
    return OverviewPanel(
        testid="handover-count",
        count=len(pending),
        label=_("hand-overs not accepted"),
        section_template="referrals/_overview_handovers.html",
        section={"pending_handovers": pending},
    )
