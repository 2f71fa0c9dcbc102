"""The organisations a case may go to (sharing.partners): its municipality's, and those outside it with a role in
its track — never another municipality's, never the national coordination unit, never its own owner."""

import re
from typing import Any

import pytest
from django.urls import reverse

from cases.models import Case
from cases.services import create_case
from meetings.services import invitees
from organisations.models import Membership, Organisation
from referrals.models import Referral
from sharing.models import Consent, Disclosure, LegalBasis
from sharing.partners import partners_of
from tests.conftest import Cast
from tests.factories import OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db

Kind = Organisation.Kind
OPTGROUP = re.compile(r'<optgroup label="([^"]+)">(.*?)</optgroup>', re.S)


def national(kind: str, name: str) -> Organisation:
    return OrganisationFactory.create(kind=kind, name=name, owner_type=Organisation.OwnerType.STATE, municipality=None)


@pytest.fixture
def bodies(cast: Cast) -> dict[str, Organisation]:
    return {
        "udi": national(Kind.UDI, "UDI"),
        "bufetat": national(Kind.BUFETAT, "Bufetat"),
        "oslo_police": national(Kind.POLICE_DISTRICT, "Oslo politidistrikt"),
        "west_police": national(Kind.POLICE_DISTRICT, "Vest politidistrikt"),
        "rosa": national(Kind.SHELTER, "ROSA"),
    }


def oslo_case(cast: Cast, track: str = Case.Track.ADULT) -> Case:
    owner = Membership.objects.get(user=cast.ngo_worker, organisation=cast.ngo)
    case = create_case(membership=owner, municipality=cast.oslo)
    Case.objects.filter(pk=case.pk).update(track=track)
    case.refresh_from_db()
    return case


def offered(page: Any) -> dict[str, list[str]]:
    """The options of the page's organisation list, by the label of their group."""
    return {label: re.findall(r"<option[^>]*>([^<]+)</option>", options) for label, options in OPTGROUP.findall(page)}


def test_an_oslo_case_goes_to_oslo_and_the_bodies_of_its_track(
    cast: Cast, bodies: dict[str, Organisation], chain_templates: None
) -> None:
    partners = set(partners_of(oslo_case(cast)))

    # Oslo's adult relay makes UDI and a police district responsible for steps, not Bufetat or a shelter.
    assert partners == {cast.nav, cast.tot, bodies["udi"], bodies["oslo_police"]}


def test_without_a_template_the_nationally_acting_bodies_count(cast: Cast, bodies: dict[str, Organisation]) -> None:
    partners = set(partners_of(oslo_case(cast, Case.Track.CHILD)))

    assert partners == {cast.nav, cast.tot, bodies["udi"], bodies["bufetat"], bodies["oslo_police"]}


def test_the_consent_form_offers_the_partners_grouped_by_kind_in_bokmal(
    cast: Cast, bodies: dict[str, Organisation], chain_templates: None
) -> None:
    case = oslo_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)

    page = client.get(reverse("cases:sharing:consent_create", args=[case.code])).text

    assert offered(page) == {
        "Utlendingsdirektoratet (UDI)": ["UDI"],
        "NAV-kontor": ["NAV Oslo"],
        "Politidistrikt": ["Oslo politidistrikt"],
        "TOT-koordinator": ["TOT Oslo"],
    }


def test_the_groups_carry_english_kind_labels_in_english(
    cast: Cast, bodies: dict[str, Organisation], chain_templates: None
) -> None:
    case = oslo_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("cases:sharing:consent_create", args=[case.code])).text

    assert list(offered(page)) == [
        "Directorate of Immigration (UDI)",
        "NAV office",
        "Police district",
        "TOT coordinator",
    ]


@pytest.mark.parametrize(
    ("url_name", "data", "model"),
    [
        (
            "cases:sharing:consent_create",
            {"purpose": "Oppfølging", "form": "written", "given_on": "2026-01-05"},
            Consent,
        ),
        (
            "cases:sharing:disclosure_create",
            {"legal_basis": "duty-to-avert", "justification": "Fare for nye overgrep mot personen"},
            Disclosure,
        ),
    ],
)
def test_a_crafted_sharing_with_another_municipality_or_the_coordination_unit_is_refused(
    cast: Cast, url_name: str, data: dict[str, Any], model: Any
) -> None:
    case = oslo_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    if "legal_basis" in data:
        data = data | {"legal_basis": LegalBasis.objects.get(code=data["legal_basis"]).pk}
    kom = Organisation.objects.get(kind=Kind.NATIONAL_COORDINATION)

    for outsider in (cast.bergen_org, kom):
        page = client.post(
            reverse(url_name, args=[case.code]), data | {"organisation": outsider.pk, "field_groups": ["identity"]}
        )

        assert page.status_code == 200
        assert "Denne organisasjonen kan ikke få saken" in page.text
    assert not model.objects.filter(case=case).exists()


def test_a_crafted_referral_to_another_municipality_is_refused(cast: Cast) -> None:
    case = oslo_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    data = {"purpose": "Oppfølging", "field_groups": ["identity"], "ground": "consent", "consent_form": "written"}

    refused = client.post(reverse("cases:refer", args=[case.code]), data | {"to": cast.bergen_org.pk})
    accepted = client.post(reverse("cases:refer", args=[case.code]), data | {"to": cast.nav.pk})

    assert refused.status_code == 200
    assert "Denne organisasjonen kan ikke få saken" in refused.text
    assert accepted.status_code == 302
    assert list(Referral.objects.filter(case=case).values_list("to_organisation_id", flat=True)) == [cast.nav.pk]


def test_the_meeting_invitees_outside_the_municipality_are_the_partners(
    cast: Cast, bodies: dict[str, Organisation], chain_templates: None
) -> None:
    OrganisationFactory.create(kind=Kind.POLICE_DISTRICT, name="Politiet i Bergen", municipality=cast.bergen)

    invited = {invitee.organisation for invitee in invitees(oslo_case(cast))}

    assert bodies["west_police"] not in invited
    assert not {o for o in invited if o.municipality == cast.bergen}
    assert all(o.kind != Kind.NATIONAL_COORDINATION for o in invited)
