"""Editing chain templates, and moving a running case to another version.

A version that is active or retired never changes: cases run on it. Editing
starts with a new version — a draft copy at the next version number — whose
steps can be added, changed, removed and reordered. Activating the draft retires
the active version in the same transaction: retire first, then activate, since
the database allows one active version per municipality and track. Cases keep
the version they started with until a coordinator of the owning organisation
moves one explicitly (`move_case_to_template`).

Any coordinator may read every municipality's templates, to copy one into a
municipality they coordinate; only the coordinators of a template's own
municipality change it (chain.access).
"""

import logging
import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import CaseAccess, may_protect
from cases.models import Case, CaseEvent
from cases.services import add_event
from chain.access import coordinates_any, may_coordinate
from chain.models import CaseChain, CaseStep, ChainStep, ChainTemplate, Deadline, DeadlineRule
from chain.services import activate_step
from organisations.models import Membership, Municipality, Organisation

logger = logging.getLogger(__name__)

# Step codes carry a case from one version to the next, so they are plain slugs: "guardian-appointed".
STEP_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Orders are moved out of the way before renumbering, so the unique (template, order) never collides.
REORDER_OFFSET = 10_000
FINISHED = (CaseStep.Status.DONE, CaseStep.Status.SKIPPED)


@dataclass(frozen=True)
class StepContent:
    """What a coordinator writes about one step: every field of ChainStep but its place."""

    code: str
    title_nb: str
    title_en: str
    done_means_nb: str
    done_means_en: str
    responsible_kind: str
    responsible_organisation: Organisation | None
    deadline_rule: DeadlineRule | None
    legal_reference_nb: str
    legal_reference_en: str
    field_groups: list[str]
    completed_by_event: str = ""
    precondition: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def of(cls, step: ChainStep) -> "StepContent":
        return cls(**{field.name: getattr(step, field.name) for field in fields(cls)})


# Reading


def templates_of(municipalities: list[Municipality]) -> QuerySet[ChainTemplate]:
    """Every version of the municipalities' templates, with the number of cases running on each."""
    return (
        ChainTemplate.objects.filter(municipality__in=municipalities)
        .select_related("municipality")
        .annotate(running_cases=Count("case_chains", filter=Q(case_chains__ended_at__isnull=True)))
        .order_by("municipality__name", "track", "-version")
    )


def templates_to_copy_from(municipalities: list[Municipality]) -> QuerySet[ChainTemplate]:
    """The active templates of the municipalities the member does not coordinate."""
    return (
        ChainTemplate.objects.filter(status=ChainTemplate.Status.ACTIVE)
        .exclude(municipality__in=municipalities)
        .select_related("municipality")
        .order_by("municipality__name", "track")
    )


def get_template_for(membership: Membership, pk: int) -> ChainTemplate:
    """A template for a coordinator to read; 403 for a member who coordinates no chain."""
    if not coordinates_any(membership):
        raise PermissionDenied
    template = ChainTemplate.objects.select_related("municipality", "created_by").filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def may_edit(membership: Membership, template: ChainTemplate) -> bool:
    return may_coordinate(membership, template.municipality)


def ordered_steps(template: ChainTemplate) -> list[ChainStep]:
    return list(template.steps.select_related("responsible_organisation", "deadline_rule").order_by("order"))


def versions_of(template: ChainTemplate) -> QuerySet[ChainTemplate]:
    """All versions of the template's municipality and track, newest first."""
    return ChainTemplate.objects.filter(municipality_id=template.municipality_id, track=template.track).order_by(
        "-version"
    )


def running_cases(template: ChainTemplate) -> int:
    return template.case_chains.filter(ended_at__isnull=True).count()


def step_problems(step: ChainStep) -> list[str]:
    """What keeps a step from being used: shown in the template and refused on activation."""
    problems = []
    if not step.responsible_kind and step.responsible_organisation is None:
        problems.append(_("Nobody is responsible: choose a kind of organisation or a named organisation."))
    if step.responsible_organisation is not None and not step.responsible_organisation.is_active:
        problems.append(
            _("%(organisation)s is no longer active.") % {"organisation": step.responsible_organisation.name}
        )
    if step.deadline_rule is not None and not step.deadline_rule.legal_reference_nb.strip():
        problems.append(
            _("The deadline “%(rule)s” has no legal reference and cannot be used.") % {"rule": step.deadline_rule.title}
        )
    return problems


