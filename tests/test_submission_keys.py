"""Idempotent forms: the same rendered form sent twice records once (issue 15, hole 8; issue 20's retries).

Each form carries a one-time key made when it is rendered (core.forms.SubmissionKeyField); the
second POST of that form redirects exactly like the first, and nothing is recorded twice — neither
the record nor its timeline event or notification. Two renderings are two keys, and two records.
"""

import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from cases.access import get_case_for
from cases.models import Case, CaseEvent
from cases.services import create_case
from core import submission
from meetings.models import Meeting
from notifications.models import Notification
from organisations.models import Membership
from referrals.models import Referral
from sharing.models import Consent, Disclosure, LegalBasis
from sharing.services import record_consent
from tests.bergen import Bergen, bergen_child_case
from tests.conftest import Cast
from tests.helpers import client_acting_in
from tests.test_notifications import run_concurrently
from tests.test_referrals import case_at_lawyer_step, relay

__all__ = ["relay"]  # a fixture, used by name

pytestmark = pytest.mark.django_db

KEY_FIELD = re.compile(r'name="submission_key" value="([0-9a-f-]{36})"')


def rendered_key(client: Client, url: str) -> str:
    """The key of one rendering of the form at `url`."""
    page = client.get(url)
    assert page.status_code == 200
    [key] = KEY_FIELD.findall(page.text)
    return key


def send_twice(client: Client, url: str, data: dict[str, Any]) -> tuple[Any, Any]:
    data = data | {"submission_key": rendered_key(client, url)}
    return client.post(url, data, follow=True), client.post(url, data, follow=True)


def shown_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def assert_once(first: Any, second: Any) -> None:
    """The second response is the first's: the same redirect, the same success message."""
    assert first.redirect_chain
    assert second.redirect_chain == first.redirect_chain
    assert shown_messages(first)
    assert shown_messages(second) == shown_messages(first)


def ngo_case(cast: Cast) -> tuple[Client, Case]:
    worker = Membership.objects.get(user=cast.ngo_worker, organisation=cast.ngo)
    return client_acting_in(cast.ngo_worker, cast.ngo), create_case(membership=worker, municipality=cast.oslo)


def consent_form(cast: Cast) -> dict[str, Any]:
    return {
        "organisation": cast.nav.pk,
        "field_groups": ["identity"],
        "purpose": "Oppfølging av livsopphold",
        "form": "written",
        "given_on": "2026-01-05",
    }


def disclosure_form(cast: Cast) -> dict[str, Any]:
    return {
        "organisation": cast.nav.pk,
        "field_groups": ["identity"],
        "legal_basis": LegalBasis.objects.get(code="duty-to-avert").pk,
        "justification": "Fare for nye overgrep mot personen",
    }


@pytest.mark.parametrize(
    ("url_name", "form", "model", "event"),
    [
        ("cases:sharing:consent_create", consent_form, Consent, CaseEvent.Kind.CONSENT_GIVEN),
        ("cases:sharing:disclosure_create", disclosure_form, Disclosure, CaseEvent.Kind.DISCLOSED),
    ],
)
def test_a_sharing_sent_twice_is_recorded_once(
    cast: Cast, url_name: str, form: Callable[[Cast], dict[str, Any]], model: Any, event: str
) -> None:
    client, case = ngo_case(cast)
    url = reverse(url_name, args=[case.code])

    first, second = send_twice(client, url, form(cast))

    assert_once(first, second)
    assert first.redirect_chain[0][0] == reverse("cases:detail", args=[case.code])
    assert model.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=event).count() == 1


@pytest.mark.parametrize(
    ("url_name", "form", "model"),
    [
        ("cases:sharing:consent_create", consent_form, Consent),
        ("cases:sharing:disclosure_create", disclosure_form, Disclosure),
    ],
)
def test_two_renderings_of_a_sharing_form_record_two(
    cast: Cast, url_name: str, form: Callable[[Cast], dict[str, Any]], model: Any
) -> None:
    client, case = ngo_case(cast)
    url = reverse(url_name, args=[case.code])

    send_twice(client, url, form(cast))
    send_twice(client, url, form(cast))

    assert model.objects.filter(case=case).count() == 2


def test_a_form_without_a_key_is_not_refused_and_has_no_protection(cast: Cast) -> None:
    client, case = ngo_case(cast)
    url = reverse("cases:sharing:consent_create", args=[case.code])

    assert client.post(url, consent_form(cast)).status_code == 302
    assert client.post(url, consent_form(cast)).status_code == 302

    assert Consent.objects.filter(case=case).count() == 2


def test_a_referral_sent_twice_is_sent_once_and_told_once(relay: dict[str, Membership], cast: Cast) -> None:
    case, _step = case_at_lawyer_step(relay, cast)
    low = relay["low"]
    client = client_acting_in(low.user, low.organisation)
    url = reverse("cases:refer", args=[case.code]) + "?step=lawyer"
    form = {
        "to": relay["lawyer"].organisation_id,
        "purpose": "Fritt rettsråd",
        "ground": "consent",
        "consent_form": "written",
        "field_groups": ["identity"],
    }

    first, second = send_twice(client, url, form)

    assert_once(first, second)
    assert Referral.objects.filter(case=case).count() == 1
    assert Consent.objects.filter(case=case).count() == 1  # the sharing that goes with it, once too
    assert Notification.objects.filter(case=case, kind=Notification.Kind.REFERRAL).count() == 1
    # Another rendering is another referral, judged on its own: this one is already waiting for an answer.
    third = client.post(url, form | {"submission_key": rendered_key(client, url)})
    assert third.status_code == 200
    assert Referral.objects.filter(case=case).count() == 1


