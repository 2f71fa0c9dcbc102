"""Convening multi-agency meetings and keeping their minutes, action items and evaluation findings.

The agenda and the minutes are encrypted at rest (core.crypto) like a case's
field groups, and every read or save of them is written to the access log in the
same transaction (cases.services.log_access). Timeline events carry the kind of
meeting or the category of a finding — never what was said.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AccessEntry
from cases.access import CaseAccess, consents_in_force, disclosures_in_force
from cases.models import Case, CaseEvent
from cases.services import add_event, log_access
from chain.models import CaseChain, Deadline, StepEvent
from chain.services import record_event, responsible_organisations
from core import crypto
from core.submission import create_once, previously_submitted
from meetings.access import may_keep_minutes, organisation_sees_case, readable_meetings
from meetings.models import ActionItem, Finding, FindingCategory, Invitation, Meeting, MeetingRole, MeetingText
from organisations.models import Membership, Organisation
from sharing.models import Consent, Disclosure
from sharing.partners import partners_of

# An action item is due by the end of its due date (Europe/Oslo).
END_OF_DAY = time(23, 59)


class StaleMeetingError(Exception):
    """Someone else saved the minutes after this member opened them."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else has saved these minutes since you opened them. Your text has not been saved; "
                "it is still in the form below. Open the meeting in a new tab to see what they wrote."
            )
        )


@dataclass(frozen=True)
class Minutes:
    """What was said: the police's assessment of safety, the person's needs, each actor's progress, decisions."""

    safety: str = ""
    needs: str = ""
    progress: dict[int, str] = field(default_factory=dict)  # invited organisation's id -> its progress
    decisions: str = ""

    def as_json(self) -> dict[str, Any]:
        progress = {str(organisation_id): text for organisation_id, text in self.progress.items()}
        return {"safety": self.safety, "needs": self.needs, "progress": progress, "decisions": self.decisions}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Minutes":
        progress = {int(organisation_id): text for organisation_id, text in data.get("progress", {}).items()}
        return cls(data.get("safety", ""), data.get("needs", ""), progress, data.get("decisions", ""))


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting's decrypted texts, for one member who may read them."""

    agenda: str
    minutes: Minutes | None

    def progress_of(self, invited: Iterable[Organisation]) -> list[tuple[Organisation, str]]:
        """Each invited organisation with its progress as minuted, in the order given."""
        progress = self.minutes.progress if self.minutes else {}
        return [(organisation, progress.get(organisation.pk, "")) for organisation in invited]


def _names(organisations: Iterable[Organisation]) -> str:
    return ", ".join(sorted(organisation.name for organisation in organisations))


@dataclass(frozen=True)
class Invitee:
    """An organisation that may be proposed for a meeting of the case, and the ground it would be invited on.

    `ground` is empty for an organisation with a role in the track that the case is not shared with yet:
    it is listed, so the convener sees whom to share with, but cannot be invited until then.
    """

    organisation: Organisation
    ground: str
    role: MeetingRole | None = None
    consent: Consent | None = None
    disclosure: Disclosure | None = None


def ground_label(invitation: Invitee | Invitation) -> str:
    """What an invited organisation learns the meeting's content on, in words: for the convene form's choices
    (an `Invitee`) and the meeting page (an `Invitation`)."""
    if invitation.disclosure is not None:
        basis = invitation.disclosure.legal_basis
        return _("legal basis: %(law)s %(section)s") % {"law": basis.law, "section": basis.section}
    if invitation.consent is not None:
        return _("consent given %(date)s") % {"date": date_format(invitation.consent.given_on, "SHORT_DATE_FORMAT")}
    return str(Invitation.Ground(invitation.ground).label)


def invitees(case: Case) -> list[Invitee]:
    """Who may be invited to a meeting of the case: those with a responsibility in it, then every organisation
    the case may go to (`sharing.partners`) of a kind with a role in the track's meetings (meetings.MeetingRole),
    each on the ground that lets it learn what is said: the owner, a step, a consent or a legal basis."""
    roles = {role.organisation_kind: role for role in MeetingRole.objects.filter(track=case.track)}
    responsible = {organisation.pk: organisation for organisation in responsible_organisations(case)}
    others = partners_of(case).filter(kind__in=roles).exclude(pk__in=responsible)
    consents = {c.organisation_id: c for c in consents_in_force().filter(case=case).order_by("given_on")}
    disclosures = {d.organisation_id: d for d in disclosures_in_force().filter(case=case).order_by("created_at")}
    found = [
        Invitee(
            organisation,
            Invitation.Ground.OWNER if organisation.pk == case.owner_id else Invitation.Ground.RESPONSIBLE,
            roles.get(organisation.kind),
        )
        for organisation in responsible.values()
    ]
    for organisation in sorted(others, key=lambda o: (roles[o.kind].order, o.name)):
        consent, disclosure = consents.get(organisation.pk), disclosures.get(organisation.pk)
        ground = ""
        if consent is not None:
            ground, disclosure = Invitation.Ground.CONSENT, None
        elif disclosure is not None:
            ground = Invitation.Ground.LEGAL_BASIS
        found.append(Invitee(organisation, ground, roles[organisation.kind], consent, disclosure))
    return found


