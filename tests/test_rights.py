"""The rights tracker: rights by track, valid dates, the gap view and the delivery summary."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEntry
from cases import services as case_services
from cases.access import get_case_for, visible_cases
from cases.models import Case
from organisations.models import Membership, Organisation
from rights import services
from rights.models import CaseRight, Right
from sharing import services as sharing_services
from sharing.models import Consent
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
    references = " ".join(Right.objects.values_list("legal_reference_nb", flat=True))
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


# Rights written by the organisation that provides them (issue 14, item 1).


def share(case: Case, cast: Cast, organisation: Any, groups: list[str] | None = None) -> None:
    sharing_services.record_consent(
        access=get_case_for(worker(cast), case.code, glass_broken=True),
        membership=worker(cast),
        organisation=organisation,
        field_groups=groups or ["identity"],
        purpose="Oppfølging",
        form=Consent.Form.WRITTEN,
        given_on=timezone.localdate() - timedelta(days=1),
        expires_on=None,
    )


def living_support_url(case: Case) -> str:
    return reverse("cases:edit_right", args=[case.code, "living_support"])


def delivered(days_ago: int = 0) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "status": Status.DELIVERED,
        "offered_on": (today - timedelta(days=days_ago + 2)).strftime("%d.%m.%Y"),
        "delivered_on": (today - timedelta(days=days_ago)).strftime("%d.%m.%Y"),
        "note": "",
    }


def test_every_provider_kind_in_the_catalogue_is_a_kind_of_organisation() -> None:
    kinds = set(Organisation.Kind.values)
    for right in Right.objects.all():
        assert set(right.provided_by) <= kinds, right.code
    assert "nav_office" in Right.objects.get(code="living_support").provided_by
    assert "nav_office" in Right.objects.get(code="temporary_housing").provided_by
    assert Right.objects.get(code="victim_lawyer").provided_by == ["lawyer"]


def test_nav_records_living_support_delivered_on_a_case_shared_with_it_by_consent(cast: Cast) -> None:
    case = new_case(cast)
    share(case, cast, cast.nav)
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    assert client.get(living_support_url(case)).status_code == 200
    response = client.post(living_support_url(case), delivered())
    assert response.status_code == 302
    case_right = case.rights.get(right__code="living_support")
    assert (case_right.status, case_right.organisation, case_right.updated_by) == (
        Status.DELIVERED,
        cast.nav,
        cast.nav_coordinator,
    )
    event = case.events.get(kind="right_updated")
    assert (event.organisation, event.actor, event.audience) == (cast.nav, cast.nav_coordinator, cast.nav)
    entry = AccessEntry.objects.filter(case=case, organisation=cast.nav, action=AccessEntry.Action.EDIT).get()
    assert entry.user == cast.nav_coordinator
    assert entry.reason == "living_support: delivered"
    # NAV sees the rights it provides on the case page, and its own entry on the timeline; not the others' rights.
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'data-testid="right-living_support"' in page
    assert 'data-testid="right-temporary_housing"' in page
    assert 'data-testid="right-victim_lawyer"' not in page
    assert 'data-testid="right-psychological_assistance"' not in page


def test_the_owner_still_records_every_right(cast: Cast) -> None:
    case = new_case(cast)
    share(case, cast, cast.nav)
    response = client_acting_in(cast.ngo_worker, cast.ngo).post(living_support_url(case), delivered())
    assert response.status_code == 302
    assert case.rights.get(right__code="living_support").organisation == cast.ngo


def test_a_sharing_organisation_that_does_not_provide_the_right_is_refused(cast: Cast) -> None:
    case = new_case(cast)
    share(case, cast, cast.tot)  # TOT Oslo: a coordinator, not the office that grants living support
    client = client_acting_in(cast.nav_worker, cast.tot)
    response = client.post(living_support_url(case), delivered())
    assert response.status_code == 403
    assert "Du kan ikke registrere denne rettigheten" in response.content.decode()
    assert "NAV-kontor" in response.content.decode()  # who does provide it
    assert case.rights.get(right__code="living_support").status == Status.NOT_OFFERED
    tot = Membership.objects.select_related("user", "organisation").get(user=cast.nav_worker, organisation=cast.tot)
    with pytest.raises(ValidationError, match="Bare organisasjonen som eier saken"):
        services.update_case_right(
            case_right=case.rights.get(right__code="living_support"),
            membership=tot,
            status=Status.OFFERED,
            offered_on=timezone.localdate(),
            delivered_on=None,
            declined_on=None,
            note="",
        )


def test_an_unrelated_organisation_gets_404_and_a_provider_without_sharing_too(cast: Cast) -> None:
    case = new_case(cast)
    assert (
        client_acting_in(cast.bergen_admin, cast.bergen_org).post(living_support_url(case), delivered()).status_code
        == 404
    )
    # NAV provides living support, but this case is not shared with it.
    assert (
        client_acting_in(cast.nav_coordinator, cast.nav).post(living_support_url(case), delivered()).status_code == 404
    )
    nav = Membership.objects.select_related("user", "organisation").get(user=cast.nav_coordinator)
    with pytest.raises(ValidationError):
        services.update_case_right(
            case_right=case.rights.get(right__code="living_support"),
            membership=nav,
            status=Status.OFFERED,
            offered_on=timezone.localdate(),
            delivered_on=None,
            declined_on=None,
            note="",
        )
    assert case.rights.get(right__code="living_support").status == Status.NOT_OFFERED


def test_a_withdrawn_consent_ends_the_providers_right_to_record(cast: Cast) -> None:
    case = new_case(cast)
    share(case, cast, cast.nav)
    Consent.objects.filter(case=case).update(withdrawn_at=timezone.now())
    assert (
        client_acting_in(cast.nav_coordinator, cast.nav).post(living_support_url(case), delivered()).status_code == 404
    )


def test_a_protected_case_needs_the_glass_broken_before_nav_records(cast: Cast) -> None:
    case = new_case(cast)
    share(case, cast, cast.nav)
    admin = Membership.objects.get(user=cast.ngo_admin)
    case_services.set_protection(
        access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[]
    )
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    assert client.post(living_support_url(case), delivered()).status_code == 404
    assert case.rights.get(right__code="living_support").status == Status.NOT_OFFERED
    glass = client.post(
        reverse("cases:break_glass", args=[case.code]), {"ground": "other", "explanation": "Utbetaling må skje i dag"}
    )
    assert glass.status_code == 302
    assert client.post(living_support_url(case), delivered()).status_code == 302
    assert case.rights.get(right__code="living_support").status == Status.DELIVERED


def test_the_gap_page_of_nav_lists_the_cases_shared_with_it_that_lack_what_nav_provides(cast: Cast) -> None:
    shared, not_shared = new_case(cast), new_case(cast)
    share(shared, cast, cast.nav)
    Case.objects.update(created_at=timezone.now() - timedelta(days=30))
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    page = client.get(reverse("rights:gaps")).content.decode()
    assert shared.code in page
    assert not_shared.code not in page
    assert 'data-testid="no-gaps"' not in page
    nav = Membership.objects.select_related("organisation").get(user=cast.nav_coordinator)
    [gap] = services.gaps(cases=visible_cases(nav), days=14, organisation=cast.nav)
    assert {case_right.right.code for case_right in gap.missing} == {
        "living_support",
        "temporary_housing",
        "activation",
        "material_assistance",
        "accommodation",
    }
    today = timezone.localdate()
    for code in ("living_support", "temporary_housing", "activation", "material_assistance", "accommodation"):
        client.post(
            reverse("cases:edit_right", args=[shared.code, code]),
            delivered() | {"delivered_on": today.strftime("%d.%m.%Y")},
        )
    assert services.gaps(cases=visible_cases(nav), days=14, organisation=cast.nav) == []
    # The owner's gap page still lists every right of its own case (NAV's are delivered, the rest are not).
    owner_gaps = services.gaps(cases=visible_cases(worker(cast)), days=14, organisation=cast.ngo)
    assert {gap.case for gap in owner_gaps} == {shared, not_shared}
