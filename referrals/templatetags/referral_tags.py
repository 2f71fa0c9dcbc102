from typing import Any

from django import template

from cases.access import CaseAccess
from organisations.models import Membership
from referrals.models import Referral
from referrals.services import feedback_for_case

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html")
def case_referrals_sent(access: CaseAccess, membership: Membership) -> dict[str, Any]:
    """What the member's organisation sent of this case and how it went: the answer, its reason and the step the
    case has reached — also after a hand-over, when the organisation only follows the case (no personal data)."""
    sent = [] if access.must_break_glass else feedback_for_case(access.case, membership)
    return {
        "access": access,
        "case": access.case,
        "sent": sent,
        "handover": Referral.Kind.HANDOVER,
        "accepted": Referral.Status.ACCEPTED,
    }
