"""The chain template editor, and moving a case to another version of its chain (rules in chain.editor)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.views import open_case_or_404
from chain import editor
from chain.access import coordinated_municipalities, coordinates_any
from chain.editor_forms import CopyTemplateForm, MoveCaseForm, StepForm, TemplateTitleForm
from chain.models import CaseChain, ChainStep, ChainTemplate
from organisations.access import MemberRequest, membership_required


def _refused(request: MemberRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _editable_template(request: MemberRequest, pk: int) -> ChainTemplate:
    """A template the member may change: 403 for one of a municipality they do not coordinate."""
    template = editor.get_template_for(request.membership, pk)
    if not editor.may_edit(request.membership, template):
        raise PermissionDenied
    return template


def _draft_or_refusal(request: MemberRequest, pk: int) -> ChainTemplate | HttpResponse:
    template = _editable_template(request, pk)
    if template.status != ChainTemplate.Status.DRAFT:
        messages.error(request, _("An active or retired version cannot be changed: make a new version to edit it."))
        return redirect("chain:template_detail", pk=pk)
    return template


@membership_required
def template_list(request: MemberRequest) -> HttpResponse:
    """The templates of the municipalities the member coordinates, and other municipalities' to copy from."""
    if not coordinates_any(request.membership):
        raise PermissionDenied
    municipalities = coordinated_municipalities(request.membership)
    context = {
        "templates": editor.templates_of(municipalities),
        "others": editor.templates_to_copy_from(municipalities),
    }
    return render(request, "chain/editor/list.html", context)


@membership_required
def template_detail(request: MemberRequest, pk: int) -> HttpResponse:
    template = editor.get_template_for(request.membership, pk)
    steps = editor.ordered_steps(template)
    versions = list(editor.versions_of(template))
    context = {
        "template": template,
        "rows": [(step, editor.step_problems(step)) for step in steps],
        "problems": editor.template_problems(steps),
        "versions": versions,
        "draft": next((version for version in versions if version.status == ChainTemplate.Status.DRAFT), None),
        "running_cases": editor.running_cases(template),
        "may_edit": editor.may_edit(request.membership, template),
    }
    return render(request, "chain/editor/detail.html", context)


@require_POST
@membership_required
def template_new_version(request: MemberRequest, pk: int) -> HttpResponse:
    template = _editable_template(request, pk)
    try:
        draft = editor.new_version(template=template, membership=request.membership)
    except ValidationError as error:
        _refused(request, error)
        return redirect("chain:template_detail", pk=pk)
    messages.success(
        request, _("Version %(version)s is a draft: edit it, then activate it.") % {"version": draft.version}
    )
    return redirect("chain:template_detail", pk=draft.pk)


@membership_required
def template_edit(request: MemberRequest, pk: int) -> HttpResponse:
    template = _draft_or_refusal(request, pk)
    if isinstance(template, HttpResponse):
        return template
    initial = {"title_nb": template.title_nb, "title_en": template.title_en}
    form = TemplateTitleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            editor.rename_template(template=template, membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The title was saved."))
            return redirect("chain:template_detail", pk=pk)
    return render(request, "chain/editor/title_form.html", {"template": template, "form": form})


@require_POST
@membership_required
def template_activate(request: MemberRequest, pk: int) -> HttpResponse:
    template = _editable_template(request, pk)
    try:
        active = editor.activate(template=template, membership=request.membership)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Version %(version)s is active: new cases follow it; running cases keep their version.")
            % {"version": active.version},
        )
    return redirect("chain:template_detail", pk=pk)


@require_POST
@membership_required
def template_discard(request: MemberRequest, pk: int) -> HttpResponse:
    template = _editable_template(request, pk)
    try:
        editor.discard_draft(template=template, membership=request.membership)
    except ValidationError as error:
        _refused(request, error)
        return redirect("chain:template_detail", pk=pk)
    messages.success(request, _("The draft was discarded."))
    return redirect("chain:templates")


