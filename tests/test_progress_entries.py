"""Progress entries: every organisation a case is shared with writes its own part, within its sharing.

The cast: Trygg havn (the NGO) owns the case; NAV Oslo has a consent for health; the TOT team has a consent
for identity only. Each writes and reads through the same services and pages as in life.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessEntry
from cases import services
from cases.access import get_case_for, readable_progress, writable_progress_groups
from cases.models import GENERAL, Case, CaseEvent, FieldGroup, ProgressEntry
from core import crypto
from organisations.models import Membership
from sharing import services as sharing_services
from sharing.models import Consent
from tests.conftest import Cast
from tests.helpers import client_acting_in
from tests.personal_data import leaks_in

pytestmark = pytest.mark.django_db

HEALTH_NOTE = "Trenger fastlege, time bestilt"  # personal data: tests/personal_data.py knows "Trenger fastlege"
GENERAL_NOTE = "Møtte opp til samtale hos NAV"


def member(user: Any, organisation: Any) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)


def consent(case: Case, owner: Membership, organisation: Any, groups: list[str]) -> Consent:
    return sharing_services.record_consent(
        access=get_case_for(owner, case.code),
        membership=owner,
        organisation=organisation,
        field_groups=groups,
        purpose="Oppfølging",
        form=Consent.Form.WRITTEN,
        given_on=timezone.localdate(),
        expires_on=None,
    )


@pytest.fixture
def owner(cast: Cast) -> Membership:
    return member(cast.ngo_worker, cast.ngo)


@pytest.fixture
def nav(cast: Cast) -> Membership:
    return member(cast.nav_coordinator, cast.nav)


@pytest.fixture
def tot(cast: Cast) -> Membership:
    return member(cast.nav_worker, cast.tot)  # a coordinator at the TOT team


@pytest.fixture
def case(cast: Cast, owner: Membership) -> Case:
    case = services.create_case(membership=owner, municipality=cast.oslo)
    consent(case, owner, cast.nav, [FieldGroup.HEALTH])
    consent(case, owner, cast.tot, [FieldGroup.IDENTITY])
    return case


def write(membership: Membership, case: Case, group: str, text: str) -> ProgressEntry:
    return services.write_progress_entry(
        access=get_case_for(membership, case.code), membership=membership, group=group, text=text
    )


def texts_read_by(membership: Membership, case: Case) -> list[str]:
    return [
        row.text
        for row in services.read_progress_entries(access=get_case_for(membership, case.code), membership=membership)
    ]


def test_the_owner_writes_about_any_group_and_reads_its_entries_newest_first(owner: Membership, case: Case) -> None:
    assert writable_progress_groups(get_case_for(owner, case.code)) == [*FieldGroup.values, GENERAL]
    write(owner, case, FieldGroup.CRIMINAL_CASE, "Anmeldelse levert")
    write(owner, case, GENERAL, "Første samtale holdt")
    assert texts_read_by(owner, case) == ["Første samtale holdt", "Anmeldelse levert"]


def test_a_partner_writes_about_the_group_it_shares_and_not_about_another(
    nav: Membership, owner: Membership, case: Case
) -> None:
    assert writable_progress_groups(get_case_for(nav, case.code)) == [FieldGroup.HEALTH, GENERAL]
    entry = write(nav, case, FieldGroup.HEALTH, HEALTH_NOTE)
    assert (entry.author_organisation_id, entry.author_id) == (nav.organisation_id, nav.user_id)

    with translation.override("nb"), pytest.raises(ValidationError, match="delt med dere"):
        write(nav, case, FieldGroup.CRIMINAL_CASE, "Skrevet utenfor delingen")
    assert ProgressEntry.objects.filter(case=case).count() == 1
    # Writing widened nothing: NAV still reads health only.
    assert get_case_for(nav, case.code).groups == {FieldGroup.HEALTH}
    assert texts_read_by(nav, case) == [HEALTH_NOTE]
    assert texts_read_by(owner, case) == [HEALTH_NOTE]


def test_a_partner_sharing_only_identity_sees_neither_the_health_entry_nor_anothers_general_one(
    nav: Membership, tot: Membership, owner: Membership, case: Case
) -> None:
    write(nav, case, FieldGroup.HEALTH, HEALTH_NOTE)
    write(nav, case, GENERAL, GENERAL_NOTE)
    write(tot, case, FieldGroup.IDENTITY, "Tolk bestilt")

    assert texts_read_by(tot, case) == ["Tolk bestilt"]
    assert texts_read_by(nav, case) == [GENERAL_NOTE, HEALTH_NOTE]
    assert texts_read_by(owner, case) == ["Tolk bestilt", GENERAL_NOTE, HEALTH_NOTE]

    page = client_acting_in(tot.user, tot.organisation).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Tolk bestilt" in page
    assert "Trenger fastlege" not in page
    assert GENERAL_NOTE not in page
    page = (
        client_acting_in(owner.user, owner.organisation).get(reverse("cases:detail", args=[case.code])).content.decode()
    )
    assert HEALTH_NOTE in page
    assert GENERAL_NOTE in page


def test_entries_are_encrypted_at_rest_and_bound_to_their_row(nav: Membership, owner: Membership, case: Case) -> None:
    first = write(nav, case, FieldGroup.HEALTH, HEALTH_NOTE)
    second = write(owner, case, FieldGroup.HEALTH, "Annet notat")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_progressentry")
        stored = [str(value) for row in cursor.fetchall() for value in row]
    assert not [leak for value in stored for leak in leaks_in(value)]
    assert first.ciphertext.startswith("v1.")

    # The first entry's ciphertext copied onto the second row does not decrypt there.
    ProgressEntry.objects.filter(pk=second.pk).update(ciphertext=first.ciphertext)
    with pytest.raises(crypto.DecryptionError):
        texts_read_by(owner, case)
    # …nor does an entry whose group was changed in the database (a health note made general).
    ProgressEntry.objects.filter(pk=second.pk).delete()
    ProgressEntry.objects.filter(pk=first.pk).update(group=GENERAL)
    with pytest.raises(crypto.DecryptionError):
        texts_read_by(owner, case)


def test_key_rotation_re_encrypts_progress_entries(nav: Membership, case: Case, settings: Any) -> None:
    entry = write(nav, case, FieldGroup.HEALTH, "Rotasjon av nøkkel")
    settings.VERN_ENCRYPTION_KEYS = f"{crypto.new_key_spec('new3')},{settings.VERN_ENCRYPTION_KEYS}"

    call_command("rotate_encryption_keys")

    entry.refresh_from_db()
    assert crypto.key_id_of(entry.ciphertext) == "new3"
    settings.VERN_ENCRYPTION_KEYS = settings.VERN_ENCRYPTION_KEYS.split(",")[0]  # the old key is gone
    assert texts_read_by(nav, case) == ["Rotasjon av nøkkel"]


def test_writing_and_reading_are_in_the_access_log_and_writing_on_the_timeline(
    nav: Membership, tot: Membership, owner: Membership, case: Case
) -> None:
    write(nav, case, FieldGroup.HEALTH, HEALTH_NOTE)
    write(nav, case, GENERAL, GENERAL_NOTE)
    texts_read_by(owner, case)

    log = AccessEntry.objects.filter(case=case).order_by("sequence")
    written = log.filter(action=AccessEntry.Action.PROGRESS_WRITTEN)
    assert [(e.organisation_id, e.user_id, e.field_groups) for e in written] == [
        (nav.organisation_id, nav.user_id, [FieldGroup.HEALTH]),
        (nav.organisation_id, nav.user_id, []),
    ]
    read = log.filter(action=AccessEntry.Action.PROGRESS_READ).get()
    assert (read.organisation_id, read.field_groups) == (owner.organisation_id, [FieldGroup.HEALTH])

    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.PROGRESS_WRITTEN).order_by("at", "pk")
    assert [(e.organisation_id, e.field_groups, e.note) for e in events] == [
        (nav.organisation_id, [FieldGroup.HEALTH], ""),
        (nav.organisation_id, [], ""),
    ]
    # The health entry's event is seen by those who read health, the general one by the owner and NAV only.
    page = client_acting_in(tot.user, tot.organisation).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Fremdriftsnotat skrevet" not in page
    page = client_acting_in(nav.user, nav.organisation).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert page.count("Fremdriftsnotat skrevet") == 2


def test_withdrawn_consent_stops_reading_and_writing(
    cast: Cast, nav: Membership, owner: Membership, case: Case
) -> None:
    write(nav, case, FieldGroup.HEALTH, HEALTH_NOTE)
    write(nav, case, GENERAL, GENERAL_NOTE)
    identity = consent(case, owner, cast.nav, [FieldGroup.IDENTITY])
    health = Consent.objects.get(case=case, organisation=cast.nav, field_groups=[FieldGroup.HEALTH])

    sharing_services.withdraw_consent(access=get_case_for(owner, case.code), membership=owner, consent=health)

    # NAV still opens the case by its identity consent, but neither reads nor writes its own health entry.
    assert texts_read_by(nav, case) == [GENERAL_NOTE]
    with pytest.raises(ValidationError):
        write(nav, case, FieldGroup.HEALTH, "Etter tilbaketrekking")
    response = client_acting_in(nav.user, nav.organisation).post(
        reverse("cases:write_progress", args=[case.code]), {"group": FieldGroup.HEALTH, "text": "Etter"}
    )
    assert "Organisasjonen din kan bare skrive om" in response.content.decode()

    sharing_services.withdraw_consent(access=get_case_for(owner, case.code), membership=owner, consent=identity)
    with pytest.raises(Http404):
        get_case_for(nav, case.code)
    client = client_acting_in(nav.user, nav.organisation)
    url = reverse("cases:write_progress", args=[case.code])
    assert client.post(url, {"group": GENERAL, "text": "Etter"}).status_code == 404
    assert ProgressEntry.objects.filter(case=case).count() == 2
    assert texts_read_by(owner, case) == [GENERAL_NOTE, HEALTH_NOTE]  # the owner keeps what was written


def test_the_page_writes_an_entry_and_explains_bad_input_in_bokmal(nav: Membership, case: Case) -> None:
    client = client_acting_in(nav.user, nav.organisation)
    url = reverse("cases:write_progress", args=[case.code])

    response = client.post(url, {"group": FieldGroup.CRIMINAL_CASE, "text": "Utenfor delingen"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Organisasjonen din kan bare skrive om opplysningene saken er delt med dere for" in body
    assert "Utenfor delingen" in body  # nothing lost: the text is still in the form
    response = client.post(url, {"group": FieldGroup.HEALTH, "text": "   "})
    assert "Skriv hva organisasjonen din har gjort eller fått vite" in response.content.decode()
    response = client.post(url, {"group": FieldGroup.HEALTH, "text": "x" * 2001})
    assert response.status_code == 200
    assert not ProgressEntry.objects.exists()

    response = client.post(url, {"group": FieldGroup.HEALTH, "text": HEALTH_NOTE})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.code]) + "#progress-heading"
    assert ProgressEntry.objects.get().group == FieldGroup.HEALTH


def test_the_case_page_offers_only_the_groups_the_member_may_write_about(nav: Membership, case: Case) -> None:
    page = client_acting_in(nav.user, nav.organisation).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'value="health"' in page
    assert 'value="general"' in page
    assert 'value="criminal_case"' not in page


def test_a_case_the_member_cannot_see_answers_404(cast: Cast, case: Case) -> None:
    client = client_acting_in(cast.bergen_admin, cast.bergen_org)
    url = reverse("cases:write_progress", args=[case.code])
    assert client.get(url).status_code == 404
    assert client.post(url, {"group": GENERAL, "text": "Fremmed"}).status_code == 404
    assert not ProgressEntry.objects.exists()


def test_a_protected_case_takes_breaking_the_glass_as_the_field_groups_do(
    cast: Cast, owner: Membership, nav: Membership, case: Case
) -> None:
    write(nav, case, FieldGroup.HEALTH, HEALTH_NOTE)
    admin = member(cast.ngo_admin, cast.ngo)
    services.set_protection(access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[])
    url = reverse("cases:write_progress", args=[case.code])

    behind_glass = get_case_for(nav, case.code)
    assert behind_glass.must_break_glass
    assert writable_progress_groups(behind_glass) == []
    assert not readable_progress(behind_glass, nav.organisation).exists()
    with pytest.raises(PermissionError):
        services.write_progress_entry(access=behind_glass, membership=nav, group=FieldGroup.HEALTH, text="Bak glass")
    client = client_acting_in(nav.user, nav.organisation)
    assert client.post(url, {"group": FieldGroup.HEALTH, "text": "Bak glass"}).status_code == 404
    assert client.get(reverse("cases:detail", args=[case.code]))["Location"].endswith("/break-the-glass/")

    # After breaking the glass NAV reads and writes as before.
    client.post(
        reverse("cases:break_glass", args=[case.code]),
        {"ground": "acute-danger", "explanation": "Akutt behov for bolig"},
    )
    assert client.post(url, {"group": FieldGroup.HEALTH, "text": "Etter glasset"}).status_code == 302
    assert "Etter glasset" in client.get(reverse("cases:detail", args=[case.code])).content.decode()
