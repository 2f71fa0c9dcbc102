"""Multi-agency meetings: who is invited, who reads the minutes, action items on the board, evaluations."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessEntry
from cases.access import get_case_for
from cases.models import CaseEvent
from chain.models import CaseChain, Deadline
from chain.services import board, end_case, responsible_organisations
from core import crypto
from meetings import services
from meetings.models import ActionItem, Finding, FindingCategory, Invitation, Meeting, MeetingText
from meetings.services import Minutes
from organisations.models import Membership, Organisation
from sharing import services as sharing_services
from sharing.models import LegalBasis
from tests.bergen import Bergen, bergen_child_case
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SAFETY = "Trenger fastlege; bor på Hemmelig vei"  # test personal data: must never leave the encrypted rows


@pytest.fixture
def bergen(cast: Cast, chain_templates: None) -> Bergen:
    return bergen_child_case(cast)


def convene(bergen: Bergen, *, kind: str = Meeting.Kind.TOT, invited: Any = None, agenda: str = "") -> Meeting:
    tot = bergen.member(bergen.tot_coordinator)
    return services.convene_meeting(
        access=get_case_for(tot, bergen.case.code),
        membership=tot,
        kind=kind,
        scheduled_at=timezone.now() + timedelta(hours=2),
        invited=[bergen.tot, bergen.police, bergen.child_welfare] if invited is None else invited,
        agenda=agenda,
    )


def minute(bergen: Bergen, meeting: Meeting, **fields: Any) -> Meeting:
    tot = bergen.member(bergen.tot_coordinator)
    return services.record_minutes(
        access=get_case_for(tot, bergen.case.code),
        membership=tot,
        meeting=meeting,
        minutes=Minutes(**({"safety": SAFETY, "progress": {bergen.police.pk: "Avhør gjennomført."}} | fields)),
        held_at=timezone.now() - timedelta(minutes=1),
        expected_version=meeting.version,
    )


def end(bergen: Bergen) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    end_case(access=get_case_for(tot, bergen.case.code), membership=tot, reason=CaseChain.EndReason.RETURNED)


# --- Convening -------------------------------------------------------------------------------


def test_the_system_proposes_the_organisations_with_a_responsibility(bergen: Bergen) -> None:
    proposed = set(responsible_organisations(bergen.case))
    assert proposed == {bergen.tot, bergen.police, bergen.out_of_hours, bergen.child_welfare}


def test_it_convenes_a_meeting_of_responsible_organisations(bergen: Bergen) -> None:
    meeting = convene(bergen, agenda="Plassering etter fristen")
    assert set(meeting.invited.all()) == {bergen.tot, bergen.police, bergen.child_welfare}
    assert meeting.organisation == bergen.tot
    event = bergen.case.events.get(kind=CaseEvent.Kind.MEETING_CONVENED)
    assert event.note == Meeting.Kind.TOT


def test_it_refuses_a_meeting_with_nobody_responsible_invited(bergen: Bergen) -> None:
    with pytest.raises(ValidationError, match="at least one organisation with a responsibility"):
        convene(bergen, invited=[])


def test_it_refuses_to_invite_an_organisation_without_responsibility(bergen: Bergen, cast: Cast) -> None:
    with pytest.raises(ValidationError, match=f"{cast.bergen_org.name} has none"):
        convene(bergen, invited=[bergen.tot, cast.bergen_org])
    assert not Meeting.objects.exists()


def bufetat(bergen: Bergen, cast: Cast) -> Organisation:
    """Bufetat has a role in the child track's meetings, and no step of this case."""
    return OrganisationFactory.create(
        name="Bufetat region vest", kind=Organisation.Kind.BUFETAT, owner_type="state", municipality=cast.bergen
    )


def share_on_legal_basis(bergen: Bergen, organisation: Organisation) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    sharing_services.disclose(
        access=get_case_for(tot, bergen.case.code),
        membership=tot,
        organisation=organisation,
        field_groups=["identity"],
        legal_basis=LegalBasis.objects.get(code="child-welfare-duty-to-notify"),
        justification="Bufetat skaffer institusjonsplass.",
        person_informed=False,
        informed_on=None,
    )


