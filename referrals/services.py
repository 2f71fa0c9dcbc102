"""Referrals and hand-overs between organisations.

A referral asks another organisation to take a step of the case's chain; the
case's information goes with it only as far as the step needs (ChainStep.field_groups,
narrowed or widened by the sender), under the person's consent or a legal basis
recorded through the sharing app. The receiver accepts — and becomes responsible
for the step — or declines with a reason, and the sharing made for the referral
ends. A hand-over moves the responsibility for the case: the receiver becomes its
owner when it accepts, not before; until then the sender stays responsible. It
takes only the field groups the sender chose and saw on the confirmation page
(the step's needs chosen in advance); the owner does not read the others
(`Case.withheld_groups`). The sender keeps a follow-up (`cases.CaseFollowUp`):
the case's way through the chain and the answer, no personal data, and it may
ask the new owner for continued access by consent.

A step may have a precondition (`ChainStep.precondition`, `chain.preconditions`:
the asylum hand-over needs an asylum claim recorded); without it, a referral or
hand-over for the step needs a reason, kept with it and shown on the timeline.

The sender always hears what became of its referral (status, reason, the step the
case has reached) — and nothing more than its own sharing allows.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from cases.access import ASSIGNING_ROLES, CaseAccess
from cases.models import Case, CaseEvent, FieldGroup
from cases.services import add_event, assign_on_acceptance, transfer_ownership
from chain.models import CaseStep, StepEvent
from chain.preconditions import precondition_holds
from chain.services import assign_responsibility, record_event
from core.submission import previously_submitted
from notifications.models import Notification
from notifications.services import members_of, notify
from organisations.models import Membership, Organisation
from referrals.models import Referral
from sharing import services as sharing
from sharing.models import LegalBasis

ANSWERING_ROLES = frozenset({Membership.Role.CASEWORKER, Membership.Role.COORDINATOR, Membership.Role.ORG_ADMIN})


@dataclass(frozen=True)
class Ground:
    """Why the information may go with the referral: the person's consent, or a legal basis."""

    consent_form: str = ""
    legal_basis: LegalBasis | None = None
    justification: str = ""
    person_informed: bool = False
    informed_on: date | None = None


def _share(
    *, access: CaseAccess, membership: Membership, to: Organisation, groups: list[str], purpose: str, ground: Ground
) -> dict[str, object]:
    if ground.legal_basis is not None:
        disclosure = sharing.disclose(
            access=access,
            membership=membership,
            organisation=to,
            field_groups=groups,
            legal_basis=ground.legal_basis,
            justification=ground.justification,
            person_informed=ground.person_informed,
            informed_on=ground.informed_on,
        )
        return {"disclosure": disclosure}
    if not ground.consent_form:
        raise ValidationError(_("Say whether the person consented, or which legal basis allows the sharing."))
    consent = sharing.record_consent(
        access=access,
        membership=membership,
        organisation=to,
        field_groups=groups,
        purpose=purpose,
        form=ground.consent_form,
        given_on=timezone.localdate(),
        expires_on=None,
    )
    return {"consent": consent}


def check_precondition(
    *, access: CaseAccess, membership: Membership, case_step: CaseStep | None, reason: str = ""
) -> bool:
    """Whether the step's precondition holds; refused with a message when it does not and no reason is given.

    Returns False when the referral goes on a reason instead (the caller records it)."""
    if case_step is None or not case_step.step.precondition:
        return True
    if precondition_holds(access=access, membership=membership, precondition=case_step.step.precondition):
        return True
    if not reason.strip():
        raise ValidationError(
            _(
                "The step “%(step)s” waits for this: %(precondition)s. Record it in the case first, "
                "or give the reason for sending the case now."
            )
            % {"step": case_step.step.title, "precondition": case_step.step.get_precondition_display().lower()}
        )
    return False


def _check_groups(access: CaseAccess, groups: list[str]) -> None:
    if not groups:
        raise ValidationError(_("Choose at least one kind of information to send."))
    if not set(groups) <= set(FieldGroup.values):
        raise ValidationError(_("Unknown kind of information."))
    if not set(groups) <= access.groups:
        raise ValidationError(_("You can send only information your organisation may read."))


