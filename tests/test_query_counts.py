"""Pages that list things cost the same number of queries however much there is to list.

Each test measures a page with 3 of something, grows it to 30 and measures
again: the two counts must be equal, so no page runs a query per row (N+1).
The first request of a client is made before measuring, because it creates the
user's session-tracking row once.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import create_api_token
from audit.models import AccessEntry
from audit.services import record_access
from cases import services
from cases.access import get_case_for
from cases.models import Case, CaseEvent, FieldGroup
from core import crypto
from organisations.models import Membership, Organisation
from sharing.models import Consent, Disclosure, LegalBasis
from tests.conftest import Cast
from tests.factories import CaseFactory, MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db

FEW, MANY = 3, 30


def queries_for(client: Client, url: str, *, rows: int, row: str) -> int:
    """The queries one GET of `url` runs; the page must show at least `rows` rows (starting with `row`)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(row) >= rows
    return len(queries)


def counts_with_few_and_many(
    client: Client, url: str, grow_to: Callable[[int], None], *, row: str = "<tr"
) -> tuple[int, int]:
    grow_to(FEW)
    client.get(url)  # warm-up: the first request creates the session-tracking row
    few = queries_for(client, url, rows=FEW, row=row)
    grow_to(MANY)
    return few, queries_for(client, url, rows=MANY, row=row)


def member(user: Any, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)


def new_case(cast: Cast) -> Case:
    worker = member(cast.ngo_worker, cast.ngo)
    case = services.create_case(membership=worker, municipality=cast.oslo)
    access = get_case_for(worker, case.code)
    for group, data in [(FieldGroup.IDENTITY, {"nationality": "RO"}), (FieldGroup.HEALTH, {"pregnant": "no"})]:
        case = services.save_field_group(
            access=access, membership=worker, group=group, data=data, expected_version=case.version
        )
    return case


def receivers(count: int) -> list[Organisation]:
    """`count` organisations a case can be shared with, each its own row (and name) on the page."""
    existing = list(Organisation.objects.filter(name__startswith="Mottaker ").order_by("pk"))
    return existing + [
        OrganisationFactory.create(name=f"Mottaker {n}", kind=Organisation.Kind.NAV_OFFICE)
        for n in range(len(existing), count)
    ]


def test_the_case_list_costs_the_same_for_3_and_30_cases(cast: Cast) -> None:
    def grow_to(count: int) -> None:
        for n in range(Case.objects.filter(owner=cast.ngo).count(), count):
            # Half the cases are another organisation's, shared with the NGO, so both branches of the scope run.
            if n % 2:
                case = CaseFactory.create(owner=cast.nav, municipality=cast.oslo, is_protected=n % 3 == 0)
                Consent.objects.create(
                    case=case,
                    organisation=cast.ngo,
                    field_groups=[FieldGroup.IDENTITY],
                    purpose="Oppfølging",
                    form=Consent.Form.WRITTEN,
                    given_on=timezone.localdate(),
                )
            CaseFactory.create(owner=cast.ngo, municipality=cast.oslo)

    few, many = counts_with_few_and_many(client_acting_in(cast.ngo_admin, cast.ngo), reverse("cases:list"), grow_to)
    assert few == many


def test_a_search_by_identity_costs_the_same_for_3_and_30_matches(cast: Cast) -> None:
    """The search and its access log entry (one, with the hit count) run a fixed number of queries."""
    name_index = crypto.blind_index("Testa Personsen", purpose="name")
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    # Warm-up: the first request creates the session-tracking row, the first entry the log's chain head.
    client.post(reverse("cases:list"), {"name": "Ingen Personsen"})

    def search_with(matches: int) -> int:
        for _n in range(Case.objects.filter(name_index=name_index).count(), matches):
            CaseFactory.create(owner=cast.ngo, municipality=cast.oslo, name_index=name_index)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("cases:list"), {"name": "Testa Personsen"})
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="holders-') == matches
        return len(queries)

    assert search_with(FEW) == search_with(MANY)
    assert list(AccessEntry.objects.filter(action=AccessEntry.Action.SEARCH).values_list("hits", flat=True)) == [
        MANY,
        FEW,
        0,
    ]


def test_a_case_costs_the_same_with_3_and_30_sharings_and_events(cast: Cast) -> None:
    case = new_case(cast)
    worker = member(cast.ngo_worker, cast.ngo)
    basis = LegalBasis.objects.order_by("pk").first()
    assert basis is not None

    def grow_to(count: int) -> None:
        for organisation in receivers(count)[case.consents.count() :]:
            Consent.objects.create(
                case=case,
                organisation=organisation,
                field_groups=[FieldGroup.IDENTITY],
                purpose="Oppfølging",
                form=Consent.Form.ORAL,
                given_on=timezone.localdate(),
                expires_on=timezone.localdate() + timedelta(days=90),
                recorded_by=cast.ngo_worker,
            )
            Disclosure.objects.create(
                case=case,
                organisation=organisation,
                field_groups=[FieldGroup.HEALTH],
                legal_basis=basis,
                justification="Nødvendig for oppfølgingen",
                created_by=cast.ngo_worker,
            )
            services.add_event(
                case=case,
                kind=CaseEvent.Kind.CONSENT_GIVEN,
                membership=worker,
                audience=organisation,
                field_groups=[FieldGroup.IDENTITY],
            )
            services.add_event(case=case, kind=CaseEvent.Kind.ASSIGNED, membership=worker, member=cast.ngo_colleague)

    few, many = counts_with_few_and_many(
        client_acting_in(cast.ngo_worker, cast.ngo), reverse("cases:detail", args=[case.code]), grow_to
    )
    assert few == many


