"""Breaking the glass of a protected case: a reason one can read, and the owner's admins are told (issue 15, hole 2)."""

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AccessEntry
from audit.services import record_access
from cases import services
from cases.access import get_case_for
from cases.glass import ground_named
from cases.models import Case, FieldGroup
from core.text import is_real_reason, meaningful_text
from notifications.models import Notification
from notifications.services import send_pending_emails
from organisations.models import Membership
from sharing.models import Consent, Disclosure, LegalBasis
from sharing.services import disclose, record_consent
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db

IDENTITY = {"first_name": "Testa", "last_name": "Personsen", "birth_date": "2009-04-01", "nationality": "Testland"}
EXPLANATION = "NAV må betale ut nødhjelp i dag"
NOT_REASONS = [
    "\u200b",
    ".",
    "x",
    "asdf",
    "\u200b\u200b\u200b",
    "a b c",
    "asdf\u200b asdf",
    "\u202e\u2066 \ufeff",
    "ok ok",
]


def membership(user: Any, organisation: Any) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)


@pytest.fixture
def protected_case(cast: Cast) -> Case:
    """Owned by the NGO, shared with NAV by consent, protected with only the NGO admin named."""
    worker = membership(cast.ngo_worker, cast.ngo)
    case = services.create_case(membership=worker, municipality=cast.oslo)
    services.save_field_group(
        access=get_case_for(worker, case.code),
        membership=worker,
        group=FieldGroup.IDENTITY,
        data=IDENTITY,
        expected_version=case.version,
    )
    record_consent(
        access=get_case_for(worker, case.code),
        membership=worker,
        organisation=cast.nav,
        field_groups=[FieldGroup.IDENTITY],
        purpose="Oppfølging av livsopphold",
        form=Consent.Form.WRITTEN,
        given_on=date(2026, 1, 5),
        expires_on=None,
    )
    admin = membership(cast.ngo_admin, cast.ngo)
    services.set_protection(access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[])
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def nav_admin(cast: Cast) -> Membership:
    return MembershipFactory.create(organisation=cast.nav, role=Membership.Role.ORG_ADMIN, user__first_name="Nina")


def break_glass(cast: Cast, case: Case, data: dict[str, str]) -> Any:
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    return client.post(reverse("cases:break_glass", args=[case.code]), data)


@pytest.mark.parametrize("explanation", NOT_REASONS)
def test_it_refuses_an_invisible_or_empty_reason(cast: Cast, protected_case: Case, explanation: str) -> None:
    response = break_glass(cast, protected_case, {"ground": "acute-danger", "explanation": explanation})

    assert response.status_code == 200
    assert "at least 3 words" in response.text or "minst 3 ord" in response.text
    assert not AccessEntry.objects.filter(action=AccessEntry.Action.BREAK_THE_GLASS).exists()
    assert not Notification.objects.exists()


def test_it_needs_a_ground(cast: Cast, protected_case: Case) -> None:
    assert break_glass(cast, protected_case, {"explanation": EXPLANATION}).status_code == 200
    assert break_glass(cast, protected_case, {"ground": "curiosity", "explanation": EXPLANATION}).status_code == 200
    assert not AccessEntry.objects.filter(action=AccessEntry.Action.BREAK_THE_GLASS).exists()


def test_a_real_reason_opens_the_case_and_is_logged_with_its_ground(cast: Cast, protected_case: Case) -> None:
    response = break_glass(cast, protected_case, {"ground": "other", "explanation": f"  {EXPLANATION}\u200b  "})

    assert response["Location"] == reverse("cases:detail", args=[protected_case.code])
    entry = AccessEntry.objects.get(action=AccessEntry.Action.BREAK_THE_GLASS)
    # What the log reviews of the owner and of the breaker's organisation read: the case, who, and why.
    assert (entry.case_id, entry.organisation_id, entry.user_id) == (
        protected_case.pk,
        cast.nav.pk,
        cast.nav_coordinator.pk,
    )
    assert entry.reason == f"Annet: {EXPLANATION}"


