import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from audit.services import subject_access_report
from audit.services import who_has_seen as log_entries_for
from cases import services
from cases.access import (
    ASSIGNING_ROLES,
    GLASS_SECONDS,
    CaseAccess,
    assignable_members,
    get_case_for,
    listed_cases,
    may_assign,
    may_protect,
    owned_case_for_log_review,
    visible_events,
    writable_progress_groups,
)
from cases.fields import GROUP_FORMS, display_rows
from cases.forms import (
    BreakGlassForm,
    ChangeTrackForm,
    CreateCaseForm,
    FindCaseForm,
    OpenCaseForm,
    ProgressEntryForm,
    ProtectForm,
    VersionForm,
)
from cases.glass import ground_named
from cases.models import Case, CaseAssignment, FieldGroup
from organisations.access import MemberRequest, membership_required

GLASS_SESSION_KEY = "vern_glass_broken"


def _glass_broken(request: MemberRequest, code: str) -> bool:
    return request.session.get(GLASS_SESSION_KEY, {}).get(code, 0) > time.time()


def case_access(request: MemberRequest, code: str) -> CaseAccess:
    return get_case_for(request.membership, code, glass_broken=_glass_broken(request, code))


@membership_required
def case_list(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    cases = listed_cases(membership).select_related("owner", "municipality").order_by("-created_at")
    mine = request.GET.get("mine") == "1"
    if mine:
        cases = cases.filter(
            assignments__user_id=membership.user_id, assignments__organisation_id=membership.organisation_id
        )
    # Who holds what: the organisation's own assigned members, in one query for the whole page.
    cases = cases.prefetch_related(
        Prefetch(
            "assignments",
            queryset=CaseAssignment.objects.filter(organisation_id=membership.organisation_id)
            .select_related("user")
            .order_by("assigned_at", "pk"),
            to_attr="own_assignments",
        )
    )
    # A search is POSTed: a name or date of birth must never end up in a URL, a log or browser history.
    find_form = FindCaseForm(request.POST or None)
    status = 200
    listed: QuerySet[Case] | list[Case] = cases
    if find_form.is_bound and find_form.is_valid():
        birth_date = find_form.cleaned_data["birth_date"]
        try:
            listed = services.search_by_identity(
                membership=membership,
                cases=cases,
                name=find_form.cleaned_data["name"],
                birth_date=birth_date.isoformat() if birth_date else "",
            )
        except services.SearchLimitReached as limit:
            find_form.add_error(None, limit)
            status = 429
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    context = {"page": page, "find_form": find_form, "open_form": OpenCaseForm(), "mine": mine}
    return render(request, "cases/list.html", context, status=status)


@membership_required
def open_by_code(request: MemberRequest) -> HttpResponse:
    """To the case with the code typed: its page answers as for any link (404, or the glass to break)."""
    form = OpenCaseForm(request.GET)
    if not form.is_valid():
        messages.error(request, str(form.errors["code"][0]))
        return redirect("cases:list")
    return redirect("cases:detail", code=form.cleaned_data["code"])


@membership_required
def case_create(request: MemberRequest) -> HttpResponse:
    if not request.membership.works_on_cases:
        raise PermissionDenied
    initial = {"municipality": request.membership.organisation.municipality}
    form = CreateCaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        case = services.create_case(membership=request.membership, municipality=form.cleaned_data["municipality"])
        messages.success(request, _("Case %(code)s was created.") % {"code": case.code})
        return redirect("cases:edit_group", code=case.code, group=FieldGroup.IDENTITY)
    return render(request, "cases/create.html", {"form": form})


@membership_required
def case_detail(request: MemberRequest, code: str) -> HttpResponse:
    access = case_access(request, code)
    if access.must_break_glass:
        return redirect("cases:break_glass", code=code)
    data = services.read_field_groups(access=access, membership=request.membership)
    groups = [
        (value, label, display_rows(value, data[value]) if value in data else None)
        for value, label in FieldGroup.choices
        if value in access.groups
    ]
    context = {
        "access": access,
        "case": access.case,
        "groups": groups,
        "events": visible_events(access, request.membership.organisation)[:50],
        "may_protect": may_protect(request.membership, access),
        "progress": services.read_progress_entries(access=access, membership=request.membership),
        "progress_on_page": services.PROGRESS_ON_PAGE,
        "progress_form": ProgressEntryForm(groups=writable_progress_groups(access), auto_id="progress_%s"),
        **_assignment_context(request, access),
    }
    context["deadlines"] = access.case.deadlines.filter(done_at__isnull=True).select_related("rule", "organisation")
    if access.can_edit:
        context["consents"] = access.case.consents.select_related("organisation").order_by("-recorded_at")
        context["disclosures"] = access.case.disclosures.select_related("organisation", "legal_basis").order_by(
            "-created_at"
        )
    return render(request, "cases/detail.html", context)


def _assignment_context(request: MemberRequest, access: CaseAccess) -> dict[str, object]:
    """Who in the member's own organisation holds the case, and whom a coordinator may give it to."""
    membership = request.membership
    assignments = list(
        CaseAssignment.objects.filter(case=access.case, organisation_id=membership.organisation_id)
        .select_related("user")
        .order_by("assigned_at", "pk")
    )
    context: dict[str, object] = {"assignments": assignments, "may_assign": may_assign(membership, access)}
    if context["may_assign"]:
        assigned = {assignment.user_id for assignment in assignments}
        members = list(assignable_members(membership.organisation))
        context["assignable"] = [member for member in members if member.user_id not in assigned]
        context["colleagues"] = members
    else:
        # A coordinator who sees the case by a sharing alone is told why there is nothing to press.
        context["no_role"] = membership.role in ASSIGNING_ROLES
    return context


@membership_required
def edit_group(request: MemberRequest, code: str, group: str) -> HttpResponse:
    access = case_access(request, code)
    if group not in GROUP_FORMS or access.must_break_glass:
        raise Http404
    if not access.can_edit or group not in access.groups:
        raise PermissionDenied
    form_class = GROUP_FORMS[group]
    if request.method == "POST":
        form = form_class(request.POST)
        version_form = VersionForm(request.POST)
        if form.is_valid() and version_form.is_valid():
            try:
                services.save_field_group(
                    access=access,
                    membership=request.membership,
                    group=group,
                    data=form.cleaned_json(),
                    expected_version=version_form.cleaned_data["version"],
                )
            except services.StaleCaseError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The information was saved."))
                return redirect("cases:detail", code=code)
    else:
        stored = services.read_field_groups(access=access, membership=request.membership).get(group, {})
        form = form_class(initial=form_class.initial_from(stored))
        version_form = VersionForm(initial={"version": access.case.version})
    context = {"case": access.case, "form": form, "version_form": version_form, "group_label": FieldGroup(group).label}
    return render(request, "cases/edit_group.html", context)


@membership_required
def protect(request: MemberRequest, code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    if not may_protect(request.membership, access):
        raise PermissionDenied
    members = User.objects.filter(memberships__organisation=request.membership.organisation).order_by("first_name")
    named = access.case.protected_access.values_list("user_id", flat=True)
    form = ProtectForm(
        request.POST or None,
        members=members,
        initial={"protected": access.case.is_protected, "named_users": list(named)},
    )
    if request.method == "POST" and form.is_valid():
        services.set_protection(
            access=access,
            membership=request.membership,
            protected=form.cleaned_data["protected"],
            named_users=form.cleaned_data["named_users"],
        )
        messages.success(request, _("The protection of the case was updated."))
        return redirect("cases:detail", code=code)
    return render(request, "cases/protect.html", {"case": access.case, "form": form})


def open_case_or_404(request: MemberRequest, code: str) -> CaseAccess:
    access = case_access(request, code)
    if access.must_break_glass:
        raise Http404
    if access.follow_up:
        # Rule 6: an organisation that handed the case over reads its way on the case page, and writes nothing.
        raise PermissionDenied
    return access


@membership_required
def break_glass(request: MemberRequest, code: str) -> HttpResponse:
    access = case_access(request, code)
    if not access.must_break_glass:
        return redirect("cases:detail", code=code)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.break_the_glass(
            access=access,
            membership=request.membership,
            ground=ground_named(form.cleaned_data["ground"]),
            explanation=form.cleaned_data["explanation"],
        )
        broken = request.session.get(GLASS_SESSION_KEY, {})
        request.session[GLASS_SESSION_KEY] = {**broken, code: time.time() + GLASS_SECONDS}
        return redirect("cases:detail", code=code)
    return render(request, "cases/break_glass.html", {"case": access.case, "form": form})


@membership_required
def who_has_seen(request: MemberRequest, code: str) -> HttpResponse:
    """For the owner: every read of this person's data, and the report the person may ask for.

    The owner's data protection officer and admins open it from the log review without opening the case."""
    case = owned_case_for_log_review(request.membership, code)
    if case is None:
        access = open_case_or_404(request, code)
        if not access.can_edit:
            raise PermissionDenied
        case = access.case
    context = {
        "case": case,
        "entries": log_entries_for(case=case)[:500],
        "report": subject_access_report(case=case),
    }
    return render(request, "cases/who_has_seen.html", context)


def _posted_user(request: MemberRequest, name: str, *, holding: str = "") -> User | None:
    """The user a form names by id; only a member of the acting organisation is ever found — or, with
    `holding` (a case code), someone the organisation has assigned to that case, who may have left it since."""
    value = request.POST.get(name, "")
    if not value.isdigit() or len(value) > 18:
        return None
    organisation = request.membership.organisation
    if holding:
        users = User.objects.filter(case_assignments__organisation=organisation, case_assignments__case__code=holding)
    else:
        users = User.objects.filter(memberships__organisation=organisation)
    return users.filter(pk=int(value)).first()


def _assignment_case(request: MemberRequest, code: str) -> CaseAccess:
    """404 for a case the member cannot open, 403 for a member who never assigns; an organisation without a
    role in the case is told why (`refusal`) before its input is even read."""
    access = open_case_or_404(request, code)
    if request.membership.role not in ASSIGNING_ROLES:
        raise PermissionDenied
    return access


def _refusal(request: MemberRequest, access: CaseAccess) -> str:
    try:
        services.check_may_assign(access.case, request.membership)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _back_to_assignments(code: str) -> HttpResponse:
    return redirect(reverse("cases:detail", args=[code]) + "#assignment-heading")


@require_POST
@membership_required
def assign(request: MemberRequest, code: str) -> HttpResponse:
    access = _assignment_case(request, code)
    if refusal := _refusal(request, access):
        messages.error(request, refusal)
        return _back_to_assignments(code)
    user = _posted_user(request, "user")
    if user is None:
        messages.error(request, _("Choose a caseworker, coordinator or administrator of your own organisation."))
        return _back_to_assignments(code)
    try:
        services.assign_member(access=access, membership=request.membership, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(member)s was assigned to the case.") % {"member": user})
    return _back_to_assignments(code)


@require_POST
@membership_required
def unassign(request: MemberRequest, code: str) -> HttpResponse:
    access = _assignment_case(request, code)
    if refusal := _refusal(request, access):
        messages.error(request, refusal)
        return _back_to_assignments(code)
    user = _posted_user(request, "user", holding=code)
    if user is None:
        messages.error(request, _("Choose a member of your organisation who is assigned to the case."))
        return _back_to_assignments(code)
    try:
        anyone_left = services.unassign_member(access=access, membership=request.membership, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to_assignments(code)
    messages.success(request, _("%(member)s is no longer assigned to the case.") % {"member": user})
    if not anyone_left:
        messages.warning(
            request,
            _(
                "Nobody in your organisation holds the case now. Coordinators and administrators still see it: "
                "assign a member so that someone follows it up."
            ),
        )
    return _back_to_assignments(code)


@require_POST
@membership_required
def move_assignment(request: MemberRequest, code: str) -> HttpResponse:
    """Absence: give the case to a colleague in place of the member who holds it."""
    access = _assignment_case(request, code)
    if refusal := _refusal(request, access):
        messages.error(request, refusal)
        return _back_to_assignments(code)
    from_user, to_user = _posted_user(request, "user", holding=code), _posted_user(request, "to")
    if from_user is None or to_user is None:
        messages.error(request, _("Choose the member who holds the case and the colleague who takes it over."))
        return _back_to_assignments(code)
    try:
        services.move_assignment(access=access, membership=request.membership, from_user=from_user, to_user=to_user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case was moved from %(from)s to %(to)s.") % {"from": from_user, "to": to_user})
    return _back_to_assignments(code)


@membership_required
def change_track(request: MemberRequest, code: str) -> HttpResponse:
    """Moving between the adult and child tracks is an explicit, logged decision with a reason."""
    access = open_case_or_404(request, code)
    if not access.can_edit:
        raise PermissionDenied
    form = ChangeTrackForm(request.POST or None, initial={"track": access.case.track})
    if request.method == "POST" and form.is_valid():
        services.change_track(
            access=access,
            membership=request.membership,
            track=form.cleaned_data["track"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("The track was changed."))
        return redirect("cases:detail", code=code)
    return render(request, "cases/change_track.html", {"case": access.case, "form": form})


@membership_required
def write_progress(request: MemberRequest, code: str) -> HttpResponse:
    """A member writes their organisation's part of the case; a refusal comes back with their text kept."""
    access = open_case_or_404(request, code)
    groups = writable_progress_groups(access)
    form = ProgressEntryForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            services.write_progress_entry(
                access=access,
                membership=request.membership,
                group=form.cleaned_data["group"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The progress entry was saved."))
            return redirect(reverse("cases:detail", args=[code]) + "#progress-heading")
    return render(request, "cases/progress_form.html", {"case": access.case, "form": form})
