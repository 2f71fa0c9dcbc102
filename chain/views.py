from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.views import open_case_or_404
from chain import services
from chain.forms import BoardForm, DeadlineForm
from chain.models import Deadline
from organisations.access import MemberRequest, membership_required
from organisations.models import Membership


@membership_required
def deadlines_board(request: MemberRequest) -> HttpResponse:
    """Overdue, due today, due this week: for the organisation, or only the member's own."""
    if request.membership.role == Membership.Role.STATISTICIAN:
        raise PermissionDenied
    form = BoardForm(request.GET or None)
    mine = bool(form.is_valid() and form.cleaned_data["mine"])
    board = services.board(membership=request.membership, mine=mine)
    return render(request, "chain/board.html", {"form": form, "board": board})


@membership_required
def add_deadline(request: MemberRequest, code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deadline = services.set_deadline(
            access=access,
            membership=request.membership,
            rule=form.cleaned_data["rule"],
            start=form.cleaned_data["start"],
        )
        messages.success(request, _("The deadline is set: %(rule)s.") % {"rule": deadline.label})
        return redirect("cases:detail", code=code)
    return render(request, "chain/add_deadline.html", {"case": access.case, "form": form})


@require_POST
@membership_required
def complete_deadline(request: MemberRequest, pk: int) -> HttpResponse:
    deadline = get_object_or_404(Deadline, pk=pk, organisation_id=request.membership.organisation_id)
    open_case_or_404(request, deadline.case.code)
    services.complete_deadline(deadline=deadline, membership=request.membership)
    messages.success(request, _("The deadline is marked as done."))
    return redirect("chain:board")