def test_organisations_with_a_role_in_the_track_are_offered_with_their_ground(bergen: Bergen, cast: Cast) -> None:
    region = bufetat(bergen, cast)
    elsewhere = OrganisationFactory.create(kind=Organisation.Kind.BUFETAT, municipality=cast.oslo)
    grounds = {invitee.organisation: invitee.ground for invitee in services.invitees(bergen.case)}
    assert grounds[bergen.tot] == Invitation.Ground.OWNER
    assert grounds[bergen.police] == Invitation.Ground.RESPONSIBLE
    assert grounds[region] == ""  # a role, but the case is not shared with it
    assert elsewhere not in grounds  # another municipality
    assert cast.bergen_org not in grounds  # no role in the child track (an NGO)
    share_on_legal_basis(bergen, region)
    [invitee] = [invitee for invitee in services.invitees(bergen.case) if invitee.organisation == region]
    assert invitee.ground == Invitation.Ground.LEGAL_BASIS
    assert invitee.role is not None
    assert invitee.role.code == "child-bufetat"


def test_an_organisation_with_a_role_is_invited_once_the_case_is_shared_with_it(bergen: Bergen, cast: Cast) -> None:
    region = bufetat(bergen, cast)
    with pytest.raises(ValidationError, match="The case is not shared with Bufetat region vest"):
        convene(bergen, invited=[bergen.tot, region])
    assert not Meeting.objects.exists()
    share_on_legal_basis(bergen, region)
    meeting = convene(bergen, invited=[bergen.tot, region])
    invitation = meeting.invitations.get(organisation=region)
    assert invitation.ground == Invitation.Ground.LEGAL_BASIS
    assert invitation.disclosure is not None
    assert invitation.disclosure.legal_basis.code == "child-welfare-duty-to-notify"
    assert meeting.invitations.get(organisation=bergen.tot).ground == Invitation.Ground.OWNER


def test_an_invited_organisation_adds_its_own_action_items_and_no_one_elses(bergen: Bergen, cast: Cast) -> None:
    region = bufetat(bergen, cast)
    share_on_legal_basis(bergen, region)
    meeting = convene(bergen, invited=[bergen.tot, bergen.child_welfare, region])
    officer = MembershipFactory.create(organisation=region, role=Membership.Role.COORDINATOR)
    client = client_acting_in(officer.user, region)
    page = client.get(reverse("cases:meetings:detail", args=[bergen.case.code, meeting.pk])).text
    assert "Bufetat region vest (rettslig grunnlag: barnevernsloven (LOV-2021-06-18-97) § 13-2)" in page
    url = reverse("cases:meetings:add_action_item", args=[bergen.case.code, meeting.pk])
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    refused = client.post(url, {"title": "Finne plass", "organisation": bergen.child_welfare.pk, "due_on": due})
    assert refused.status_code == 200
    assert not ActionItem.objects.exists()
    client.post(url, {"title": "Finne institusjonsplass", "organisation": region.pk, "due_on": due})
    [item] = ActionItem.objects.select_related("deadline")
    assert (item.deadline.organisation, item.deadline.title) == (region, "Finne institusjonsplass")
    outsider = MembershipFactory.create(organisation=bergen.out_of_hours, role=Membership.Role.COORDINATOR)
    assert client_acting_in(outsider.user, bergen.out_of_hours).get(url).status_code == 404  # cannot open the case


def test_an_evaluation_meeting_waits_until_the_case_has_ended(bergen: Bergen) -> None:
    with pytest.raises(ValidationError, match="End the case first"):
        convene(bergen, kind=Meeting.Kind.EVALUATION)
    end(bergen)
    assert convene(bergen, kind=Meeting.Kind.EVALUATION).kind == Meeting.Kind.EVALUATION


# --- Minutes: encrypted, read only by those at the meeting, every read logged -----------------