def check_invitations(*, access: CaseAccess, invited: Iterable[Organisation]) -> list[Invitee]:
    """At least one organisation, and each on a ground: a responsibility in the case, or a role in the track's
    meetings with a consent or a legal basis recorded for it."""
    invited = list(invited)
    if not invited:
        raise ValidationError(_("Invite at least one organisation with a responsibility in the case."))
    candidates = {invitee.organisation.pk: invitee for invitee in invitees(access.case)}
    outsiders = [organisation for organisation in invited if organisation.pk not in candidates]
    if outsiders:
        raise ValidationError(
            _(
                "Only organisations with a responsibility in the case or a role in its meetings can be invited: "
                "%(names)s has none."
            )
            % {"names": _names(outsiders)}
        )
    unshared = [organisation for organisation in invited if not candidates[organisation.pk].ground]
    if unshared:
        raise ValidationError(
            _(
                "The case is not shared with %(names)s. Record a consent or a legal basis for them under "
                "Sharing first: what they learn in the meeting rests on it."
            )
            % {"names": _names(unshared)}
        )
    return [candidates[organisation.pk] for organisation in invited]


def has_ended(access: CaseAccess) -> bool:
    return CaseChain.objects.filter(case=access.case, ended_at__isnull=False).exists()


def _save_text(*, meeting: Meeting, part: str, data: dict[str, Any], membership: Membership) -> None:
    text = MeetingText(meeting=meeting, part=part)
    MeetingText.objects.update_or_create(
        meeting=meeting,
        part=part,
        defaults={
            "ciphertext": crypto.encrypt_json(data, aad=text.associated_data),
            "updated_by_id": membership.user_id,
        },
    )


@transaction.atomic
def convene_meeting(
    *,
    access: CaseAccess,
    membership: Membership,
    kind: str,
    scheduled_at: datetime,
    invited: Iterable[Organisation],
    agenda: str = "",
    submission_key: UUID | None = None,
) -> Meeting:
    """Call a meeting about the case, of organisations with a responsibility or a role in it (`invitees`).

    An evaluation meeting is held when the case has ended (chain.services.end_case). The same submitted
    form again returns the meeting it convened (core.submission).
    """
    if access.must_break_glass:
        raise PermissionError("Open the case before convening a meeting about it.")
    if (earlier := previously_submitted(access.case.meetings.all(), submission_key)) is not None:
        return earlier
    if kind not in Meeting.Kind.values:
        raise ValidationError(_("Choose the kind of meeting."))
    invitations = check_invitations(access=access, invited=invited)
    if kind == Meeting.Kind.EVALUATION and not has_ended(access):
        raise ValidationError(_("An evaluation meeting is held when the case has ended. End the case first."))
    meeting, created = create_once(
        access.case.meetings.all(),
        submission_key,
        lambda: Meeting.objects.create(
            case=access.case,
            kind=kind,
            scheduled_at=scheduled_at,
            organisation_id=membership.organisation_id,
            convened_by_id=membership.user_id,
            submission_key=submission_key,
        ),
    )
    if not created:
        return meeting
    meeting.invited.set([invitee.organisation for invitee in invitations])
    Invitation.objects.bulk_create(
        Invitation(
            meeting=meeting,
            organisation=invitee.organisation,
            ground=invitee.ground,
            consent=invitee.consent,
            disclosure=invitee.disclosure,
        )
        for invitee in invitations
    )
    if agenda.strip():
        _save_text(meeting=meeting, part=MeetingText.Part.AGENDA, data={"text": agenda}, membership=membership)
        log_access(access=access, membership=membership, groups=[], action=AccessEntry.Action.EDIT)
    add_event(case=access.case, kind=CaseEvent.Kind.MEETING_CONVENED, membership=membership, note=kind)
    return meeting


def _require_reader(access: CaseAccess, membership: Membership, meeting: Meeting) -> None:
    if meeting.case_id != access.case.pk or not readable_meetings(access, membership).filter(pk=meeting.pk).exists():
        raise PermissionError("This member may not read this meeting.")


def _require_keeper(access: CaseAccess, membership: Membership, meeting: Meeting) -> None:
    _require_reader(access, membership, meeting)
    if not may_keep_minutes(membership, meeting):
        raise PermissionError("Only the organisation that convened the meeting keeps its minutes.")


@transaction.atomic
def read_meeting(*, access: CaseAccess, membership: Membership, meeting: Meeting) -> MeetingRecord:
    """Decrypt the agenda and the minutes for a member who may read them, and log that they read them."""
    _require_reader(access, membership, meeting)
    texts = {
        text.part: crypto.decrypt_json(text.ciphertext, aad=text.associated_data)
        for text in MeetingText.objects.filter(meeting=meeting)
    }
    if texts:
        log_access(access=access, membership=membership, groups=[], action=AccessEntry.Action.VIEW)
    minutes = texts.get(MeetingText.Part.MINUTES)
    return MeetingRecord(
        agenda=texts.get(MeetingText.Part.AGENDA, {}).get("text", ""),
        minutes=Minutes.from_json(minutes) if minutes is not None else None,
    )


