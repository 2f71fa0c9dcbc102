"""Who may record a case's rights.

The owner records every right of its case. An organisation the case is shared
with (by consent or under a legal basis, cases.access) records the rights its
kind provides — NAV living support, temporary housing and activation, the
lawyer legal counsel, the interpreter service interpretation, the school
schooling (`Right.provided_by`, data in rights/fixtures/rights_v1.json). A
right is not a field group: recording it widens nobody's access to the person's
information, and a partner sees only the rights it provides.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from cases.access import CaseAccess, visible_cases
from cases.models import Case
from organisations.models import Membership, Organisation
from rights.models import CaseRight, Right


def provides(organisation: Organisation, right: Right) -> bool:
    """Whether organisations of this kind provide the right (the catalogue says so)."""
    return organisation.kind in right.provided_by


def provided_right_ids(organisation: Organisation, rights: Iterable[Right] | None = None) -> list[int]:
    """The rights this organisation's kind provides (the catalogue is small; JSON containment is not on SQLite)."""
    rights = Right.objects.filter(is_active=True) if rights is None else rights
    return [right.pk for right in rights if provides(organisation, right)]


def may_record_right(access: CaseAccess, membership: Membership, right: Right) -> bool:
    """The owner, or a sharing organisation that provides the right; never behind an unbroken glass."""
    if access.must_break_glass:
        return False
    return access.can_edit or provides(membership.organisation, right)


def may_record_on_case(case: Case, membership: Membership, right: Right) -> bool:
    """The same rule for services called without a CaseAccess (the view has already checked the glass)."""
    if case.owner_id == membership.organisation_id:
        return True
    return provides(membership.organisation, right) and visible_cases(membership).filter(pk=case.pk).exists()


def rights_shown(access: CaseAccess, membership: Membership) -> QuerySet[CaseRight]:
    """The case's rights on its page: all of them to the owner, those it provides to a sharing organisation."""
    case_rights = access.case.rights.select_related("right", "organisation").order_by("right__order")
    if access.must_break_glass:
        return case_rights.none()
    if access.is_owner:
        return case_rights
    return case_rights.filter(right_id__in=provided_right_ids(membership.organisation))
