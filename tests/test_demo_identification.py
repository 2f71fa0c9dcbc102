import pytest

from demo.identification import CONTACTS, seed_identification
from demo.seeding import seed_demo
from rights.models import CaseRight
from screening.models import ChildWelfareNotification, Screening

pytestmark = pytest.mark.django_db


def test_the_demo_has_rights_filling_in_and_anonymous_contacts() -> None:
    seed_demo(seed=7, scale=1)
    result = seed_identification(seed=7)
    assert result.case_rights > 0
    statuses = set(CaseRight.objects.values_list("status", flat=True))
    assert {"delivered", "not_offered"} <= statuses  # some delivered, some still missing for the gap view
    assert result.screenings == len(CONTACTS)
    assert Screening.objects.filter(case__isnull=True, status="completed").count() == len(CONTACTS)
    assert ChildWelfareNotification.objects.count() == 1
    assert seed_identification(seed=7).screenings == 0  # running the demo seeding again adds no duplicates
