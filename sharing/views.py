from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import CaseAccess
from cases.views import open_case_or_404
from organisations.access import MemberRequest, membership_required
from sharing import services
from sharing.forms import ConsentForm, DisclosureForm, SharingForm


def _owned_case(request: MemberRequest, code: str) -> CaseAccess:
    access = open_case_or_404(request, code)
    if not access.can_edit:
        raise PermissionDenied
    return access


def _record_sharing(
    request: MemberRequest,
    code: str,
    *,
    form_class: type[SharingForm],
    record: Callable[..., object],
    template: str,
    success: str,
) -> HttpResponse:
    """One flow for both grounds of sharing: the form, the service, and a clear error on bad input."""
    access = _owned_case(request, code)
    # ?organisation= preselects the receiver (the meeting page links here for an organisation not shared with yet).
    initial = {"organisation": request.GET.get("organisation", "")}
    form = form_class(request.POST or None, case=access.case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record(access=access, membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect("cases:detail", code=code)
    return render(request, template, {"case": access.case, "form": form})


@membership_required
def consent_create(request: MemberRequest, code: str) -> HttpResponse:
    return _record_sharing(
        request,
        code,
        form_class=ConsentForm,
        record=services.record_consent,
        template="sharing/consent_form.html",
        success=_("The consent was recorded."),
    )


@require_POST
@membership_required
def consent_withdraw(request: MemberRequest, code: str, consent_id: int) -> HttpResponse:
    access = _owned_case(request, code)
    consent = get_object_or_404(access.case.consents, pk=consent_id)
    services.withdraw_consent(access=access, membership=request.membership, consent=consent)
    messages.success(request, _("The consent was withdrawn. The organisation no longer sees the information."))
    return redirect("cases:detail", code=code)


@membership_required
def disclosure_create(request: MemberRequest, code: str) -> HttpResponse:
    return _record_sharing(
        request,
        code,
        form_class=DisclosureForm,
        record=services.disclose,
        template="sharing/disclosure_form.html",
        success=_("The sharing under a legal basis was recorded."),
    )


@require_POST
@membership_required
def disclosure_end(request: MemberRequest, code: str, disclosure_id: int) -> HttpResponse:
    access = _owned_case(request, code)
    disclosure = get_object_or_404(access.case.disclosures, pk=disclosure_id)
    services.end_disclosure(access=access, membership=request.membership, disclosure=disclosure)
    messages.success(request, _("The sharing was ended."))
    return redirect("cases:detail", code=code)
