from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from cases.access import ASSIGNING_ROLES, assignable_members
from cases.models import FieldGroup
from cases.views import open_case_or_404
from chain.models import CaseStep
from organisations.access import MemberRequest, membership_required
from referrals import services
from referrals.forms import DeclineForm, HandOverForm, ReferralForm
from referrals.models import Referral
from sharing.models import Consent


def _open_step(request: MemberRequest, code: str) -> CaseStep | None:
    step_code = request.GET.get("step", "")
    if not step_code:
        return None
    return (
        CaseStep.objects.select_related("step__responsible_organisation")
        .filter(case__code=code, step__code=step_code)
        .first()
    )


def _send(request: MemberRequest, code: str, *, handover: bool) -> HttpResponse:
    access = open_case_or_404(request, code)
    if not access.can_edit:
        raise PermissionDenied
    case_step = _open_step(request, code)
    form_class = HandOverForm if handover else ReferralForm
    form = form_class(request.POST or None, case=access.case, case_step=case_step)
    context = {"case": access.case, "form": form, "case_step": case_step, "handover": handover}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        arguments = {
            "access": access,
            "membership": request.membership,
            "to": data["to"],
            "case_step": case_step,
            "purpose": data["purpose"],
            "field_groups": data["field_groups"],
            "ground": form.sharing_ground(),
            "precondition_reason": form.reason_to_send_now(),
            "submission_key": data["submission_key"],
        }
        confirmed = request.POST.get("confirmed", "")
        try:
            if handover and confirmed != "yes":
                # A hand-over is shown before it goes: the receiver, exactly the information, the ground.
                services.check_precondition(
                    access=access, membership=request.membership, case_step=case_step, reason=form.reason_to_send_now()
                )
                if confirmed != "change":
                    return render(request, "referrals/confirm_handover.html", context | _summary(data))
                return render(request, "referrals/send.html", context)
            (services.hand_over if handover else services.refer)(**arguments)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Sent to %(organisation)s. You will see here when they answer.") % {"organisation": data["to"].name},
            )
            return redirect("cases:detail", code=code)
    return render(request, "referrals/send.html", context)


def _summary(data: dict[str, Any]) -> dict[str, object]:
    """What the confirmation page lists: the groups that go, those that do not, the form of consent."""
    chosen = set(data["field_groups"])
    return {
        "sent": [label for value, label in FieldGroup.choices if value in chosen],
        "not_sent": [value for value in FieldGroup.values if value not in chosen],
        "consent_form": dict(Consent.Form.choices).get(data.get("consent_form") or "", ""),
    }


@membership_required
def refer(request: MemberRequest, code: str) -> HttpResponse:
    return _send(request, code, handover=False)


@membership_required
def hand_over(request: MemberRequest, code: str) -> HttpResponse:
    return _send(request, code, handover=True)


@membership_required
def inbox(request: MemberRequest) -> HttpResponse:
    """Referrals to answer and the answers to the ones sent: the feedback first responders ask for."""
    if not request.membership.works_on_cases:
        raise PermissionDenied
    incoming = list(services.incoming(request.membership).order_by("-created_at")[:200])
    context = {
        # A coordinator or admin accepting names the colleague who works on the case; anyone else takes it.
        "caseworkers": list(assignable_members(request.membership.organisation))
        if request.membership.role in ASSIGNING_ROLES
        else [],
        "pending": [referral for referral in incoming if referral.status == Referral.Status.PENDING],
        "answered": [referral for referral in incoming if referral.status != Referral.Status.PENDING],
        "outgoing": services.outgoing(request.membership),
    }
    return render(request, "referrals/inbox.html", context)


def _received(request: MemberRequest, pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.select_related("case", "from_organisation", "case_step__step"),
        pk=pk,
        to_organisation_id=request.membership.organisation_id,
    )


@require_POST
@membership_required
def accept(request: MemberRequest, pk: int) -> HttpResponse:
    referral = _received(request, pk)
    caseworker = _caseworker(request)
    if caseworker is None:
        messages.error(request, _("Choose a caseworker, coordinator or administrator of your own organisation."))
        return redirect("referrals:inbox")
    try:
        services.accept(referral=referral, membership=request.membership, caseworker=caseworker)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("referrals:inbox")
    messages.success(
        request,
        _("Accepted. Your organisation is now responsible, and %(member)s works on the case.") % {"member": caseworker},
    )
    return redirect("cases:detail", code=referral.case.code)


def _caseworker(request: MemberRequest) -> User | None:
    """The member named to work on the accepted case: by default the one accepting."""
    value = request.POST.get("caseworker", "")
    if not value:
        return request.membership.user
    if not value.isdigit() or len(value) > 18:
        return None
    member = assignable_members(request.membership.organisation).filter(user_id=int(value)).first()
    return member.user if member else None


@membership_required
def decline(request: MemberRequest, pk: int) -> HttpResponse:
    referral = _received(request, pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline(referral=referral, membership=request.membership, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Declined. The sender has been told why."))
            return redirect("referrals:inbox")
    return render(request, "referrals/decline.html", {"referral": referral, "form": form})


@require_POST
@membership_required
def ask_access(request: MemberRequest, pk: int) -> HttpResponse:
    """The organisation that handed the case over asks the new owner for continued access by consent."""
    referral = get_object_or_404(
        Referral.objects.select_related("case"), pk=pk, from_organisation_id=request.membership.organisation_id
    )
    try:
        services.ask_for_continued_access(referral=referral, membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("referrals:inbox")
    messages.success(
        request,
        _("%(organisation)s has been asked. You will see the information once they record the person's consent.")
        % {"organisation": referral.to_organisation.name},
    )
    return redirect("cases:detail", code=referral.case.code)


@require_POST
@membership_required
def withdraw(request: MemberRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(Referral, pk=pk, from_organisation_id=request.membership.organisation_id)
    try:
        services.withdraw(referral=referral, membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The referral was withdrawn and its sharing ended."))
    return redirect("referrals:inbox")