@transaction.atomic
def record_minutes(
    *,
    access: CaseAccess,
    membership: Membership,
    meeting: Meeting,
    minutes: Minutes,
    held_at: datetime,
    expected_version: int,
) -> Meeting:
    """Save the minutes (again, when corrected); the first save records that the meeting was held."""
    _require_keeper(access, membership, meeting)
    if held_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(_("The minutes are of a meeting that has been held: the time cannot be in the future."))
    invited = set(meeting.invited.values_list("pk", flat=True))
    if not set(minutes.progress) <= invited:
        raise ValidationError(_("Progress can only be recorded for the invited organisations."))
    first_time = meeting.held_at is None
    saved = Meeting.objects.filter(pk=meeting.pk, version=expected_version).update(
        version=F("version") + 1, held_at=held_at
    )
    if not saved:
        raise StaleMeetingError
    _save_text(meeting=meeting, part=MeetingText.Part.MINUTES, data=minutes.as_json(), membership=membership)
    log_access(access=access, membership=membership, groups=[], action=AccessEntry.Action.EDIT)
    if first_time:
        add_event(case=access.case, kind=CaseEvent.Kind.MEETING_HELD, membership=membership, note=meeting.kind)
        # The chain's meeting step (the TOT meeting) is done when the meeting has been held.
        record_event(case=access.case, event=StepEvent.MEETING_HELD, membership=membership, at=held_at)
    meeting.refresh_from_db()
    return meeting


def due_at_end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, END_OF_DAY))


@transaction.atomic
def add_action_item(
    *,
    access: CaseAccess,
    membership: Membership,
    meeting: Meeting,
    title: str,
    organisation: Organisation,
    due_on: date,
    owner: User | None = None,
) -> ActionItem:
    """An agreed action, owned by an invited organisation (and optionally one of its members), due on a day.

    It becomes a deadline without a rule, so it lands on the owner's deadlines board. The convening
    organisation adds them for any invited organisation; an invited organisation adds its own.
    """
    _require_reader(access, membership, meeting)
    if not may_keep_minutes(membership, meeting) and organisation.pk != membership.organisation_id:
        raise PermissionError("An invited organisation adds action items for itself only.")
    title = title.strip()
    if not title:
        raise ValidationError(_("Say what is to be done."))
    if not meeting.invited.filter(pk=organisation.pk).exists():
        raise ValidationError(_("An action item is owned by one of the organisations invited to the meeting."))
    if owner is not None and not Membership.objects.filter(user=owner, organisation=organisation).exists():
        raise ValidationError(
            _("%(name)s is not a member of %(organisation)s.")
            % {"name": owner.get_full_name(), "organisation": organisation.name}
        )
    if not organisation_sees_case(organisation, access.case):
        raise ValidationError(
            _(
                "%(organisation)s cannot open the case in Vern, so the action would not reach its deadlines board. "
                "Share the case with it first."
            )
            % {"organisation": organisation.name}
        )
    if due_on < timezone.localdate():
        raise ValidationError(_("The due date has passed."))
    deadline = Deadline.objects.create(
        case=access.case,
        title=title,
        organisation=organisation,
        owner=owner,
        starts_at=timezone.now(),
        due_at=due_at_end_of(due_on),
        created_by_id=membership.user_id,
    )
    add_event(case=access.case, kind=CaseEvent.Kind.DEADLINE_SET, membership=membership, note="action-item")
    return ActionItem.objects.create(meeting=meeting, deadline=deadline)


@transaction.atomic
def record_finding(
    *,
    access: CaseAccess,
    membership: Membership,
    meeting: Meeting,
    category: FindingCategory,
    outcome: str,
    text: str,
) -> Finding:
    """What worked or went wrong, in a category, from the case's evaluation meeting; no personal data."""
    _require_keeper(access, membership, meeting)
    if meeting.kind != Meeting.Kind.EVALUATION:
        raise ValidationError(_("Findings are recorded at the evaluation meeting."))
    if not category.is_active:
        raise ValidationError(_("This category is no longer in use. Choose another."))
    if outcome not in Finding.Outcome.values:
        raise ValidationError(_("Say whether it worked or went wrong."))
    if not text.strip():
        raise ValidationError(_("Describe what worked or went wrong."))
    finding = Finding.objects.create(
        meeting=meeting,
        municipality_id=access.case.municipality_id,
        category=category,
        outcome=outcome,
        text=text.strip(),
        recorded_by_id=membership.user_id,
    )
    add_event(
        case=access.case,
        kind=CaseEvent.Kind.EVALUATION_RECORDED,
        membership=membership,
        note=f"{category.code}: {outcome}",
    )
    return finding
