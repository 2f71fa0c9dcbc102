"""Sharing a case's field groups: with the person's consent, or under a legal basis.

Each sharing names the field groups, the receiving organisation and its ground;
each change is a timeline event seen by the owner and the receiver only.
"""

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import CaseAccess
from cases.models import CaseEvent, FieldGroup
from cases.services import add_event
from core.submission import create_once, previously_submitted
from core.text import REASON_MIN_WORDS, is_real_reason
from organisations.models import Membership, Organisation
from sharing.models import Consent, Disclosure, LegalBasis


def _check_scope(*, access: CaseAccess, organisation: Organisation, field_groups: Iterable[str]) -> list[str]:
    groups = sorted(set(field_groups))
    if not groups:
        raise ValidationError(_("Choose at least one kind of information to share."))
    if not set(groups) <= set(FieldGroup.values):
        raise ValidationError(_("Unknown kind of information."))
    if organisation.pk == access.case.owner_id:
        raise ValidationError(_("The case already belongs to this organisation."))
    if not access.can_edit:
        raise ValidationError(_("Only the organisation that owns the case can share it."))
    if set(groups) & set(access.case.withheld_groups):
        raise ValidationError(
            _("Your organisation was not given this information at the hand-over, so it cannot share it.")
        )
    return groups


@transaction.atomic
def record_consent(
    *,
    access: CaseAccess,
    membership: Membership,
    organisation: Organisation,
    field_groups: Iterable[str],
    purpose: str,
    form: str,
    given_on: date,
    expires_on: date | None,
    submission_key: UUID | None = None,
) -> Consent:
    """Record the person's consent; the same submitted form again returns the consent it recorded."""
    if (earlier := previously_submitted(access.case.consents.all(), submission_key)) is not None:
        return earlier
    groups = _check_scope(access=access, organisation=organisation, field_groups=field_groups)
    if given_on > timezone.localdate():
        raise ValidationError(_("Consent cannot be given in the future."))
    if expires_on is not None and expires_on < given_on:
        raise ValidationError(_("The consent cannot expire before it was given."))
    if not purpose.strip():
        raise ValidationError(_("Say what the information may be used for."))
    consent, created = create_once(
        access.case.consents.all(),
        submission_key,
        lambda: Consent.objects.create(
            case=access.case,
            organisation=organisation,
            field_groups=groups,
            purpose=purpose,
            form=form,
            given_on=given_on,
            expires_on=expires_on,
            recorded_by_id=membership.user_id,
            submission_key=submission_key,
        ),
    )
    if not created:
        return consent
    add_event(
        case=access.case,
        kind=CaseEvent.Kind.CONSENT_GIVEN,
        membership=membership,
        audience=organisation,
        field_groups=groups,
    )
    return consent


@transaction.atomic
def withdraw_consent(*, access: CaseAccess, membership: Membership, consent: Consent) -> None:
    """The person withdraws consent: the receiver loses access from now on; the record stays."""
    if consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by_id = membership.user_id
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    add_event(
        case=access.case,
        kind=CaseEvent.Kind.CONSENT_WITHDRAWN,
        membership=membership,
        audience=consent.organisation,
        field_groups=consent.field_groups,
    )


@transaction.atomic
def disclose(
    *,
    access: CaseAccess,
    membership: Membership,
    organisation: Organisation,
    field_groups: Iterable[str],
    legal_basis: LegalBasis,
    justification: str,
    person_informed: bool,
    informed_on: date | None,
    submission_key: UUID | None = None,
) -> Disclosure:
    """Record a sharing under a legal basis; the same submitted form again returns the disclosure it recorded."""
    if (earlier := previously_submitted(access.case.disclosures.all(), submission_key)) is not None:
        return earlier
    groups = _check_scope(access=access, organisation=organisation, field_groups=field_groups)
    if not is_real_reason(justification):
        # The same test as for breaking the glass: a zero-width space or "." is no justification.
        raise ValidationError(
            _("A disclosure without consent needs a written justification, in at least %(words)s words.")
            % {"words": REASON_MIN_WORDS}
        )
    if person_informed and informed_on is None:
        raise ValidationError(_("Give the date the person was told."))
    if informed_on is not None and informed_on > timezone.localdate():
        raise ValidationError(_("The date the person was told cannot be in the future."))
    disclosure, created = create_once(
        access.case.disclosures.all(),
        submission_key,
        lambda: Disclosure.objects.create(
            case=access.case,
            organisation=organisation,
            field_groups=groups,
            legal_basis=legal_basis,
            justification=justification,
            person_informed=person_informed,
            informed_on=informed_on if person_informed else None,
            created_by_id=membership.user_id,
            submission_key=submission_key,
        ),
    )
    if not created:
        return disclosure
    add_event(
        case=access.case,
        kind=CaseEvent.Kind.DISCLOSED,
        membership=membership,
        audience=organisation,
        field_groups=groups,
        note=legal_basis.code,
    )
    return disclosure


@transaction.atomic
def end_disclosure(*, access: CaseAccess, membership: Membership, disclosure: Disclosure) -> None:
    if disclosure.ended_at is not None:
        return
    disclosure.ended_at = timezone.now()
    disclosure.ended_by_id = membership.user_id
    disclosure.save(update_fields=["ended_at", "ended_by"])
    add_event(
        case=access.case,
        kind=CaseEvent.Kind.DISCLOSURE_ENDED,
        membership=membership,
        audience=disclosure.organisation,
        field_groups=disclosure.field_groups,
    )