def _create(
    *,
    access: CaseAccess,
    membership: Membership,
    kind: str,
    to: Organisation,
    case_step: CaseStep | None,
    purpose: str,
    groups: list[str],
    ground: Ground,
    precondition_reason: str = "",
    submission_key: UUID | None = None,
) -> Referral:
    if not access.can_edit:
        raise ValidationError(_("Only the organisation that owns the case can refer it."))
    # The same form sent again (a double click, a retried request): the referral it made, nothing new.
    if (earlier := previously_submitted(access.case.referrals.all(), submission_key)) is not None:
        return earlier
    if to.pk == access.case.owner_id:
        raise ValidationError(_("The case already belongs to this organisation."))
    if not to.is_active:
        raise ValidationError(_("%(organisation)s no longer takes part in Vern.") % {"organisation": to.name})
    if not purpose.strip():
        raise ValidationError(_("Say what the referral is for."))
    if case_step is not None:
        if case_step.case_id != access.case.pk or case_step.status not in (
            CaseStep.Status.WAITING,
            CaseStep.Status.ACTIVE,
        ):
            raise ValidationError(_("The step is not open in this case."))
        if not case_step.step.takes(to):
            raise ValidationError(
                _("%(organisation)s does not take the step “%(step)s”: it is for %(responsible)s.")
                % {
                    "organisation": to.name,
                    "step": case_step.step.title,
                    "responsible": case_step.step.responsible_organisation
                    or case_step.step.get_responsible_kind_display(),
                }
            )
    _check_groups(access, groups)
    overridden = not check_precondition(
        access=access, membership=membership, case_step=case_step, reason=precondition_reason
    )
    try:
        with transaction.atomic():
            shared = _share(access=access, membership=membership, to=to, groups=groups, purpose=purpose, ground=ground)
            referral = Referral.objects.create(
                case=access.case,
                kind=kind,
                case_step=case_step,
                from_organisation_id=membership.organisation_id,
                to_organisation=to,
                purpose=purpose,
                field_groups=sorted(set(groups)),
                precondition_reason=precondition_reason.strip() if overridden else "",
                created_by_id=membership.user_id,
                submission_key=submission_key,
                **shared,
            )
    except IntegrityError as error:
        # Lost the race to the same form sent at the same moment: the referral the other request made.
        if (earlier := previously_submitted(access.case.referrals.all(), submission_key)) is not None:
            return earlier
        raise ValidationError(
            _("%(organisation)s already has this case waiting for an answer.") % {"organisation": to.name}
        ) from error
    event = CaseEvent.Kind.HANDOVER_REQUESTED if kind == Referral.Kind.HANDOVER else CaseEvent.Kind.REFERRAL_SENT
    add_event(
        case=access.case, kind=event, membership=membership, audience=to, note=case_step.step.code if case_step else ""
    )
    if overridden:
        # The reason is shown on the timeline to the owner and the receiver (the form asks for no names).
        add_event(
            case=access.case,
            kind=CaseEvent.Kind.PRECONDITION_OVERRIDDEN,
            membership=membership,
            audience=to,
            note=referral.precondition_reason,
        )
    _tell(referral, user_ids=members_of(to.pk), organisation_id=to.pk, event_key=f"referral:{referral.pk}")
    return referral


def _tell(referral: Referral, *, user_ids: list[int], organisation_id: int, event_key: str) -> None:
    """In-app and by e-mail (send_reminders): the pseudonym code and a link to the referrals page, nothing more."""
    notify(
        user_ids=user_ids,
        organisation_id=organisation_id,
        kind=Notification.Kind.HANDOVER if referral.kind == Referral.Kind.HANDOVER else Notification.Kind.REFERRAL,
        case=referral.case,
        link_path=reverse("referrals:inbox"),
        event_key=event_key,
    )


def _tell_the_sender(referral: Referral) -> None:
    if referral.created_by_id is not None:
        _tell(
            referral,
            user_ids=[referral.created_by_id],
            organisation_id=referral.from_organisation_id,
            event_key=f"referral-answer:{referral.pk}",
        )


@transaction.atomic
def refer(
    *,
    access: CaseAccess,
    membership: Membership,
    to: Organisation,
    case_step: CaseStep | None,
    purpose: str,
    field_groups: Iterable[str],
    ground: Ground,
    precondition_reason: str = "",
    submission_key: UUID | None = None,
) -> Referral:
    return _create(
        access=access,
        membership=membership,
        kind=Referral.Kind.REFERRAL,
        to=to,
        case_step=case_step,
        purpose=purpose,
        groups=list(field_groups),
        ground=ground,
        precondition_reason=precondition_reason,
        submission_key=submission_key,
    )


@transaction.atomic
def hand_over(
    *,
    access: CaseAccess,
    membership: Membership,
    to: Organisation,
    case_step: CaseStep | None,
    purpose: str,
    field_groups: Iterable[str],
    ground: Ground,
    precondition_reason: str = "",
    submission_key: UUID | None = None,
) -> Referral:
    """Ask `to` to take over the case, with the field groups the sender chose (and saw before sending), on
    the ground given; when the step's precondition does not hold, only with a reason (on the timeline)."""
    return _create(
        access=access,
        membership=membership,
        kind=Referral.Kind.HANDOVER,
        to=to,
        case_step=case_step,
        purpose=purpose,
        groups=list(field_groups),
        ground=ground,
        precondition_reason=precondition_reason,
        submission_key=submission_key,
    )