def template_problems(steps: list[ChainStep]) -> list[str]:
    """What keeps a draft from being activated."""
    if not steps:
        return [_("The template has no steps.")]
    return [
        _("Step %(order)s, “%(step)s”: %(problem)s") % {"order": position, "step": step.title, "problem": problem}
        for position, step in enumerate(steps, start=1)
        for problem in step_problems(step)
    ]


# Versions


def _require_coordinator(membership: Membership, municipality: Municipality) -> None:
    if not may_coordinate(membership, municipality):
        raise PermissionDenied(
            _("Only the coordinators of %(municipality)s change its chain.") % {"municipality": municipality}
        )


def _locked_draft(template: ChainTemplate, membership: Membership) -> ChainTemplate:
    """The template, locked and re-read, so that no edit slips into a version activated meanwhile."""
    _require_coordinator(membership, template.municipality)
    locked = ChainTemplate.objects.select_for_update().select_related("municipality").get(pk=template.pk)
    if locked.status != ChainTemplate.Status.DRAFT:
        raise ValidationError(
            _("Version %(version)s is %(status)s and cannot be changed: make a new version to edit it.")
            % {"version": locked.version, "status": locked.get_status_display().lower()}
        )
    return locked


def _copy_into(
    source: ChainTemplate, *, municipality: Municipality, track: str, membership: Membership
) -> ChainTemplate:
    """A draft copy of `source` as the next version of `municipality` and `track`."""
    versions = dict(
        ChainTemplate.objects.select_for_update()
        .filter(municipality=municipality, track=track)
        .values_list("version", "status")
    )
    draft = next((version for version, status in versions.items() if status == ChainTemplate.Status.DRAFT), None)
    if draft is not None:
        raise ValidationError(
            _("Version %(version)s of this chain is already a draft: edit it, or discard it first.")
            % {"version": draft}
        )
    try:
        with transaction.atomic():
            copy = ChainTemplate.objects.create(
                municipality=municipality,
                track=track,
                version=max(versions, default=0) + 1,
                status=ChainTemplate.Status.DRAFT,
                title_nb=source.title_nb,
                title_en=source.title_en,
                source=source.source,
                created_by_id=membership.user_id,
            )
    except IntegrityError as error:  # two coordinators made the same version at the same moment
        raise ValidationError(_("Someone made a new version at the same moment: reload the page.")) from error
    ChainStep.objects.bulk_create(
        ChainStep(template=copy, order=step.order, **StepContent.of(step).as_dict())
        for step in source.steps.select_related("responsible_organisation", "deadline_rule").order_by("order")
    )
    return copy


@transaction.atomic
def new_version(*, template: ChainTemplate, membership: Membership) -> ChainTemplate:
    """A draft copy of an active or retired version, to edit; the version it copies stays as it is."""
    _require_coordinator(membership, template.municipality)
    if template.status == ChainTemplate.Status.DRAFT:
        raise ValidationError(_("This version is a draft: edit it directly."))
    return _copy_into(template, municipality=template.municipality, track=template.track, membership=membership)


@transaction.atomic
def copy_template(
    *, template: ChainTemplate, municipality: Municipality, track: str, membership: Membership
) -> ChainTemplate:
    """Copy a template to a municipality and track the member coordinates: a draft, v1 or the next version there."""
    _require_coordinator(membership, municipality)
    if track not in Case.Track.values:
        raise ValidationError(_("Choose a track."))
    return _copy_into(template, municipality=municipality, track=track, membership=membership)


@transaction.atomic
def rename_template(*, template: ChainTemplate, title_nb: str, title_en: str, membership: Membership) -> None:
    draft = _locked_draft(template, membership)
    errors = {}
    if not title_nb.strip():
        errors["title_nb"] = _("Give the title in bokmål.")
    if not title_en.strip():
        errors["title_en"] = _("Give the title in English.")
    if errors:
        raise ValidationError(errors)
    draft.title_nb, draft.title_en = title_nb.strip(), title_en.strip()
    draft.clean_fields(exclude=["created_by"])
    draft.save(update_fields=["title_nb", "title_en"])


@transaction.atomic
def discard_draft(*, template: ChainTemplate, membership: Membership) -> None:
    """A draft no case uses can be thrown away, steps and all."""
    _locked_draft(template, membership).delete()


