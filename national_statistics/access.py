"""Who works with the national statistics: the statisticians of the national coordination unit.

They see only published tables and the store's bookkeeping (files, record and
person counts), never a record: nothing in the store identifies anyone, and no
view shows a record. Other statisticians, and everyone else, are refused.
"""

from organisations.models import Membership, Organisation


def is_national_statistician(membership: Membership) -> bool:
    return (
        membership.role == Membership.Role.STATISTICIAN
        and membership.organisation.kind == Organisation.Kind.NATIONAL_COORDINATION
    )