def test_a_shared_case_costs_the_same_with_3_and_30_events(cast: Cast) -> None:
    case = new_case(cast)
    worker = member(cast.ngo_worker, cast.ngo)
    Consent.objects.create(
        case=case,
        organisation=cast.nav,
        field_groups=[FieldGroup.IDENTITY],
        purpose="Oppfølging",
        form=Consent.Form.WRITTEN,
        given_on=timezone.localdate(),
    )

    def grow_to(count: int) -> None:
        for _n in range(case.events.filter(audience=cast.nav).count(), count):
            services.add_event(
                case=case,
                kind=CaseEvent.Kind.CONSENT_GIVEN,
                membership=worker,
                audience=cast.nav,
                field_groups=[FieldGroup.IDENTITY],
            )

    few, many = counts_with_few_and_many(
        client_acting_in(cast.nav_coordinator, cast.nav),
        reverse("cases:detail", args=[case.code]),
        grow_to,
        row="<li><time",
    )
    assert few == many


def test_who_has_seen_costs_the_same_for_3_and_30_accesses(cast: Cast) -> None:
    case = new_case(cast)

    def grow_to(count: int) -> None:
        # Each access by another user of another organisation: every row names a different person and body.
        for n in range(AccessEntry.objects.filter(case=case, reason__startswith="Sak ").count(), count):
            reader = MembershipFactory.create(organisation=receivers(n + 1)[n], role=Membership.Role.CASEWORKER)
            record_access(
                user=reader.user,
                organisation=reader.organisation,
                case=case,
                field_groups=[FieldGroup.IDENTITY],
                action=AccessEntry.Action.DISCLOSURE if n % 2 else AccessEntry.Action.BREAK_THE_GLASS,
                reason=f"Sak {n}: akutt fare for personen",
            )

    few, many = counts_with_few_and_many(
        client_acting_in(cast.ngo_worker, cast.ngo), reverse("cases:who_has_seen", args=[case.code]), grow_to
    )
    assert few == many


def test_the_log_review_costs_the_same_for_3_and_30_flagged_members(cast: Cast) -> None:
    case = CaseFactory.create(owner=cast.ngo, municipality=cast.oslo)
    # Yesterday at 23:00 Oslo time: outside working hours, inside the default review period.
    late = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0) - timedelta(days=1)

    def grow_to(count: int) -> None:
        staff = Membership.objects.filter(organisation=cast.ngo, user__first_name="Flagget")
        for n in range(staff.count(), count):
            worker = MembershipFactory.create(
                organisation=cast.ngo, role=Membership.Role.CASEWORKER, user__first_name="Flagget"
            )
            for action, reason in [
                (AccessEntry.Action.VIEW, ""),
                (AccessEntry.Action.BREAK_THE_GLASS, "Akutt fare, politiet ringte"),
            ]:
                record_access(
                    user=worker.user,
                    organisation=cast.ngo,
                    case=case,
                    field_groups=[FieldGroup.IDENTITY],
                    action=action,
                    reason=reason,
                    at=late + timedelta(minutes=n),
                )

    few, many = counts_with_few_and_many(
        client_acting_in(cast.ngo_admin, cast.ngo), reverse("log_review:review"), grow_to
    )
    assert few == many


def test_a_case_costs_the_same_with_3_and_30_progress_entries(cast: Cast) -> None:
    """Each entry by another member of another organisation the case is shared with, about health or in general:
    the owner's page and a partner's page list them all in one query, and log the read once."""
    case = new_case(cast)
    owner = member(cast.ngo_worker, cast.ngo)
    partner = member(cast.nav_coordinator, cast.nav)
    Consent.objects.create(
        case=case,
        organisation=cast.nav,
        field_groups=[FieldGroup.HEALTH],
        purpose="Oppfølging",
        form=Consent.Form.WRITTEN,
        given_on=timezone.localdate(),
    )

    def grow_to(count: int) -> None:
        for n in range(case.progress_entries.filter(group=FieldGroup.HEALTH).count(), count):
            organisation = receivers(n + 1)[n]
            Consent.objects.create(
                case=case,
                organisation=organisation,
                field_groups=[FieldGroup.HEALTH],
                purpose="Oppfølging",
                form=Consent.Form.WRITTEN,
                given_on=timezone.localdate(),
            )
            writer = MembershipFactory.create(organisation=organisation, role=Membership.Role.COORDINATOR)
            services.write_progress_entry(
                access=get_case_for(writer, case.code), membership=writer, group=FieldGroup.HEALTH, text=f"Notat {n}"
            )
        services.write_progress_entry(
            access=get_case_for(owner, case.code), membership=owner, group="general", text="Eget notat"
        )

    row = 'data-testid="progress-entry-'
    url = reverse("cases:detail", args=[case.code])
    for reader in (owner, partner):
        few, many = counts_with_few_and_many(client_acting_in(reader.user, reader.organisation), url, grow_to, row=row)
        assert few == many, reader.organisation.name
        case.progress_entries.all().delete()


def test_the_organisations_api_tokens_cost_the_same_for_3_and_30_tokens(cast: Cast) -> None:
    def grow_to(count: int) -> None:
        for n in range(ApiToken.objects.count(), count):
            create_api_token(membership=MembershipFactory.create(organisation=cast.ngo), name=f"Skript {n}")

    client = client_acting_in(cast.ngo_admin, cast.ngo)
    few, many = counts_with_few_and_many(client, reverse("organisations:api_tokens"), grow_to, row="Skript ")
    assert few == many