def _retire_active(template: ChainTemplate) -> None:
    ChainTemplate.objects.filter(
        municipality_id=template.municipality_id, track=template.track, status=ChainTemplate.Status.ACTIVE
    ).update(status=ChainTemplate.Status.RETIRED)


def _mark_active(template: ChainTemplate) -> None:
    ChainTemplate.objects.filter(pk=template.pk).update(status=ChainTemplate.Status.ACTIVE, activated_at=timezone.now())


@transaction.atomic
def activate(*, template: ChainTemplate, membership: Membership) -> ChainTemplate:
    """Make a valid draft the version new cases follow; the version active until now is retired.

    Both happen in one transaction, in this order (one active version per
    municipality and track): either the draft is active and the old version
    retired, or nothing changed. Running cases keep their version.
    """
    draft = _locked_draft(template, membership)
    problems = template_problems(ordered_steps(draft))
    if problems:
        raise ValidationError(problems)
    _retire_active(draft)
    _mark_active(draft)
    draft.refresh_from_db()
    logger.info("Chain template %s v%s activated by user %s", draft.pk, draft.version, membership.user_id)
    return draft


# Steps of a draft


def _check_step(*, template: ChainTemplate, content: StepContent, step: ChainStep | None = None) -> None:
    errors: dict[str, str] = {}
    same_code = template.steps.filter(code=content.code)
    if step is not None:
        same_code = same_code.exclude(pk=step.pk)
    if not STEP_CODE.fullmatch(content.code):
        errors["code"] = _("Use lower-case letters, digits and single hyphens only, e.g. “guardian-appointed”.")
    elif same_code.exists():
        errors["code"] = _("Another step of this template has the code “%(code)s”.") % {"code": content.code}
    required = {
        "title_nb": _("Give the title in bokmål."),
        "title_en": _("Give the title in English."),
        "done_means_nb": _("Say what done means, in bokmål."),
        "done_means_en": _("Say what done means, in English."),
    }
    errors.update({name: message for name, message in required.items() if not getattr(content, name).strip()})
    organisation = content.responsible_organisation
    if not content.responsible_kind and organisation is None:
        errors["responsible_kind"] = _(
            "Choose the kind of organisation responsible for the step, or name an organisation."
        )
    elif content.responsible_kind and organisation is not None:
        errors["responsible_organisation"] = _("Choose a kind of organisation or a named organisation, not both.")
    elif organisation is not None and not organisation.is_active:
        errors["responsible_organisation"] = _("%(organisation)s is no longer active: choose another.") % {
            "organisation": organisation.name
        }
    rule = content.deadline_rule
    if rule is not None and not rule.legal_reference_nb.strip():
        errors["deadline_rule"] = _(
            "The deadline “%(rule)s” has no legal reference and cannot be used: choose another, or none."
        ) % {"rule": rule.title}
    if errors:
        raise ValidationError(errors)


def _save_step(step: ChainStep, content: StepContent) -> ChainStep:
    for name, value in content.as_dict().items():
        setattr(step, name, value.strip() if isinstance(value, str) else value)
    step.clean_fields()
    step.save()
    return step


@transaction.atomic
def add_step(*, template: ChainTemplate, content: StepContent, membership: Membership) -> ChainStep:
    """A new step at the end of a draft."""
    draft = _locked_draft(template, membership)
    _check_step(template=draft, content=content)
    last = draft.steps.order_by("-order").values_list("order", flat=True).first() or 0
    return _save_step(ChainStep(template=draft, order=last + 1), content)


@transaction.atomic
def change_step(*, step: ChainStep, content: StepContent, membership: Membership) -> ChainStep:
    draft = _locked_draft(step.template, membership)
    _check_step(template=draft, content=content, step=step)
    return _save_step(step, content)


def _renumber(template: ChainTemplate, steps: list[ChainStep]) -> None:
    """Give `steps` the orders 1, 2, 3… in the order listed."""
    template.steps.update(order=F("order") + REORDER_OFFSET)
    for position, step in enumerate(steps, start=1):
        ChainStep.objects.filter(pk=step.pk).update(order=position)


@transaction.atomic
def remove_step(*, step: ChainStep, membership: Membership) -> None:
    draft = _locked_draft(step.template, membership)
    step.delete()
    _renumber(draft, ordered_steps(draft))