def test_it_tells_the_owners_admins_and_the_breakers_with_the_code_only(
    cast: Cast, protected_case: Case, nav_admin: Membership
) -> None:
    break_glass(cast, protected_case, {"ground": "acute-danger", "explanation": EXPLANATION})

    told = {(n.recipient_id, n.organisation_id, n.kind) for n in Notification.objects.all()}
    assert told == {
        (cast.ngo_admin.pk, cast.ngo.pk, Notification.Kind.GLASS_BROKEN_IN_OWN_CASE),
        (nav_admin.user_id, cast.nav.pk, Notification.Kind.GLASS_BROKEN_BY_MEMBER),
    }
    assert send_pending_emails() == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {cast.ngo_admin.email, nav_admin.user.email}
    for message in mail.outbox:
        text = f"{message.subject} {message.body}"
        assert protected_case.code in text
        assert reverse("log_review:review") in message.body
        for secret in ["Testa", "Personsen", EXPLANATION, "NAV må", "Akutt fare"]:
            assert secret not in text
    assert "beskyttet" in by_recipient[cast.ngo_admin.email].body  # the owner is told it was its protection


def test_the_owners_own_member_breaking_the_glass_tells_the_owners_admins_once(
    cast: Cast, protected_case: Case
) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.post(
        reverse("cases:break_glass", args=[protected_case.code]),
        {"ground": "person-asked-for-help", "explanation": "Personen ringte og ba om et møte i dag"},
    )

    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (cast.ngo_admin.pk, Notification.Kind.GLASS_BROKEN_IN_OWN_CASE)
    ]


@pytest.mark.parametrize("explanation", NOT_REASONS)
def test_the_service_refuses_what_the_form_refuses(cast: Cast, protected_case: Case, explanation: str) -> None:
    breaker = membership(cast.nav_coordinator, cast.nav)
    with pytest.raises(ValueError, match="real reason"):
        services.break_the_glass(
            access=get_case_for(breaker, protected_case.code),
            membership=breaker,
            ground=ground_named("acute-danger"),
            explanation=explanation,
        )


@pytest.mark.parametrize("reason", NOT_REASONS)
def test_the_access_log_refuses_a_glass_broken_without_a_reason_in_words(
    cast: Cast, protected_case: Case, reason: str
) -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        record_access(
            user=cast.nav_coordinator,
            organisation=cast.nav,
            case=protected_case,
            field_groups=[],
            action=AccessEntry.Action.BREAK_THE_GLASS,
            reason=reason,
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\u200bb", "ab"),
        ("  to\u00a0\n\tord  ", "to ord"),
        ("\ufeffbom\u200d", "bom"),
        ("\uff41\uff42\uff43", "abc"),  # full-width letters, NFKC
        ("\u202eevil\u202c", "evil"),  # bidi override
    ],
)
def test_meaningful_text_drops_what_cannot_be_seen(value: str, expected: str) -> None:
    assert meaningful_text(value) == expected


def test_a_real_reason_has_three_words_and_fifteen_letters() -> None:
    assert is_real_reason("Politiet ber om bistand")
    assert is_real_reason("Akutt fare nå, politiet ringte")
    assert not is_real_reason("Akutt fare")  # two words
    assert not is_real_reason("to be or")  # three words, seven letters


# --- The same test for a disclosure's justification -------------------------------------------------


@pytest.mark.parametrize("justification", NOT_REASONS)
def test_a_disclosure_needs_a_justification_in_words(cast: Cast, justification: str) -> None:
    worker = membership(cast.ngo_worker, cast.ngo)
    case = services.create_case(membership=worker, municipality=cast.oslo)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    form = {
        "organisation": cast.nav.pk,
        "field_groups": ["identity"],
        "legal_basis": LegalBasis.objects.get(code="duty-to-avert").pk,
        "justification": justification,
    }

    page = client.post(reverse("cases:sharing:disclosure_create", args=[case.code]), form)

    assert page.status_code == 200
    assert "minst 3 ord" in page.text
    with pytest.raises(ValidationError, match="minst 3 ord"):
        disclose(
            access=get_case_for(worker, case.code),
            membership=worker,
            organisation=cast.nav,
            field_groups=[FieldGroup.IDENTITY],
            legal_basis=LegalBasis.objects.get(code="duty-to-avert"),
            justification=justification,
            person_informed=False,
            informed_on=None,
        )
    assert not Disclosure.objects.exists()
