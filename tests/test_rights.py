"""The rights tracker: rights by track, valid dates, the gap view and the delivery summary."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.access import get_case_for, visible_cases
from cases.models import Case
from organisations.models import Membership
from rights import services
from rights.models import CaseRight, Right
from tests.conftest import Cast
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db
Status = CaseRight.Status


def worker(cast: Cast) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=cast.ngo_worker)


def new_case(cast: Cast, track: str = Case.Track.ADULT) -> Case:
    return case_services.create_case(membership=worker(cast), municipality=cast.oslo, track=track)


def test_every_right_has_a_legal_reference_and_a_source() -> None:
    assert Right.objects.count() >= 10
    for right in Right.objects.all():
        assert right.legal_reference.strip()
        assert right.source.strip()
        assert right.title_nb
        assert right.title_en
        assert set(right.tracks) <= {"adult", "child"}
        assert right.tracks


def test_convention_article_12_is_covered() -> None:
    references = " ".join(Right.objects.values_list("legal_reference", flat=True))
    for letter in "abcdef":
        assert (
            f"12 (1) {letter}" in references
            or f"12(1)({letter})" in references
            or f"12 nr. 1 bokstav {letter}" in references
            or f"art. 12 (1) {letter}" in references
        )


def test_a_case_gets_the_rights_of_its_track_and_more_when_it_changes_track(cast: Cast) -> None:
    case = new_case(cast)
    adult = set(case.rights.values_list("right__code", flat=True))
    child_only = {r.code for r in Right.objects.all() if r.tracks == ["child"]}
    assert adult
    assert not (adult & child_only)
    access = get_case_for(worker(cast), case.code)
    case_services.change_track(access=access, membership=worker(cast), track=Case.Track.CHILD, reason="Aldersvurdering")
    assert child_only <= set(case.rights.values_list("right__code", flat=True))
    assert case.events.filter(kind="track_changed").exists()


def update(case_right: CaseRight, cast: Cast, **kwargs: Any) -> CaseRight:
    data = {"offered_on": None, "delivered_on": None, "declined_on": None, "note": ""} | kwargs
    return services.update_case_right(case_right=case_right, membership=worker(cast), **data)


def test_a_right_cannot_be_delivered_before_it_was_offered_or_in_the_future(cast: Cast) -> None:
    case_right = new_case(cast).rights.order_by("pk")[0]
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        update(case_right, cast, status=Status.DELIVERED, delivered_on=today)  # never offered
    with pytest.raises(ValidationError):
        update(case_right, cast, status=Status.DELIVERED, offered_on=today, delivered_on=today - timedelta(days=1))
    with pytest.raises(ValidationError):
        update(case_right, cast, status=Status.OFFERED, offered_on=today + timedelta(days=1))
    update(case_right, cast, status=Status.DELIVERED, offered_on=today - timedelta(days=3), delivered_on=today)
    case_right.refresh_from_db()
    assert case_right.status == Status.DELIVERED
    assert case_right.organisation == cast.ngo


def test_a_child_cannot_decline_protection(cast: Cast) -> None:
    case = new_case(cast, Case.Track.CHILD)
    protected = case.rights.filter(right__child_cannot_decline=True).first()
    assert protected is not None
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="barn kan ikke takke nei"):
        update(protected, cast, status=Status.DECLINED, offered_on=today, declined_on=today)


def test_the_gap_view_lists_cases_with_missing_rights_and_empties_as_they_are_delivered(cast: Cast) -> None:
    case = new_case(cast)
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=30))
    cases = visible_cases(worker(cast))
    assert [gap.case for gap in services.gaps(cases=cases, days=14)] == [case]
    assert services.gaps(cases=cases, days=60) == []
    today = timezone.localdate()
    for case_right in case.rights.all():
        update(case_right, cast, status=Status.DELIVERED, offered_on=today - timedelta(days=20), delivered_on=today)
    assert services.gaps(cases=cases, days=14) == []


def test_the_gap_view_and_summary_pages_have_constant_queries(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    client.get(reverse("rights:gaps"))  # warm up the session
    counts = []
    for extra in (2, 12):
        for _ in range(extra):
            new_case(cast)
        Case.objects.update(created_at=timezone.now() - timedelta(days=30))
        with CaptureQueriesContext(connection) as gaps_page:
            assert client.get(reverse("rights:gaps")).status_code == 200
        with CaptureQueriesContext(connection) as summary_page:
            assert client.get(reverse("rights:summary")).status_code == 200
        counts.append((len(gaps_page), len(summary_page)))
    assert counts[0] == counts[1]


def test_the_summary_gives_the_share_delivered_per_right(cast: Cast) -> None:
    first, _second = new_case(cast), new_case(cast)
    right = first.rights.first().right  # type: ignore[union-attr]
    today = timezone.localdate()
    update(first.rights.get(right=right), cast, status=Status.DELIVERED, offered_on=today, delivered_on=today)
    row = next(row for row in services.delivery_summary(organisation=cast.ngo) if row.right == right)
    assert (row.total, row.delivered, row.delivered_share) == (2, 1, 50)


def test_caseworkers_do_not_see_the_gap_view(cast: Cast) -> None:
    assert client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("rights:gaps")).status_code == 403