@transaction.atomic
def move_step(*, step: ChainStep, up: bool, membership: Membership) -> None:
    """Swap a step with the one before (up) or after it; at either end nothing moves."""
    draft = _locked_draft(step.template, membership)
    steps = ordered_steps(draft)
    index = next(i for i, each in enumerate(steps) if each.pk == step.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(steps):
        return
    steps[index], steps[other] = steps[other], steps[index]
    _renumber(draft, steps)


# Moving a running case


def may_move_case(membership: Membership, access: CaseAccess) -> bool:
    """The case owner's coordinators and admins decide which version of the chain a case follows."""
    return may_protect(membership, access)


def move_targets(case: Case, chain: CaseChain | None) -> QuerySet[ChainTemplate]:
    """The versions of the case's municipality and (current) track it may move to: not drafts, not its own."""
    targets = ChainTemplate.objects.filter(municipality_id=case.municipality_id, track=case.track).exclude(
        status=ChainTemplate.Status.DRAFT
    )
    if chain is not None:
        targets = targets.exclude(pk=chain.template_id)
    return targets.order_by("-version")


def _check_move(case: Case, chain: CaseChain | None, template: ChainTemplate) -> CaseChain:
    if chain is None:
        raise ValidationError(_("The case follows no chain, so it cannot be moved."))
    if chain.ended_at is not None:
        raise ValidationError(_("The case has ended: its chain no longer changes."))
    if template.municipality_id != case.municipality_id or template.track != case.track:
        raise ValidationError(_("A case can only move to a chain of its own municipality and track."))
    if template.status == ChainTemplate.Status.DRAFT:
        raise ValidationError(_("A draft is not in use yet: activate it first."))
    if template.pk == chain.template_id:
        raise ValidationError(_("The case already follows this version."))
    return chain


@transaction.atomic
def move_case_to_template(*, access: CaseAccess, membership: Membership, template: ChainTemplate) -> CaseChain:
    """Move a running case to another version of its chain, or to its new track's chain after a track change.

    Steps are matched by code: finished steps stay finished and the active one
    stays active with its responsible organisation and start; steps new in the
    target wait; steps the target lacks are dropped, and their codes recorded
    in the CHAIN_MOVED event. If the active step was dropped, the next step
    after the last finished one starts.
    """
    if not may_move_case(membership, access):
        raise PermissionDenied(_("Only the coordinators and admins of the case owner move its chain."))
    case = access.case
    template = ChainTemplate.objects.get(pk=template.pk)  # its status as it is now, not as the caller read it
    chain = _check_move(
        case, CaseChain.objects.select_for_update().select_related("template").filter(case=case).first(), template
    )
    now = timezone.now()
    by_code = {case_step.step.code: case_step for case_step in case.steps.select_related("step")}
    kept, new = [], []
    for step in template.steps.order_by("order"):
        case_step = by_code.pop(step.code, None)
        if case_step is None:
            new.append(CaseStep(case=case, step=step))
        else:
            case_step.step = step
            kept.append(case_step)
    dropped = sorted(by_code)
    Deadline.objects.filter(case_step__in=by_code.values(), done_at__isnull=True).update(done_at=now)
    CaseStep.objects.filter(pk__in=[case_step.pk for case_step in by_code.values()]).delete()
    CaseStep.objects.bulk_update(kept, ["step"])
    CaseStep.objects.bulk_create(new)
    previous = chain.template
    chain.template = template
    chain.save(update_fields=["template"])
    note = f"{previous.track} v{previous.version} → {template.track} v{template.version}"
    if dropped:
        note += f"; dropped: {', '.join(dropped)}"
    add_event(case=case, kind=CaseEvent.Kind.CHAIN_MOVED, membership=membership, note=note[:500])
    if not any(case_step.status == CaseStep.Status.ACTIVE for case_step in kept):
        _start_next_step(case=case, kept=kept, membership=membership, at=now)
    return chain


def _start_next_step(*, case: Case, kept: list[CaseStep], membership: Membership, at: datetime) -> None:
    """The active step was dropped: the next step after the last finished one starts."""
    last_finished = max((case_step.step.order for case_step in kept if case_step.status in FINISHED), default=0)
    following = (
        case.steps.filter(status=CaseStep.Status.WAITING, step__order__gt=last_finished)
        .select_related("step__deadline_rule", "step__responsible_organisation", "case__owner")
        .order_by("step__order")
        .first()
    )
    if following is not None:
        activate_step(case_step=following, membership=membership, at=at)