def test_a_hand_over_confirmed_twice_is_sent_once(relay: dict[str, Membership], cast: Cast) -> None:
    case, _step = case_at_lawyer_step(relay, cast)
    low = relay["low"]
    client = client_acting_in(low.user, low.organisation)
    url = reverse("cases:hand_over", args=[case.code])
    form = {
        "to": relay["nav"].organisation_id,
        "purpose": "Oppfølging",
        "ground": "consent",
        "consent_form": "written",
        "field_groups": ["identity"],
        "submission_key": rendered_key(client, url),
    }
    shown = client.post(url, form)
    # The confirmation page carries the key of the form it confirms.
    assert KEY_FIELD.findall(shown.text) == [form["submission_key"]]

    first, second = (client.post(url, form | {"confirmed": "yes"}, follow=True) for _ in range(2))

    assert_once(first, second)
    assert Referral.objects.filter(case=case, kind=Referral.Kind.HANDOVER).count() == 1


@pytest.fixture
def bergen(cast: Cast, chain_templates: None) -> Bergen:
    return bergen_child_case(cast)


def test_a_meeting_convened_twice_is_convened_once_and_two_renderings_convene_two(bergen: Bergen) -> None:
    client = client_acting_in(bergen.tot_coordinator)
    url = reverse("cases:meetings:convene", args=[bergen.case.code])
    form = {"kind": "tot", "scheduled_at": "2026-04-02T09:00", "invited": [bergen.tot.pk, bergen.police.pk]}

    first, second = send_twice(client, url, form)

    assert_once(first, second)
    meeting = Meeting.objects.get()
    assert first.redirect_chain[0][0] == reverse("cases:meetings:detail", args=[bergen.case.code, meeting.pk])
    assert CaseEvent.objects.filter(case=bergen.case, kind=CaseEvent.Kind.MEETING_CONVENED).count() == 1
    send_twice(client, url, form)
    assert Meeting.objects.count() == 2


def test_the_request_that_loses_the_race_gets_the_winners_record(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests with one key at the same moment: both look, neither finds, the unique key lets one insert."""
    _client, case = ngo_case(cast)
    key = uuid.uuid4()
    winner = Consent.objects.create(
        case=case,
        organisation=cast.nav,
        field_groups=["identity"],
        purpose="P",
        form="oral",
        given_on="2026-01-05",
        submission_key=key,
    )
    looked = []
    real_lookup = submission.previously_submitted

    def lookup_too_early(queryset: Any, submission_key: Any) -> Any:
        looked.append(submission_key)
        return None if len(looked) == 1 else real_lookup(queryset, submission_key)

    monkeypatch.setattr(submission, "previously_submitted", lookup_too_early)
    with transaction.atomic():
        record, created = submission.create_once(
            Consent.objects.filter(case=case),
            winner.submission_key,
            lambda: Consent.objects.create(
                case=case,
                organisation=cast.nav,
                field_groups=["identity"],
                purpose="P",
                form="oral",
                given_on="2026-01-05",
                submission_key=key,
            ),
        )
        assert Consent.objects.count() == 1  # the outer transaction is still usable

    assert (record, created) == (winner, False)


def test_another_constraint_failing_is_not_hidden(cast: Cast) -> None:
    _client, case = ngo_case(cast)

    def failing() -> Consent:
        raise IntegrityError("another constraint")

    with pytest.raises(IntegrityError):
        submission.create_once(Consent.objects.filter(case=case), None, failing)
    with pytest.raises(IntegrityError):
        submission.create_once(Consent.objects.filter(case=case), uuid.uuid4(), failing)


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_the_same_moment_record_one_consent(cast: Cast) -> None:
    """Each thread has its own connection: on PostgreSQL both may look before either inserts."""
    worker = Membership.objects.select_related("organisation", "user").get(user=cast.ngo_worker, organisation=cast.ngo)
    case = create_case(membership=worker, municipality=cast.oslo)
    key = uuid.uuid4()
    recorded: list[int] = []

    def send() -> None:
        consent = record_consent(
            access=get_case_for(worker, case.code),
            membership=worker,
            organisation=cast.nav,
            field_groups=["identity"],
            purpose="Oppfølging av livsopphold",
            form=Consent.Form.WRITTEN,
            given_on=date(2026, 1, 5),
            expires_on=None,
            submission_key=key,
        )
        recorded.append(consent.pk)

    run_concurrently(2, send)

    assert Consent.objects.filter(case=case).count() == 1
    assert len(recorded) == 2
    assert len(set(recorded)) == 1  # both requests answered with the one consent
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CONSENT_GIVEN).count() == 1