def _answerable(referral: Referral, membership: Membership) -> None:
    if referral.to_organisation_id != membership.organisation_id or membership.role not in ANSWERING_ROLES:
        raise ValidationError(_("Only the receiving organisation can answer this referral."))
    if referral.status != Referral.Status.PENDING:
        raise ValidationError(_("This referral has already been answered."))


def _decide(referral: Referral, membership: Membership, status: str, answer: str = "") -> None:
    referral.status = status
    referral.answer = answer
    referral.decided_by_id = membership.user_id
    referral.decided_at = timezone.now()
    referral.save(update_fields=["status", "answer", "decided_by", "decided_at"])


def accepted_a_referral(case: Case, organisation: Organisation) -> bool:
    """A role in the case (`cases.roles`): the organisation accepted a referral or hand-over of it."""
    return Referral.objects.filter(case=case, to_organisation=organisation, status=Referral.Status.ACCEPTED).exists()


@transaction.atomic
def accept(*, referral: Referral, membership: Membership, caseworker: User | None = None) -> None:
    """Accept, naming the member who works on the case from now on: `caseworker`, or the member who accepts.

    Only a coordinator or an admin names a colleague (`cases.access.ASSIGNING_ROLES`); the named member must
    belong to the receiving organisation and be one who works on cases."""
    referral = (
        Referral.objects.select_for_update(of=("self",)).select_related("case", "case_step__step").get(pk=referral.pk)
    )
    _answerable(referral, membership)
    caseworker = caseworker or membership.user
    if caseworker.pk != membership.user_id and membership.role not in ASSIGNING_ROLES:
        raise ValidationError(_("Only a coordinator or an administrator can give the case to a colleague."))
    case = referral.case
    _decide(referral, membership, Referral.Status.ACCEPTED)
    # The accepted referral gives the organisation its role in the case, so the assignment is allowed now.
    assign_on_acceptance(case=case, membership=membership, user=caseworker)
    if referral.kind == Referral.Kind.HANDOVER:
        _take_over(referral=referral, membership=membership)
    elif referral.case_step is not None and referral.case_step.status in (
        CaseStep.Status.WAITING,
        CaseStep.Status.ACTIVE,
    ):
        assign_responsibility(case_step=referral.case_step, organisation=membership.organisation, membership=membership)
    kind = (
        CaseEvent.Kind.HANDOVER_ACCEPTED
        if referral.kind == Referral.Kind.HANDOVER
        else CaseEvent.Kind.REFERRAL_ACCEPTED
    )
    add_event(case=case, kind=kind, membership=membership, audience=referral.from_organisation)
    if referral.case_step is not None:
        # A step done by the acceptance itself (a lawyer appointed, the reception centre taking the case).
        record_event(
            case=case,
            event=StepEvent.REFERRAL_ACCEPTED,
            membership=membership,
            at=referral.decided_at or timezone.now(),
            case_step=referral.case_step,
        )
    _tell_the_sender(referral)


def _take_over(*, referral: Referral, membership: Membership) -> None:
    """The receiver owns the case now; steps the sender was responsible for move with it."""
    previous_owner = referral.case.owner_id
    # The receiver reads only what it was handed; the sender keeps a follow-up (cases.access rule 6).
    case = transfer_ownership(case=referral.case, to=membership.organisation, handed_groups=referral.field_groups)
    for case_step in case.steps.filter(status__in=[CaseStep.Status.WAITING, CaseStep.Status.ACTIVE]).select_related(
        "step"
    ):
        if case_step.responsible_id == previous_owner or (
            case_step.pk == referral.case_step_id and case_step.step.takes(membership.organisation)
        ):
            if case_step.step.takes(membership.organisation):
                assign_responsibility(case_step=case_step, organisation=membership.organisation, membership=membership)
            else:
                CaseStep.objects.filter(pk=case_step.pk).update(responsible=None)


