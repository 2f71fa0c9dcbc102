"""Every page inside a case that the scenarios do not reach, checked by axe-core."""

import pytest

from cases import services
from cases.access import get_case_for
from organisations.models import Membership
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_case_pages_are_accessible(vern: Vern, cast: Cast) -> None:
    admin = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_admin)
    case = services.create_case(membership=admin, municipality=cast.oslo)
    right = case.rights.select_related("right").order_by("pk")[0].right.code
    vern.log_in(cast.ngo_admin)
    for path in [
        f"/cases/{case.code}/",
        f"/cases/{case.code}/protect/",
        f"/cases/{case.code}/track/",
        f"/cases/{case.code}/rights/{right}/",
        f"/cases/{case.code}/groups/identity/",
        f"/cases/{case.code}/sharing/consent/new/",
        f"/cases/{case.code}/sharing/disclosure/new/",
        f"/cases/{case.code}/who-has-seen/",
        "/audit/review/",
        "/organisation/members/",
    ]:
        vern.go(path)
        vern.assert_accessible()


def test_the_break_the_glass_page_is_accessible(vern: Vern, cast: Cast) -> None:
    admin = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_admin)
    case = services.create_case(membership=admin, municipality=cast.oslo)
    services.set_protection(access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[])
    coordinator = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.COORDINATOR).user
    vern.log_in(coordinator)
    vern.go(f"/cases/{case.code}/")
    vern.assert_accessible()
