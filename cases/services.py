"""Mutations and reads of cases. Views, the API, commands and tests call these.

Every function that shows personal data writes an access-log entry in the same
transaction (audit.services.record_access); every change writes a timeline event.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AccessEntry
from audit.services import record_access
from cases.access import (
    ALL_GROUPS,
    ASSIGNING_ROLES,
    CaseAccess,
    assignable_members,
    readable_progress,
    writable_progress_groups,
)
from cases.models import (
    GENERAL,
    PROGRESS_MAX_LENGTH,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseFollowUp,
    CaseSequence,
    FieldGroup,
    FieldGroupRecord,
    ProgressEntry,
    ProtectedCaseAccess,
)
from cases.roles import has_role_in
from cases.signals import case_created, case_track_changed
from core import crypto
from organisations.models import Membership, Municipality, Organisation


class StaleCaseError(Exception):
    """Someone else saved the case after this user opened it."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else has changed this case since you opened it. Your changes have not been saved; "
                "they are still in the form below. Open the case in a new tab to see the latest version."
            )
        )


def next_case_code(*, municipality: Municipality) -> str:
    """Allocate the next pseudonym code, e.g. OSL-2026-0042 (call inside a transaction)."""
    year = timezone.localdate().year
    sequence, _created = CaseSequence.objects.select_for_update().get_or_create(
        prefix=municipality.case_prefix, year=year
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{municipality.case_prefix}-{year}-{sequence.last_number:04d}"


def add_event(
    *,
    case: Case,
    kind: str,
    membership: Membership,
    audience: Organisation | None = None,
    field_groups: Iterable[str] = (),
    note: str = "",
    member: User | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor_id=membership.user_id,
        organisation_id=membership.organisation_id,
        audience=audience,
        field_groups=sorted(field_groups),
        note=note,
        member=member,
    )


@transaction.atomic
def transfer_ownership(*, case: Case, to: Organisation, handed_groups: Iterable[str]) -> Case:
    """A hand-over accepted (referrals): `to` owns the case now and reads only the groups it was handed; the
    previous owner keeps a follow-up (access rule 6) — the chain and the answer, no field group."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    previous = case.owner_id
    withheld = sorted(ALL_GROUPS - set(handed_groups))
    Case.objects.filter(pk=case.pk).update(owner=to, withheld_groups=withheld, version=F("version") + 1)
    if previous != to.pk:
        CaseFollowUp.objects.update_or_create(case=case, organisation_id=previous, defaults={"since": timezone.now()})
    CaseFollowUp.objects.filter(case=case, organisation=to).delete()  # an owner again, not following up
    case.refresh_from_db()
    return case


@transaction.atomic
def create_case(*, membership: Membership, municipality: Municipality, track: str = Case.Track.ADULT) -> Case:
    """Open a case owned by the member's organisation; the creator is assigned. Listeners of `case_created`
    give it the rights of its track and start its chain."""
    case = Case.objects.create(
        code=next_case_code(municipality=municipality),
        owner_id=membership.organisation_id,
        municipality=municipality,
        track=track,
        created_by_id=membership.user_id,
    )
    CaseAssignment.objects.create(case=case, user_id=membership.user_id, organisation_id=membership.organisation_id)
    add_event(case=case, kind=CaseEvent.Kind.CREATED, membership=membership)
    case_created.send(sender=Case, case=case, membership=membership)
    return case


@transaction.atomic
def change_track(*, access: CaseAccess, membership: Membership, track: str, reason: str) -> Case:
    """Moving a case between the adult and child tracks is an explicit decision with a reason."""
    if not reason.strip():
        raise ValueError("A track change needs a reason.")
    case = access.case
    if track == case.track:
        return case
    Case.objects.filter(pk=case.pk).update(track=track, version=F("version") + 1)
    case.refresh_from_db()
    add_event(case=case, kind=CaseEvent.Kind.TRACK_CHANGED, membership=membership, note=f"{track}: {reason}"[:500])
    case_track_changed.send(sender=Case, case=case)
    return case


def _blind_indexes(identity: dict[str, Any]) -> dict[str, str]:
    name = " ".join(filter(None, [identity.get("first_name"), identity.get("last_name")]))
    return {
        "name_index": crypto.blind_index(name, purpose="name") if name else "",
        "birth_date_index": crypto.blind_index(identity["birth_date"], purpose="birth_date")
        if identity.get("birth_date")
        else "",
    }


@transaction.atomic
def save_field_group(
    *, access: CaseAccess, membership: Membership, group: str, data: dict[str, Any], expected_version: int
) -> Case:
    """Encrypt and store one field group; refuse the save if the case changed since it was opened."""
    case = access.case
    if not access.can_edit or group not in access.groups:
        raise PermissionError("This member may not change this field group.")
    if not Case.objects.filter(pk=case.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleCaseError
    record = FieldGroupRecord(case=case, group=group)
    FieldGroupRecord.objects.update_or_create(
        case=case,
        group=group,
        defaults={
            "ciphertext": crypto.encrypt_json(data, aad=record.associated_data),
            "updated_by_id": membership.user_id,
        },
    )
    if group == FieldGroup.IDENTITY:
        Case.objects.filter(pk=case.pk).update(**_blind_indexes(data))
    add_event(case=case, kind=CaseEvent.Kind.FIELD_GROUP_CHANGED, membership=membership, field_groups=[group])
    log_access(access=access, membership=membership, groups=[group], action=AccessEntry.Action.EDIT)
    case.refresh_from_db()
    return case


def is_assigned(case: Case, membership: Membership) -> bool:
    return CaseAssignment.objects.filter(
        case=case, user_id=membership.user_id, organisation_id=membership.organisation_id
    ).exists()


def log_access(
    *, access: CaseAccess, membership: Membership, groups: Iterable[str], action: str, reason: str = ""
) -> AccessEntry:
    return record_access(
        user=membership.user,
        organisation=membership.organisation,
        case=access.case,
        field_groups=sorted(groups),
        action=action,
        reason=reason,
        assigned=is_assigned(access.case, membership),
    )


@transaction.atomic
def read_field_groups(
    *, access: CaseAccess, membership: Membership, action: str = AccessEntry.Action.VIEW
) -> dict[str, dict[str, Any]]:
    """Decrypt the field groups this member may read, and log that they read them."""
    records = FieldGroupRecord.objects.filter(case=access.case, group__in=access.groups)
    data = {record.group: crypto.decrypt_json(record.ciphertext, aad=record.associated_data) for record in records}
    if data:
        log_access(access=access, membership=membership, groups=data.keys(), action=action)
    return data


# --- Progress entries: each organisation's own part of the case ------------------------------------------------
# Who may write and read which entry is decided in cases.access; here they are encrypted, logged and put on the
# timeline, in one transaction. The timeline and the log name the group and the author organisation, never the
# text.

PROGRESS_ON_PAGE = 100  # the newest entries the case page shows (and decrypts)


def _logged_groups(groups: Iterable[str]) -> list[str]:
    """The field groups for the access log: a general entry is about none of them."""
    return sorted({group for group in groups if group != GENERAL})


@transaction.atomic
def write_progress_entry(*, access: CaseAccess, membership: Membership, group: str, text: str) -> ProgressEntry:
    """A member writes their organisation's part: encrypted, on the timeline (group and organisation only) and in
    the access log. Only about what the organisation's sharing covers; a refusal saves nothing."""
    if access.must_break_glass:
        raise PermissionError("Break the glass before working on a protected case.")
    if group not in writable_progress_groups(access):
        raise ValidationError(
            _(
                "Your organisation can write only about the information the case is shared with it for. Nothing "
                "was saved. Choose one of the choices in the list; if you need to write about something else, ask "
                "%(owner)s, who owns the case, to share it."
            )
            % {"owner": access.case.owner.name}
        )
    text = text.strip()
    if not text:
        raise ValidationError(_("Write what your organisation has done or learnt. Nothing was saved."))
    if len(text) > PROGRESS_MAX_LENGTH:
        raise ValidationError(_("Write at most %(max)d characters. Nothing was saved.") % {"max": PROGRESS_MAX_LENGTH})
    case = access.case
    # The associated data names the row, so the row exists (with no text) before its text is encrypted.
    entry = ProgressEntry.objects.create(
        case=case,
        group=group,
        author_organisation_id=membership.organisation_id,
        author_id=membership.user_id,
        ciphertext="",
    )
    entry.ciphertext = crypto.encrypt_json({"text": text}, aad=entry.associated_data)
    entry.save(update_fields=["ciphertext"])
    add_event(
        case=case,
        kind=CaseEvent.Kind.PROGRESS_WRITTEN,
        membership=membership,
        # A general entry is seen by the owner and its author only, and so is its event.
        audience=membership.organisation if group == GENERAL else None,
        field_groups=_logged_groups([group]),
    )
    log_access(
        access=access, membership=membership, groups=_logged_groups([group]), action=AccessEntry.Action.PROGRESS_WRITTEN
    )
    return entry


@dataclass(frozen=True)
class ProgressRow:
    entry: ProgressEntry
    text: str


@transaction.atomic
def read_progress_entries(
    *, access: CaseAccess, membership: Membership, limit: int = PROGRESS_ON_PAGE
) -> list[ProgressRow]:
    """Decrypt the newest progress entries this member may read, and log that they read them (with the groups
    they are about). One query for the entries, however many there are."""
    entries = list(readable_progress(access, membership.organisation)[:limit])
    rows = [
        ProgressRow(entry, str(crypto.decrypt_json(entry.ciphertext, aad=entry.associated_data)["text"]))
        for entry in entries
    ]
    if rows:
        log_access(
            access=access,
            membership=membership,
            groups=_logged_groups(entry.group for entry in entries),
            action=AccessEntry.Action.PROGRESS_READ,
        )
    return rows


def find_cases_by_identity(*, cases: Any, name: str, birth_date: str) -> Any:
    """Exact match on name and/or date of birth through the blind indexes, never by decrypting."""
    if name:
        cases = cases.filter(name_index=crypto.blind_index(name, purpose="name"))
    if birth_date:
        cases = cases.filter(birth_date_index=crypto.blind_index(birth_date, purpose="birth_date"))
    return cases


# --- Assignment inside each organisation ---------------------------------------------------------
# Each organisation gives the case to its own members, and only on a case it has a role in (cases.roles).
# Every change is a timeline event (about the member, seen by the owner and the organisation itself) and an
# access-log entry (member ids only), in the same transaction. Changes to one case's assignments are
# serialised by a row lock on the case; the unique constraint decides between two coordinators who assign
# the same member at the same moment: one row, and the second is told.


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def check_may_assign(case: Case, membership: Membership) -> None:
    """Refuse, with the reason, a member who may not change who works on `case` in their organisation."""
    if membership.role not in ASSIGNING_ROLES:
        raise ValidationError(_("Only a coordinator or an administrator can assign members to a case."))
    if not has_role_in(case, membership.organisation):
        raise ValidationError(
            _(
                "Your organisation cannot assign members to this case: the case is shared with it, but it has no "
                "role in it. It needs to own the case, be responsible for one of its steps or have accepted a "
                "referral."
            )
        )


def _check_assignable(user: User, organisation: Organisation) -> None:
    if not assignable_members(organisation).filter(user=user).exists():
        raise ValidationError(_("Choose a caseworker, coordinator or administrator of your own organisation."))


def _record_assignment(*, case: Case, membership: Membership, kind: str, member: User, reason: str) -> None:
    own_case = case.owner_id == membership.organisation_id
    add_event(
        case=case,
        kind=kind,
        membership=membership,
        audience=None if own_case else membership.organisation,
        member=member,
    )
    record_access(
        user=membership.user,
        organisation=membership.organisation,
        case=case,
        field_groups=[],
        action=AccessEntry.Action.ASSIGNMENT,
        reason=reason,
        assigned=is_assigned(case, membership),
    )


def _create_assignment(*, case: Case, organisation_id: int, user: User) -> CaseAssignment:
    try:
        with transaction.atomic():
            return CaseAssignment.objects.create(case=case, user=user, organisation_id=organisation_id)
    except IntegrityError as error:
        raise ValidationError(
            _("%(member)s is already assigned to this case. Nothing was changed.") % {"member": user}
        ) from error


@transaction.atomic
def assign_member(*, access: CaseAccess, membership: Membership, user: User) -> CaseAssignment:
    """A coordinator or admin gives the case to a member of their own organisation."""
    if access.must_break_glass:
        raise PermissionError("Break the glass before working on a protected case.")
    case = _locked(access.case)
    check_may_assign(case, membership)
    _check_assignable(user, membership.organisation)
    assignment = _create_assignment(case=case, organisation_id=membership.organisation_id, user=user)
    _record_assignment(
        case=case, membership=membership, kind=CaseEvent.Kind.ASSIGNED, member=user, reason=f"assigned {user.pk}"
    )
    return assignment


@transaction.atomic
def assign_on_acceptance(*, case: Case, membership: Membership, user: User) -> None:
    """The member accepting a referral names who works on the case (themselves by default): called by
    referrals.services.accept once the acceptance has given the organisation its role."""
    case = _locked(case)
    if not has_role_in(case, membership.organisation):
        raise ValidationError(_("Your organisation has no role in this case."))
    _check_assignable(user, membership.organisation)
    _assignment, created = CaseAssignment.objects.get_or_create(
        case=case, user=user, organisation_id=membership.organisation_id
    )
    if created:
        _record_assignment(
            case=case, membership=membership, kind=CaseEvent.Kind.ASSIGNED, member=user, reason=f"assigned {user.pk}"
        )


@transaction.atomic
def unassign_member(*, access: CaseAccess, membership: Membership, user: User) -> bool:
    """Take a member off the case. Returns whether anyone in the organisation is still assigned: removing the
    last is allowed (the member may have left, the organisation's part may be over), and the case page then
    says that nobody holds the case — coordinators and admins still see it."""
    if access.must_break_glass:
        raise PermissionError("Break the glass before working on a protected case.")
    case = _locked(access.case)
    check_may_assign(case, membership)
    deleted, _rows = CaseAssignment.objects.filter(
        case=case, user=user, organisation_id=membership.organisation_id
    ).delete()
    if not deleted:
        raise ValidationError(_("%(member)s is not assigned to this case. Nothing was changed.") % {"member": user})
    _record_assignment(
        case=case, membership=membership, kind=CaseEvent.Kind.UNASSIGNED, member=user, reason=f"unassigned {user.pk}"
    )
    return CaseAssignment.objects.filter(case=case, organisation_id=membership.organisation_id).exists()


@transaction.atomic
def move_assignment(*, access: CaseAccess, membership: Membership, from_user: User, to_user: User) -> None:
    """Absence: move the case from one member to a colleague in one step (nobody is without it in between)."""
    if access.must_break_glass:
        raise PermissionError("Break the glass before working on a protected case.")
    case = _locked(access.case)
    check_may_assign(case, membership)
    if from_user.pk == to_user.pk:
        raise ValidationError(_("Choose a colleague other than the member who holds the case now."))
    _check_assignable(to_user, membership.organisation)
    deleted, _rows = CaseAssignment.objects.filter(
        case=case, user=from_user, organisation_id=membership.organisation_id
    ).delete()
    if not deleted:
        raise ValidationError(
            _("%(member)s is not assigned to this case. Nothing was changed.") % {"member": from_user}
        )
    # A colleague who already holds the case simply keeps it.
    CaseAssignment.objects.get_or_create(case=case, user=to_user, organisation_id=membership.organisation_id)
    _record_assignment(
        case=case,
        membership=membership,
        kind=CaseEvent.Kind.REASSIGNED,
        member=to_user,
        reason=f"moved {from_user.pk} to {to_user.pk}",
    )


@transaction.atomic
def set_protection(*, access: CaseAccess, membership: Membership, protected: bool, named_users: Iterable[User]) -> None:
    """Mark a case protected (high threat) and name who may open it; the member doing it is always named."""
    case = access.case
    Case.objects.filter(pk=case.pk).update(is_protected=protected, version=F("version") + 1)
    ProtectedCaseAccess.objects.filter(case=case).delete()
    if protected:
        users = {user.pk: user for user in named_users} | {membership.user_id: membership.user}
        ProtectedCaseAccess.objects.bulk_create(
            ProtectedCaseAccess(case=case, user=user, granted_by_id=membership.user_id) for user in users.values()
        )
    kind = CaseEvent.Kind.PROTECTED if protected else CaseEvent.Kind.UNPROTECTED
    add_event(case=case, kind=kind, membership=membership)


@transaction.atomic
def break_the_glass(*, access: CaseAccess, membership: Membership, reason: str) -> AccessEntry:
    """Open a protected case one is not named for, for a stated reason; the admins are told at once."""
    if not reason.strip():
        raise ValueError("A reason is required to break the glass.")
    case = access.case
    add_event(case=case, kind=CaseEvent.Kind.BREAK_THE_GLASS, membership=membership)
    entry = log_access(
        access=access, membership=membership, groups=[], action=AccessEntry.Action.BREAK_THE_GLASS, reason=reason
    )
    transaction.on_commit(lambda: notify_admins_of_break_the_glass(case=case, membership=membership))
    return entry


def notify_admins_of_break_the_glass(*, case: Case, membership: Membership) -> None:
    """E-mail the organisation's admins: the pseudonym and a link, never personal data."""
    admins = Membership.objects.filter(
        organisation_id=membership.organisation_id,
        role__in=[Membership.Role.ORG_ADMIN, Membership.Role.DATA_PROTECTION_OFFICER],
    ).select_related("user")
    link = f"{settings.SITE_URL}{reverse('log_review:review')}"
    for admin in admins:
        send_mail(
            subject=_("[Vern] Protected case %(code)s opened by breaking the glass") % {"code": case.code},
            message=_(
                "A member of your organisation broke the glass to open the protected case %(code)s. "
                "Review the access and its reason in Vern: %(link)s"
            )
            % {"code": case.code, "link": link},
            from_email=None,
            recipient_list=[admin.user.email],
        )