def test_agenda_and_minutes_are_encrypted_at_rest(bergen: Bergen) -> None:
    meeting = minute(bergen, convene(bergen, agenda=SAFETY), needs="Fiktiv trenger tolk", decisions="Ny plassering")
    secrets = ("Hemmelig vei", "Fiktiv trenger tolk", "Ny plassering", "Avhør gjennomført")
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            leaks = {secret for row in cursor.fetchall() for value in row for secret in secrets if secret in str(value)}
            if leaks:
                found[table] = sorted(leaks)
    assert not found, f"meeting text in the clear: {found}"
    texts = MeetingText.objects.filter(meeting=meeting)
    assert {text.part for text in texts} == {"agenda", "minutes"}
    tot = bergen.member(bergen.tot_coordinator)
    record = services.read_meeting(access=get_case_for(tot, bergen.case.code), membership=tot, meeting=meeting)
    assert record.agenda == SAFETY
    assert record.minutes == Minutes(
        safety=SAFETY,
        needs="Fiktiv trenger tolk",
        progress={bergen.police.pk: "Avhør gjennomført."},
        decisions="Ny plassering",
    )


def test_a_ciphertext_moved_to_another_meeting_does_not_decrypt(bergen: Bergen) -> None:
    first, second = minute(bergen, convene(bergen)), convene(bergen)
    MeetingText.objects.create(
        meeting=second, part="minutes", ciphertext=MeetingText.objects.get(meeting=first, part="minutes").ciphertext
    )
    tot = bergen.member(bergen.tot_coordinator)
    with pytest.raises(crypto.DecryptionError):
        services.read_meeting(access=get_case_for(tot, bergen.case.code), membership=tot, meeting=second)


def test_every_read_and_save_of_the_minutes_is_in_the_access_log(bergen: Bergen) -> None:
    meeting = minute(bergen, convene(bergen))
    assert AccessEntry.objects.filter(case=bergen.case, action="edit", user=bergen.tot_coordinator).count() == 1
    cw = bergen.member(bergen.cw_coordinator)
    services.read_meeting(access=get_case_for(cw, bergen.case.code), membership=cw, meeting=meeting)
    entry = AccessEntry.objects.filter(case=bergen.case, action="view").get()
    assert (entry.user, entry.organisation, entry.field_groups) == (bergen.cw_coordinator, bergen.child_welfare, [])


def test_an_organisation_that_sees_the_case_but_was_not_invited_cannot_read_the_minutes(bergen: Bergen) -> None:
    meeting = minute(bergen, convene(bergen, invited=[bergen.tot, bergen.police]))
    cw = bergen.member(bergen.cw_coordinator)
    with pytest.raises(PermissionError):
        services.read_meeting(access=get_case_for(cw, bergen.case.code), membership=cw, meeting=meeting)
    response = client_acting_in(bergen.cw_coordinator).get(
        reverse("cases:meetings:detail", args=[bergen.case.code, meeting.pk])
    )
    assert response.status_code == 403
    assert "Hemmelig vei" not in response.content.decode()


def test_an_invited_member_who_cannot_open_the_case_does_not_find_the_meeting(bergen: Bergen) -> None:
    meeting = minute(bergen, convene(bergen))
    url = reverse("cases:meetings:detail", args=[bergen.case.code, meeting.pk])
    assert client_acting_in(bergen.cw_worker).get(url).status_code == 404  # a caseworker not assigned to the case
    police_officer = MembershipFactory.create(organisation=bergen.police, role="coordinator").user
    assert client_acting_in(police_officer).get(url).status_code == 404  # the case is not shared with the police


def test_only_the_convening_organisation_keeps_the_minutes(bergen: Bergen) -> None:
    meeting = convene(bergen)
    client = client_acting_in(bergen.cw_coordinator)
    assert client.get(reverse("cases:meetings:minutes", args=[bergen.case.code, meeting.pk])).status_code == 403
    cw = bergen.member(bergen.cw_coordinator)
    with pytest.raises(PermissionError):
        services.record_minutes(
            access=get_case_for(cw, bergen.case.code),
            membership=cw,
            meeting=meeting,
            minutes=Minutes(decisions="Ny plassering"),
            held_at=timezone.now(),
            expected_version=meeting.version,
        )


def test_the_first_minutes_record_that_the_meeting_was_held(bergen: Bergen) -> None:
    meeting = minute(bergen, convene(bergen))
    assert meeting.held_at is not None
    minute(bergen, meeting, decisions="Rettet")
    assert list(bergen.case.events.filter(kind=CaseEvent.Kind.MEETING_HELD).values_list("note", flat=True)) == ["tot"]


