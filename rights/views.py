from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cases.access import visible_cases
from cases.models import Case
from cases.views import open_case_or_404
from organisations.access import MemberRequest, membership_required
from organisations.models import Membership, Organisation
from rights import services
from rights.access import may_record_right
from rights.forms import CaseRightForm, GapForm

COORDINATING_ROLES = (Membership.Role.COORDINATOR, Membership.Role.ORG_ADMIN, Membership.Role.SYSTEM_ADMIN)
DEFAULT_GAP_DAYS = 14


@membership_required
def edit_case_right(request: MemberRequest, code: str, right_code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    case_right = get_object_or_404(access.case.rights.select_related("right"), right__code=right_code)
    if not may_record_right(access, request.membership, case_right.right):
        kinds = dict(Organisation.Kind.choices)
        providers = [str(kinds[kind]) for kind in case_right.right.provided_by if kind in kinds]
        context = {"case": access.case, "case_right": case_right, "providers": providers}
        return render(request, "rights/refused.html", context, status=403)
    can_decline = not (access.case.track == Case.Track.CHILD and case_right.right.child_cannot_decline)
    initial = {
        "status": case_right.status,
        "offered_on": case_right.offered_on,
        "delivered_on": case_right.delivered_on,
        "declined_on": case_right.declined_on,
        "note": case_right.note,
    }
    form = CaseRightForm(request.POST or None, initial=initial, can_decline=can_decline)
    if request.method == "POST" and form.is_valid():
        data = {"declined_on": None} | form.cleaned_data
        try:
            services.update_case_right(case_right=case_right, membership=request.membership, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The right was updated."))
            return redirect("cases:detail", code=code)
    return render(request, "rights/edit.html", {"case": access.case, "case_right": case_right, "form": form})


@membership_required
def gap_view(request: MemberRequest) -> HttpResponse:
    """For coordinators: cases where a right is still missing after a number of days."""
    if request.membership.role not in COORDINATING_ROLES:
        raise PermissionDenied
    form = GapForm(request.GET or None)
    days = DEFAULT_GAP_DAYS
    if form.is_valid() and form.cleaned_data["days"] is not None:
        days = form.cleaned_data["days"]
    gaps = services.gaps(
        cases=visible_cases(request.membership), days=days, organisation=request.membership.organisation
    )
    return render(request, "rights/gaps.html", {"form": form, "gaps": gaps, "days": days})


@membership_required
def summary(request: MemberRequest) -> HttpResponse:
    if request.membership.role not in COORDINATING_ROLES:
        raise PermissionDenied
    rows = services.delivery_summary(organisation=request.membership.organisation)
    return render(request, "rights/summary.html", {"rows": rows})