@membership_required
def template_copy(request: MemberRequest, pk: int) -> HttpResponse:
    """Copy any template to a municipality and track the member coordinates, as a draft there."""
    template = editor.get_template_for(request.membership, pk)
    municipalities = coordinated_municipalities(request.membership)
    form = CopyTemplateForm(request.POST or None, municipalities=municipalities, initial={"track": template.track})
    if request.method == "POST" and form.is_valid():
        try:
            copy = editor.copy_template(template=template, membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The copy is version %(version)s of %(municipality)s, a draft: edit it, then activate it.")
                % {"version": copy.version, "municipality": copy.municipality},
            )
            return redirect("chain:template_detail", pk=copy.pk)
    return render(request, "chain/editor/copy.html", {"template": template, "form": form})


@membership_required
def step_add(request: MemberRequest, pk: int) -> HttpResponse:
    template = _draft_or_refusal(request, pk)
    if isinstance(template, HttpResponse):
        return template
    form = StepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step = editor.add_step(template=template, content=form.content(), membership=request.membership)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The step “%(step)s” was added.") % {"step": step.title})
            return redirect("chain:template_detail", pk=pk)
    return render(request, "chain/editor/step_form.html", {"template": template, "form": form, "step": None})


@membership_required
def step_edit(request: MemberRequest, pk: int, step: int) -> HttpResponse:
    template = _draft_or_refusal(request, pk)
    if isinstance(template, HttpResponse):
        return template
    chain_step = get_object_or_404(
        ChainStep.objects.select_related("template__municipality"), pk=step, template=template
    )
    form = StepForm(request.POST or None, step=chain_step)
    if request.method == "POST" and form.is_valid():
        try:
            editor.change_step(step=chain_step, content=form.content(), membership=request.membership)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The step “%(step)s” was saved.") % {"step": chain_step.title})
            return redirect("chain:template_detail", pk=pk)
    return render(request, "chain/editor/step_form.html", {"template": template, "form": form, "step": chain_step})


@require_POST
@membership_required
def step_remove(request: MemberRequest, pk: int, step: int) -> HttpResponse:
    template = _editable_template(request, pk)
    chain_step = get_object_or_404(
        ChainStep.objects.select_related("template__municipality"), pk=step, template=template
    )
    try:
        editor.remove_step(step=chain_step, membership=request.membership)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The step “%(step)s” was removed.") % {"step": chain_step.title})
    return redirect("chain:template_detail", pk=pk)


@require_POST
@membership_required
def step_move(request: MemberRequest, pk: int, step: int, direction: str) -> HttpResponse:
    template = _editable_template(request, pk)
    chain_step = get_object_or_404(
        ChainStep.objects.select_related("template__municipality"), pk=step, template=template
    )
    if direction not in ("up", "down"):
        raise Http404
    try:
        editor.move_step(step=chain_step, up=direction == "up", membership=request.membership)
    except ValidationError as error:
        _refused(request, error)
    return redirect("chain:template_detail", pk=pk)


@membership_required
def move_case_chain(request: MemberRequest, code: str) -> HttpResponse:
    """Move a running case to another version of its chain, or to its new track's chain."""
    access = open_case_or_404(request, code)
    if not editor.may_move_case(request.membership, access):
        raise PermissionDenied
    chain = CaseChain.objects.select_related("template").filter(case=access.case).first()
    form = MoveCaseForm(request.POST or None, targets=editor.move_targets(access.case, chain))
    if request.method == "POST" and form.is_valid():
        try:
            moved = editor.move_case_to_template(
                access=access, membership=request.membership, template=form.cleaned_data["template"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The case now follows version %(version)s.") % {"version": moved.template.version}
            )
            return redirect("cases:detail", code=code)
    return render(request, "chain/editor/move_case.html", {"case": access.case, "chain": chain, "form": form})