def test_minutes_saved_from_a_stale_form_are_refused_and_kept_in_the_form(bergen: Bergen) -> None:
    meeting = convene(bergen)
    stale = Meeting.objects.get(pk=meeting.pk)
    minute(bergen, meeting)
    with pytest.raises(services.StaleMeetingError):
        minute(bergen, stale, decisions="Overskriver")
    url = reverse("cases:meetings:minutes", args=[bergen.case.code, meeting.pk])
    data = {"held_at": "2026-01-05T10:00", "decisions": "Overskriver", "version": stale.version}
    response = client_acting_in(bergen.tot_coordinator).post(url, data)
    assert response.status_code == 200
    assert "Noen andre har lagret dette referatet" in response.content.decode()
    assert "Overskriver" in response.content.decode()


def test_progress_is_recorded_only_for_invited_organisations(bergen: Bergen) -> None:
    meeting = convene(bergen, invited=[bergen.tot])
    with pytest.raises(ValidationError, match="invited organisations"):
        minute(bergen, meeting)


def test_minutes_of_a_meeting_in_the_future_are_refused(bergen: Bergen) -> None:
    meeting = convene(bergen)
    tot = bergen.member(bergen.tot_coordinator)
    with pytest.raises(ValidationError, match="future"):
        services.record_minutes(
            access=get_case_for(tot, bergen.case.code),
            membership=tot,
            meeting=meeting,
            minutes=Minutes(),
            held_at=timezone.now() + timedelta(days=1),
            expected_version=meeting.version,
        )


def test_key_rotation_re_encrypts_the_minutes(bergen: Bergen, settings: Any) -> None:
    meeting = minute(bergen, convene(bergen, agenda="Tolk"))
    settings.VERN_ENCRYPTION_KEYS = f"{crypto.new_key_spec('meet2')},{settings.VERN_ENCRYPTION_KEYS}"
    call_command("rotate_encryption_keys")
    assert {crypto.key_id_of(text.ciphertext) for text in MeetingText.objects.all()} == {"meet2"}
    settings.VERN_ENCRYPTION_KEYS = settings.VERN_ENCRYPTION_KEYS.split(",")[0]
    tot = bergen.member(bergen.tot_coordinator)
    record = services.read_meeting(access=get_case_for(tot, bergen.case.code), membership=tot, meeting=meeting)
    assert record.agenda == "Tolk"
    assert record.minutes is not None
    assert record.minutes.safety == SAFETY


def test_timeline_events_of_meetings_say_nothing_of_what_was_said(bergen: Bergen) -> None:
    meeting = minute(bergen, convene(bergen, agenda=SAFETY), decisions="Ny plassering")
    action(bergen, meeting)
    notes = " ".join(bergen.case.events.values_list("note", flat=True))
    assert "Hemmelig" not in notes
    assert "plassering" not in notes
    assert "Kartlegge" not in notes


# --- Action items ------------------------------------------------------------------------------


def action(bergen: Bergen, meeting: Meeting, **overrides: Any) -> Any:
    tot = bergen.member(bergen.tot_coordinator)
    arguments: dict[str, Any] = {
        "title": "Kartlegge skoletilbud",
        "organisation": bergen.child_welfare,
        "owner": bergen.cw_coordinator,
        "due_on": timezone.localdate() + timedelta(days=3),
    } | overrides
    return services.add_action_item(
        access=get_case_for(tot, bergen.case.code), membership=tot, meeting=meeting, **arguments
    )


def test_an_action_item_lands_on_the_owners_deadlines_board(bergen: Bergen) -> None:
    item = action(bergen, convene(bergen))
    deadline = item.deadline
    assert (deadline.rule, deadline.title, deadline.organisation, deadline.owner) == (
        None,
        "Kartlegge skoletilbud",
        bergen.child_welfare,
        bergen.cw_coordinator,
    )
    assert timezone.localtime(deadline.due_at).date() == timezone.localdate() + timedelta(days=3)
    mine = board(membership=bergen.member(bergen.cw_coordinator), mine=True, now=deadline.due_at - timedelta(hours=1))
    assert deadline in mine.today