@transaction.atomic
def decline(*, referral: Referral, membership: Membership, reason: str) -> None:
    """The receiver says no, with a reason; the information shared for the referral is no longer shared."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "consent", "disclosure")
        .get(pk=referral.pk)
    )
    _answerable(referral, membership)
    if not reason.strip():
        raise ValidationError(_("Give a reason for declining, so the sender can find another way."))
    _decide(referral, membership, Referral.Status.DECLINED, reason.strip())
    _end_sharing(referral, membership)
    kind = (
        CaseEvent.Kind.HANDOVER_DECLINED
        if referral.kind == Referral.Kind.HANDOVER
        else CaseEvent.Kind.REFERRAL_DECLINED
    )
    add_event(case=referral.case, kind=kind, membership=membership, audience=referral.from_organisation)
    _tell_the_sender(referral)


def _end_sharing(referral: Referral, membership: Membership) -> None:
    # The sharing was made for this referral's purpose, which has lapsed.
    now = timezone.now()
    if referral.consent is not None and referral.consent.withdrawn_at is None:
        referral.consent.withdrawn_at = now
        referral.consent.withdrawn_by_id = membership.user_id
        referral.consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    if referral.disclosure is not None and referral.disclosure.ended_at is None:
        referral.disclosure.ended_at = now
        referral.disclosure.ended_by_id = membership.user_id
        referral.disclosure.save(update_fields=["ended_at", "ended_by"])


@transaction.atomic
def withdraw(*, referral: Referral, membership: Membership) -> None:
    if referral.from_organisation_id != membership.organisation_id:
        raise ValidationError(_("Only the sender can withdraw a referral."))
    if referral.status != Referral.Status.PENDING:
        raise ValidationError(_("This referral has already been answered."))
    _decide(referral, membership, Referral.Status.WITHDRAWN)
    _end_sharing(referral, membership)


def incoming(membership: Membership) -> QuerySet[Referral]:
    return Referral.objects.filter(to_organisation_id=membership.organisation_id).select_related(
        "case", "from_organisation", "case_step__step"
    )


@dataclass(frozen=True)
class Feedback:
    """What the sender may know about its referral: no personal data, only how it went."""

    referral: Referral
    step_reached: str


def outgoing(membership: Membership) -> list[Feedback]:
    referrals = list(
        Referral.objects.filter(from_organisation_id=membership.organisation_id)
        .select_related("case", "to_organisation", "case_step__step")
        .order_by("-created_at")[:200]
    )
    current = {
        case_step.case_id: case_step.step.title
        for case_step in CaseStep.objects.filter(
            case_id__in={referral.case_id for referral in referrals}, status=CaseStep.Status.ACTIVE
        ).select_related("step")
    }
    return [Feedback(referral, current.get(referral.case_id, "")) for referral in referrals]


def feedback_for_case(case: Case, membership: Membership) -> list[Feedback]:
    """The referrals and hand-overs of `case` that the member's organisation sent, with how each went and the step
    the case has reached — what the sender sees on the case page, also after the case has left it."""
    referrals = list(
        Referral.objects.filter(case=case, from_organisation_id=membership.organisation_id)
        .select_related("to_organisation", "case_step__step")
        .order_by("-created_at")
    )
    if not referrals:
        return []
    active = CaseStep.objects.filter(case=case, status=CaseStep.Status.ACTIVE).select_related("step").first()
    return [Feedback(referral, active.step.title if active else "") for referral in referrals]


@transaction.atomic
def ask_for_continued_access(*, referral: Referral, membership: Membership) -> None:
    """After an accepted hand-over, the sender asks the new owner to share again by consent (home visits go on).

    The new owner's members are told, with a link to the consent page with the sender chosen; nothing is shared
    until the owner records the person's consent there. Asked once per hand-over."""
    referral = Referral.objects.select_for_update(of=("self",)).select_related("case").get(pk=referral.pk)
    if referral.from_organisation_id != membership.organisation_id or membership.role not in ANSWERING_ROLES:
        raise ValidationError(_("Only the organisation that handed the case over can ask for continued access."))
    if referral.kind != Referral.Kind.HANDOVER or referral.status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Continued access can be asked for once the hand-over has been accepted."))
    if referral.continued_access_asked_at is not None:
        raise ValidationError(
            _("Your organisation asked for continued access on %(date)s. The new owner records the consent.")
            % {"date": date_format(timezone.localtime(referral.continued_access_asked_at), "SHORT_DATE_FORMAT")}
        )
    referral.continued_access_asked_at = timezone.now()
    referral.save(update_fields=["continued_access_asked_at"])
    case = referral.case
    add_event(
        case=case, kind=CaseEvent.Kind.CONTINUED_ACCESS_ASKED, membership=membership, audience=membership.organisation
    )
    link = reverse("cases:sharing:consent_create", args=[case.code]) + f"?organisation={membership.organisation_id}"
    notify(
        user_ids=members_of(case.owner_id),
        organisation_id=case.owner_id,
        kind=Notification.Kind.HANDOVER,
        case=case,
        link_path=link,
        event_key=f"continued-access:{referral.pk}",
    )
