from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cases.views import open_case_or_404
from chain import decisions
from chain.access import may_record_decision
from chain.forms import DecisionForm
from chain.models import DecisionKind
from organisations.access import MemberRequest, membership_required
from organisations.models import Organisation


@membership_required
def record_decision(request: MemberRequest, code: str, kind_code: str) -> HttpResponse:
    """The organisation that decides records the date of its decision (UDI, the police, the lawyer)."""
    access = open_case_or_404(request, code)
    kind = get_object_or_404(DecisionKind.objects.select_related("deadline_rule"), code=kind_code)
    if access.case.track not in kind.tracks:
        raise Http404
    context: dict[str, Any] = {"case": access.case, "kind": kind}
    if not may_record_decision(access, request.membership, kind):
        labels = dict(Organisation.Kind.choices)
        context["deciders"] = [str(labels[k]) for k in kind.recorded_by if k in labels]
        return render(request, "chain/decision_refused.html", context, status=403)
    current = decisions.current_decision(access.case, kind)
    form = DecisionForm(request.POST or None, correcting=current is not None)
    if request.method == "POST" and form.is_valid():
        try:
            decisions.record_decision(
                access=access,
                membership=request.membership,
                kind=kind,
                decided_on=form.cleaned_data["decided_on"],
                correction_reason=form.cleaned_data.get("correction_reason", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded: %(decision)s.") % {"decision": kind.title})
            return redirect("cases:detail", code=code)
    return render(request, "chain/record_decision.html", context | {"form": form, "current": current})