def test_an_action_item_due_today_is_due_today_and_not_overdue(bergen: Bergen) -> None:
    item = action(bergen, convene(bergen), due_on=timezone.localdate())
    assert item.deadline in board(membership=bergen.member(bergen.cw_coordinator), mine=False).today


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"organisation": "out_of_hours_not_invited"}, "invited to the meeting"),
        ({"owner": "tot_coordinator"}, "is not a member of Barnevernet Bergen"),
        ({"organisation": "police", "owner": None}, "cannot open the case"),
        ({"due_on": "yesterday"}, "has passed"),
        ({"title": "  "}, "what is to be done"),
    ],
)
def test_it_refuses_an_action_item_that_would_not_reach_anyone(bergen: Bergen, overrides: dict, reason: str) -> None:
    named = {
        "out_of_hours_not_invited": bergen.out_of_hours,
        "tot_coordinator": bergen.tot_coordinator,
        "police": bergen.police,
        "yesterday": timezone.localdate() - timedelta(days=1),
    }
    meeting = convene(bergen)
    with pytest.raises(ValidationError, match=reason):
        action(bergen, meeting, **{key: named.get(value, value) for key, value in overrides.items()})
    assert not Deadline.objects.filter(rule=None).exists()


# --- Evaluation ---------------------------------------------------------------------------------


def finding(bergen: Bergen, meeting: Meeting, **overrides: Any) -> Finding:
    tot = bergen.member(bergen.tot_coordinator)
    arguments: dict[str, Any] = {
        "category": FindingCategory.objects.get(code="housing"),
        "outcome": Finding.Outcome.WENT_WRONG,
        "text": "Ingen egnet bolig for barn i tre måneder.",
    } | overrides
    return services.record_finding(
        access=get_case_for(tot, bergen.case.code), membership=tot, meeting=meeting, **arguments
    )


def test_the_evaluation_records_findings_with_a_timeline_event(bergen: Bergen) -> None:
    end(bergen)
    recorded = finding(bergen, convene(bergen, kind=Meeting.Kind.EVALUATION))
    assert recorded.category.code == "housing"
    event = bergen.case.events.get(kind=CaseEvent.Kind.EVALUATION_RECORDED)
    assert event.note == "housing: went_wrong"


def test_findings_belong_to_the_evaluation_meeting(bergen: Bergen) -> None:
    with pytest.raises(ValidationError, match="evaluation meeting"):
        finding(bergen, convene(bergen))


def test_it_refuses_a_finding_without_text_or_in_a_retired_category(bergen: Bergen) -> None:
    end(bergen)
    meeting = convene(bergen, kind=Meeting.Kind.EVALUATION)
    with pytest.raises(ValidationError, match="Describe"):
        finding(bergen, meeting, text=" ")
    retired = FindingCategory.objects.create(code="old", title_nb="Gammel", title_en="Old", is_active=False)
    with pytest.raises(ValidationError, match="no longer in use"):
        finding(bergen, meeting, category=retired)


def test_the_finding_categories_are_data_in_both_languages() -> None:
    codes = set(FindingCategory.objects.values_list("code", flat=True))
    assert {
        "cooperation",
        "information-sharing",
        "housing",
        "interpreting",
        "safety",
        "hand-over",
        "identification",
        "legal-process",
        "health",
        "child-welfare",
        "other",
    } <= codes
    for category in FindingCategory.objects.all():
        assert category.title_nb.strip()
        assert category.title_en.strip()
        assert category.title_nb != category.title_en or category.code == "other"


# --- Pages ---------------------------------------------------------------------------------------


def test_a_coordinator_convenes_records_and_adds_an_action_through_the_pages(bergen: Bergen) -> None:
    client = client_acting_in(bergen.tot_coordinator)
    url = reverse("cases:meetings:convene", args=[bergen.case.code])
    page = client.get(url).content.decode()
    for organisation in (bergen.tot, bergen.police, bergen.out_of_hours, bergen.child_welfare):
        assert organisation.name in page
    response = client.post(
        url, {"kind": "tot", "scheduled_at": "2026-04-02T09:00", "invited": [bergen.tot.pk, bergen.police.pk]}
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("cases:meetings:detail", args=[bergen.case.code, meeting.pk])
    minutes_url = reverse("cases:meetings:minutes", args=[bergen.case.code, meeting.pk])
    response = client.post(
        minutes_url,
        {
            "held_at": "2026-04-02T09:00",
            "safety": SAFETY,
            f"progress_{bergen.police.pk}": "Avhør gjennomført.",
            "decisions": "Ny plassering",
            "version": meeting.version,
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Hemmelig vei" in detail
    assert "Avhør gjennomført." in detail
    action_url = reverse("cases:meetings:add_action_item", args=[bergen.case.code, meeting.pk])
    response = client.post(
        action_url, {"title": "Be om avhør", "organisation": bergen.police.pk, "due_on": timezone.localdate()}
    )
    assert "kan ikke åpne saken" in response.content.decode()


def test_the_convene_form_offers_the_organisations_under_their_kind_in_bokmal(bergen: Bergen) -> None:
    page = client_acting_in(bergen.tot_coordinator).get(reverse("cases:meetings:convene", args=[bergen.case.code]))
    groups = re.findall(
        r'<p class="ds-label vern-option-group">([^<]+)</p>(.*?)(?=<p class="ds-label vern-option-group">|</fieldset>)',
        page.content.decode(),
        re.S,
    )
    with translation.override("nb"):
        for organisation in (bergen.tot, bergen.police, bergen.out_of_hours, bergen.child_welfare):
            members = [heading for heading, options in groups if organisation.name in options]
            assert members == [organisation.get_kind_display()]
    headings = [heading for heading, _options in groups]
    assert headings == sorted(headings)


def test_the_convene_form_refuses_an_organisation_without_responsibility(bergen: Bergen, cast: Cast) -> None:
    client = client_acting_in(bergen.tot_coordinator)
    url = reverse("cases:meetings:convene", args=[bergen.case.code])
    response = client.post(url, {"kind": "tot", "scheduled_at": "2026-04-02T09:00", "invited": [cast.bergen_org.pk]})
    assert "en rolle i møtene, kan inviteres." in response.content.decode()
    response = client.post(url, {"kind": "tot", "scheduled_at": "2026-04-02T09:00"})
    assert "Inviter minst én organisasjon" in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_owner_ends_the_case_and_is_sent_to_the_evaluation(bergen: Bergen) -> None:
    url = reverse("cases:end_case", args=[bergen.case.code])
    assert client_acting_in(bergen.cw_coordinator).get(url).status_code == 403
    client = client_acting_in(bergen.tot_coordinator)
    response = client.post(url, {"reason": "judgment", "ended_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response["Location"].endswith("/meetings/new/?kind=evaluation")
    assert CaseChain.objects.get(case=bergen.case).end_reason == "judgment"
    page = client.get(reverse("cases:detail", args=[bergen.case.code])).content.decode()
    assert "Kall inn til evalueringsmøtet" in page
    response = client.post(url, {"reason": "judgment", "ended_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert "allerede avsluttet" in response.content.decode()


def test_the_case_page_lists_only_the_meetings_of_ones_own_organisation(bergen: Bergen) -> None:
    convene(bergen, invited=[bergen.tot, bergen.police])
    convene(bergen, kind=Meeting.Kind.FOLLOW_UP, invited=[bergen.child_welfare])
    page = client_acting_in(bergen.cw_coordinator).get(reverse("cases:detail", args=[bergen.case.code]))
    section = page.content.decode().split('data-testid="case-meetings"')[1]
    assert "Oppfølgingsmøte" in section
    assert "TOT meeting" not in section


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_case_page_costs_the_same_with_3_and_30_meetings(bergen: Bergen) -> None:
    client = client_acting_in(bergen.tot_coordinator)
    url = reverse("cases:detail", args=[bergen.case.code])
    for _ in range(3):
        convene(bergen)
    client.get(url)
    few = queries(client, url)
    for _ in range(27):
        convene(bergen)
    assert queries(client, url) == few


def test_the_meeting_page_costs_the_same_with_3_and_30_action_items_and_findings(bergen: Bergen) -> None:
    end(bergen)
    meeting = minute(bergen, convene(bergen, kind=Meeting.Kind.EVALUATION))
    client = client_acting_in(bergen.tot_coordinator)
    url = reverse("cases:meetings:detail", args=[bergen.case.code, meeting.pk])

    def grow_to(count: int) -> None:
        for _ in range(count - meeting.action_items.count()):
            action(bergen, meeting, owner=None if count % 2 else bergen.cw_coordinator)
            finding(bergen, meeting)

    grow_to(3)
    client.get(url)
    few = queries(client, url)
    grow_to(30)
    assert queries(client, url) == few
