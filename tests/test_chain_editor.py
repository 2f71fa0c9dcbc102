"""The chain template editor: versions, activation, validation, copies, and moving a running case.

The cast: Bergen's TOT team (a coordinator and a caseworker) edits the shipped
Bergen child template; NAV Oslo's coordinator coordinates Oslo only; a
coordinator at the national coordination unit (KOM) coordinates every
municipality.
"""

from dataclasses import dataclass, replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.access import get_case_for
from cases.models import Case, CaseAssignment, CaseEvent
from cases.services import change_track, create_case
from chain import editor
from chain.editor import StepContent
from chain.models import CaseChain, CaseStep, ChainStep, ChainTemplate, Deadline, DeadlineRule
from chain.services import end_case, finish_step
from organisations.models import Membership, Organisation
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Status = ChainTemplate.Status


@dataclass
class Bergen:
    cast: Cast
    tot: Organisation
    coordinator: Membership
    caseworker: Membership
    oslo_coordinator: Membership
    national: Membership
    v1: ChainTemplate


def _member(user: User, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation__municipality").get(
        user=user, organisation=organisation
    )


@pytest.fixture
def bergen(cast: Cast, chain_templates: None) -> Bergen:
    tot = OrganisationFactory.create(
        name="TOT Bergen",
        kind=Organisation.Kind.TOT_COORDINATOR,
        owner_type=Organisation.OwnerType.MUNICIPAL,
        municipality=cast.bergen,
    )
    coordinator = MembershipFactory.create(organisation=tot, role=Membership.Role.COORDINATOR)
    caseworker = MembershipFactory.create(organisation=tot, role=Membership.Role.CASEWORKER)
    kom = Organisation.objects.get(kind=Organisation.Kind.NATIONAL_COORDINATION)
    national = MembershipFactory.create(organisation=kom, role=Membership.Role.COORDINATOR)
    return Bergen(
        cast=cast,
        tot=tot,
        coordinator=_member(coordinator.user, tot),
        caseworker=_member(caseworker.user, tot),
        oslo_coordinator=_member(cast.nav_coordinator, cast.nav),
        national=_member(national.user, kom),
        v1=ChainTemplate.objects.get(municipality=cast.bergen, track=Case.Track.CHILD),
    )


def step_content(**changes: object) -> StepContent:
    content = StepContent(
        code="interpreter",
        title_nb="Tolk bestilt",
        title_en="Interpreter booked",
        done_means_nb="Tolken er bestilt til møtet",
        done_means_en="The interpreter is booked for the meeting",
        responsible_kind=Organisation.Kind.TOT_COORDINATOR,
        responsible_organisation=None,
        deadline_rule=None,
        legal_reference_nb="forvaltningsloven § 11",
        legal_reference_en="Public Administration Act (forvaltningsloven) § 11",
        field_groups=["identity"],
    )
    return replace(content, **changes)  # type: ignore[arg-type]


def codes(template: ChainTemplate) -> list[str]:
    return list(template.steps.order_by("order").values_list("code", flat=True))


def rule_without_reference() -> DeadlineRule:
    return DeadlineRule.objects.create(
        code="unfounded",
        title_nb="Uten hjemmel",
        title_en="Without a legal basis",
        unit=DeadlineRule.Unit.DAYS,
        amount=3,
        starts_from_nb="melding",
        starts_from_en="the notice",
        legal_reference_nb="",
        legal_reference_en="",
        status="unconfirmed",
        source="test",
    )


# Versions


def test_a_new_version_is_a_draft_copy_at_the_next_version(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    assert (draft.version, draft.status, draft.created_by_id) == (2, Status.DRAFT, bergen.coordinator.user_id)
    assert codes(draft) == codes(bergen.v1)
    assert draft.title_nb == bergen.v1.title_nb
    bergen.v1.refresh_from_db()
    assert bergen.v1.status == Status.ACTIVE


def test_it_refuses_a_second_draft_of_the_same_chain(bergen: Bergen) -> None:
    editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    with pytest.raises(ValidationError, match="already a draft"):
        editor.new_version(template=bergen.v1, membership=bergen.coordinator)


def test_it_never_changes_an_active_or_retired_version(bergen: Bergen) -> None:
    step = bergen.v1.steps.get(code="lawyer")
    for attempt in (
        lambda: editor.add_step(template=bergen.v1, content=step_content(), membership=bergen.coordinator),
        lambda: editor.change_step(step=step, content=step_content(code="lawyer"), membership=bergen.coordinator),
        lambda: editor.remove_step(step=step, membership=bergen.coordinator),
        lambda: editor.move_step(step=step, up=True, membership=bergen.coordinator),
        lambda: editor.activate(template=bergen.v1, membership=bergen.coordinator),
        lambda: editor.discard_draft(template=bergen.v1, membership=bergen.coordinator),
    ):
        with pytest.raises(ValidationError, match="make a new version"):
            attempt()
    assert codes(bergen.v1)[4] == "lawyer"


def test_steps_of_a_draft_are_added_changed_removed_and_reordered(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    added = editor.add_step(template=draft, content=step_content(), membership=bergen.coordinator)
    assert codes(draft)[-1] == "interpreter"
    assert added.order == 9
    editor.move_step(step=added, up=True, membership=bergen.coordinator)
    assert codes(draft)[-2:] == ["interpreter", "evaluation"]
    editor.move_step(step=draft.steps.get(code="police-notice"), up=True, membership=bergen.coordinator)
    assert codes(draft)[0] == "police-notice"  # the first step cannot go further up
    editor.remove_step(step=draft.steps.get(code="lawyer"), membership=bergen.coordinator)
    assert "lawyer" not in codes(draft)
    assert list(draft.steps.order_by("order").values_list("order", flat=True)) == list(range(1, 9))
    editor.change_step(
        step=draft.steps.get(code="interpreter"),
        content=step_content(title_en="Interpreter booked for every meeting"),
        membership=bergen.coordinator,
    )
    assert draft.steps.get(code="interpreter").title_en == "Interpreter booked for every meeting"
    assert codes(bergen.v1)[4] == "lawyer"  # the active version is untouched


def test_a_draft_can_be_renamed_and_discarded(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    with pytest.raises(ValidationError, match="English"):
        editor.rename_template(template=draft, title_nb="Bergen", title_en=" ", membership=bergen.coordinator)
    editor.rename_template(
        template=draft, title_nb="Bergen: TOT", title_en="Bergen: TOT", membership=bergen.coordinator
    )
    draft.refresh_from_db()
    assert draft.title_en == "Bergen: TOT"
    editor.discard_draft(template=draft, membership=bergen.coordinator)
    assert not ChainTemplate.objects.filter(pk=draft.pk).exists()
    assert not ChainStep.objects.filter(template_id=draft.pk).exists()


# Activation


def test_activating_a_draft_retires_the_active_version(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    active = editor.activate(template=draft, membership=bergen.coordinator)
    assert active.status == Status.ACTIVE
    assert active.activated_at is not None
    bergen.v1.refresh_from_db()
    assert bergen.v1.status == Status.RETIRED
    assert ChainTemplate.objects.filter(municipality=bergen.cast.bergen, status=Status.ACTIVE).get() == active


def test_activation_is_all_or_nothing(bergen: Bergen, monkeypatch: pytest.MonkeyPatch) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)

    def fail(template: ChainTemplate) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(editor, "_mark_active", fail)
    with pytest.raises(RuntimeError):
        editor.activate(template=draft, membership=bergen.coordinator)
    bergen.v1.refresh_from_db()
    draft.refresh_from_db()
    assert (bergen.v1.status, draft.status) == (Status.ACTIVE, Status.DRAFT)


def test_the_database_allows_one_active_version_per_municipality_and_track(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainTemplate.objects.filter(pk=draft.pk).update(status=Status.ACTIVE)


def test_an_empty_draft_cannot_be_activated(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    draft.steps.all().delete()
    with pytest.raises(ValidationError, match="no steps"):
        editor.activate(template=draft, membership=bergen.coordinator)


def test_a_draft_using_a_rule_without_legal_reference_cannot_be_activated(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    # The rule lost its reference after the step chose it: the step is flagged and activation refused.
    rule = DeadlineRule.objects.get(code="tot-meeting")
    DeadlineRule.objects.filter(pk=rule.pk).update(legal_reference_nb="", legal_reference_en="")
    with pytest.raises(ValidationError, match="no legal reference"):
        editor.activate(template=draft, membership=bergen.coordinator)


def test_running_cases_keep_their_version_and_new_cases_follow_the_new_one(bergen: Bergen) -> None:
    before = create_case(membership=bergen.coordinator, municipality=bergen.cast.bergen, track=Case.Track.CHILD)
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    editor.activate(template=draft, membership=bergen.coordinator)
    after = create_case(membership=bergen.coordinator, municipality=bergen.cast.bergen, track=Case.Track.CHILD)
    assert CaseChain.objects.get(case=before).template == bergen.v1
    assert CaseChain.objects.get(case=after).template == draft
    assert set(CaseStep.objects.filter(case=before).values_list("step__template", flat=True)) == {bergen.v1.pk}


# Validation


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"responsible_kind": ""}, "responsible_kind", "Choose the kind of organisation"),
        ({"code": "Tolk bestilt"}, "code", "lower-case letters"),
        ({"code": "lawyer"}, "code", "Another step"),
        ({"title_nb": "  "}, "title_nb", "bokmål"),
        ({"title_en": ""}, "title_en", "English"),
        ({"done_means_en": ""}, "done_means_en", "English"),
    ],
)
def test_it_refuses_a_step_with(bergen: Bergen, changes: dict[str, str], field: str, message: str) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    with pytest.raises(ValidationError) as refusal:
        editor.add_step(template=draft, content=step_content(**changes), membership=bergen.coordinator)
    assert message in " ".join(refusal.value.message_dict[field])
    assert "interpreter" not in codes(draft)


def test_it_refuses_a_deadline_rule_without_legal_reference(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    with pytest.raises(ValidationError) as refusal:
        editor.add_step(
            template=draft,
            content=step_content(deadline_rule=rule_without_reference()),
            membership=bergen.coordinator,
        )
    assert "no legal reference" in refusal.value.message_dict["deadline_rule"][0]


def test_it_refuses_an_inactive_or_doubled_named_organisation(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    closed = OrganisationFactory.create(name="Nedlagt tjeneste", municipality=bergen.cast.bergen, is_active=False)
    with pytest.raises(ValidationError, match="no longer active"):
        editor.add_step(
            template=draft,
            content=step_content(responsible_kind="", responsible_organisation=closed),
            membership=bergen.coordinator,
        )
    with pytest.raises(ValidationError, match="not both"):
        editor.add_step(
            template=draft, content=step_content(responsible_organisation=bergen.tot), membership=bergen.coordinator
        )
    named = editor.add_step(
        template=draft,
        content=step_content(responsible_kind="", responsible_organisation=bergen.tot),
        membership=bergen.coordinator,
    )
    assert named.responsible_organisation == bergen.tot


def test_the_template_view_flags_a_rule_without_legal_reference(bergen: Bergen) -> None:
    rule = DeadlineRule.objects.get(code="guardian-next-morning")
    DeadlineRule.objects.filter(pk=rule.pk).update(legal_reference_nb=" ", legal_reference_en=" ")
    client = client_acting_in(bergen.coordinator.user, bergen.tot)
    page = client.get(reverse("chain:template_detail", args=[bergen.v1.pk])).text
    assert 'data-testid="problems"' in page
    assert page.count('data-testid="step-problem"') == 1
    assert "har ingen rettslig henvisning og kan ikke brukes" in page


# Copies


def test_the_national_unit_copies_a_template_to_a_municipality_as_a_draft_v1(bergen: Bergen) -> None:
    oslo_adult = ChainTemplate.objects.get(municipality=bergen.cast.oslo, track=Case.Track.ADULT)
    copy = editor.copy_template(
        template=oslo_adult, municipality=bergen.cast.bergen, track=Case.Track.ADULT, membership=bergen.national
    )
    assert (copy.municipality, copy.track, copy.version, copy.status) == (
        bergen.cast.bergen,
        Case.Track.ADULT,
        1,
        Status.DRAFT,
    )
    assert codes(copy) == codes(oslo_adult)


def test_a_copy_to_a_chain_with_versions_becomes_its_next_version(bergen: Bergen) -> None:
    oslo_adult = ChainTemplate.objects.get(municipality=bergen.cast.oslo, track=Case.Track.ADULT)
    copy = editor.copy_template(
        template=oslo_adult, municipality=bergen.cast.bergen, track=Case.Track.CHILD, membership=bergen.coordinator
    )
    assert (copy.version, copy.status) == (2, Status.DRAFT)


def test_a_coordinator_copies_only_into_a_municipality_they_coordinate(bergen: Bergen) -> None:
    with pytest.raises(PermissionDenied):
        editor.copy_template(
            template=bergen.v1, municipality=bergen.cast.oslo, track=Case.Track.CHILD, membership=bergen.coordinator
        )


# Permissions


def test_only_coordinators_of_the_municipality_change_its_chain(bergen: Bergen) -> None:
    for outsider in (
        bergen.oslo_coordinator,
        bergen.caseworker,
        _member(bergen.cast.bergen_admin, bergen.cast.bergen_org),
    ):
        with pytest.raises(PermissionDenied):
            editor.new_version(template=bergen.v1, membership=outsider)
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    with pytest.raises(PermissionDenied):
        editor.activate(template=draft, membership=bergen.oslo_coordinator)


def test_the_national_coordination_unit_coordinates_every_municipality(bergen: Bergen) -> None:
    oslo_adult = ChainTemplate.objects.get(municipality=bergen.cast.oslo, track=Case.Track.ADULT)
    for template in (bergen.v1, oslo_adult):
        draft = editor.new_version(template=template, membership=bergen.national)
        editor.activate(template=draft, membership=bergen.national)


def test_the_pages_open_to_coordinators_and_refuse_others(bergen: Bergen) -> None:
    coordinator = client_acting_in(bergen.coordinator.user, bergen.tot)
    oslo = client_acting_in(bergen.cast.nav_coordinator, bergen.cast.nav)
    caseworker = client_acting_in(bergen.caseworker.user, bergen.tot)
    detail = reverse("chain:template_detail", args=[bergen.v1.pk])
    new_version = reverse("chain:template_new_version", args=[bergen.v1.pk])
    assert coordinator.get(reverse("chain:templates")).status_code == 200
    assert caseworker.get(reverse("chain:templates")).status_code == 403
    assert caseworker.get(detail).status_code == 403
    assert oslo.get(detail).status_code == 200  # to read, and to copy from
    assert 'data-testid="new-version"' not in oslo.get(detail).text
    assert oslo.post(new_version).status_code == 403
    assert coordinator.post(new_version).status_code == 302
    assert ChainTemplate.objects.filter(municipality=bergen.cast.bergen, status=Status.DRAFT).exists()


def test_the_list_shows_versions_with_their_running_cases(bergen: Bergen) -> None:
    for _ in range(2):
        create_case(membership=bergen.coordinator, municipality=bergen.cast.bergen, track=Case.Track.CHILD)
    ended = create_case(membership=bergen.coordinator, municipality=bergen.cast.bergen, track=Case.Track.CHILD)
    end_case(access=get_case_for(bergen.coordinator, ended.code), membership=bergen.coordinator, reason="moved_on")
    editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    page = client_acting_in(bergen.coordinator.user, bergen.tot).get(reverse("chain:templates")).text
    assert f'data-testid="running-{bergen.v1.pk}">2<' in page
    assert 'data-testid="template-4601-child-v2"' in page
    assert "Oslo" in page  # Oslo's active template, to copy from


# The editor pages, as a coordinator uses them


def step_form(**changes: object) -> dict[str, object]:
    content = step_content()
    data: dict[str, object] = {**content.as_dict(), "responsible_organisation": "", "deadline_rule": ""}
    return {**data, **changes}


def test_a_coordinator_adds_a_step_fixes_a_refusal_and_activates(bergen: Bergen) -> None:
    client = client_acting_in(bergen.coordinator.user, bergen.tot)
    client.post(reverse("chain:template_new_version", args=[bergen.v1.pk]))
    draft = ChainTemplate.objects.get(municipality=bergen.cast.bergen, status=Status.DRAFT)
    add = reverse("chain:step_add", args=[draft.pk])
    refused = client.post(add, step_form(deadline_rule=rule_without_reference().pk))
    assert refused.status_code == 200
    assert "har ingen rettslig henvisning og kan ikke brukes" in refused.text
    refused = client.post(add, step_form(responsible_kind=""))
    assert "Velg typen organisasjon som er ansvarlig" in refused.text
    assert client.post(add, step_form()).status_code == 302
    step = draft.steps.get(code="interpreter")
    client.post(reverse("chain:step_move", args=[draft.pk, step.pk, "up"]))
    assert codes(draft)[-2] == "interpreter"
    edit = reverse("chain:step_edit", args=[draft.pk, step.pk])
    assert "Tolk bestilt" in client.get(edit).text
    assert client.post(edit, step_form(title_nb="Tolk bestilt til møtet")).status_code == 302
    assert client.post(reverse("chain:template_activate", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.ACTIVE
    assert client.get(reverse("chain:step_add", args=[draft.pk])).status_code == 302  # no longer editable


def test_a_refused_activation_says_why(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    draft.steps.all().delete()
    client = client_acting_in(bergen.coordinator.user, bergen.tot)
    response = client.post(reverse("chain:template_activate", args=[draft.pk]), follow=True)
    assert "Malen har ingen steg." in response.text
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_copy_page_offers_only_coordinated_municipalities(bergen: Bergen) -> None:
    oslo_adult = ChainTemplate.objects.get(municipality=bergen.cast.oslo, track=Case.Track.ADULT)
    client = client_acting_in(bergen.coordinator.user, bergen.tot)
    url = reverse("chain:template_copy", args=[oslo_adult.pk])
    refused = client.post(url, {"municipality": bergen.cast.oslo.pk, "track": Case.Track.ADULT})
    assert refused.status_code == 200
    assert not ChainTemplate.objects.filter(status=Status.DRAFT).exists()
    response = client.post(url, {"municipality": bergen.cast.bergen.pk, "track": Case.Track.ADULT})
    copy = ChainTemplate.objects.get(municipality=bergen.cast.bergen, track=Case.Track.ADULT)
    assert response["Location"] == reverse("chain:template_detail", args=[copy.pk])


# Moving a running case


def case_at_tot_meeting(bergen: Bergen) -> Case:
    """A child's case past the police notice, with the TOT meeting in progress."""
    case = create_case(membership=bergen.coordinator, municipality=bergen.cast.bergen, track=Case.Track.CHILD)
    access = get_case_for(bergen.coordinator, case.code)
    notice = CaseStep.objects.get(case=case, step__code="police-notice")
    finish_step(access=access, membership=bergen.coordinator, case_step=notice, at=timezone.now())
    return case


def version_without_lawyer_with_interpreter(bergen: Bergen) -> ChainTemplate:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    editor.remove_step(step=draft.steps.get(code="lawyer"), membership=bergen.coordinator)
    editor.add_step(template=draft, content=step_content(), membership=bergen.coordinator)
    return editor.activate(template=draft, membership=bergen.coordinator)


def test_a_moved_case_keeps_its_progress_by_step_code(bergen: Bergen) -> None:
    case = case_at_tot_meeting(bergen)
    meeting = CaseStep.objects.get(case=case, step__code="tot-meeting")
    notice_done_at = CaseStep.objects.get(case=case, step__code="police-notice").done_at
    v2 = version_without_lawyer_with_interpreter(bergen)
    assert CaseChain.objects.get(case=case).template == bergen.v1  # activation alone moves nothing

    editor.move_case_to_template(
        access=get_case_for(bergen.coordinator, case.code), membership=bergen.coordinator, template=v2
    )

    assert CaseChain.objects.get(case=case).template == v2
    steps = {s.step.code: s for s in CaseStep.objects.filter(case=case).select_related("step")}
    assert set(steps) == set(codes(v2))
    assert {s.step.template_id for s in steps.values()} == {v2.pk}
    assert (steps["police-notice"].status, steps["police-notice"].done_at) == (CaseStep.Status.DONE, notice_done_at)
    moved_meeting = steps["tot-meeting"]
    assert moved_meeting.pk == meeting.pk
    assert (moved_meeting.status, moved_meeting.responsible, moved_meeting.started_at) == (
        CaseStep.Status.ACTIVE,
        bergen.tot,
        meeting.started_at,
    )
    assert Deadline.objects.filter(case_step=moved_meeting, done_at__isnull=True).count() == 1
    assert steps["interpreter"].status == CaseStep.Status.WAITING
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CHAIN_MOVED)
    assert event.note == "child v1 → child v2; dropped: lawyer"
    assert event.actor_id == bergen.coordinator.user_id


def test_when_the_active_step_is_dropped_the_next_one_starts(bergen: Bergen) -> None:
    case = case_at_tot_meeting(bergen)
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    editor.remove_step(step=draft.steps.get(code="tot-meeting"), membership=bergen.coordinator)
    v2 = editor.activate(template=draft, membership=bergen.coordinator)
    meeting_deadline = Deadline.objects.get(case=case, rule__code="tot-meeting")
    editor.move_case_to_template(
        access=get_case_for(bergen.coordinator, case.code), membership=bergen.coordinator, template=v2
    )
    active = CaseStep.objects.get(case=case, status=CaseStep.Status.ACTIVE)
    assert active.step.code == "emergency-placement"
    meeting_deadline.refresh_from_db()
    assert meeting_deadline.done_at is not None  # its step is gone: the deadline leaves the board
    assert "dropped: tot-meeting" in CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CHAIN_MOVED).note


def test_a_case_moves_back_to_an_earlier_version(bergen: Bergen) -> None:
    case = case_at_tot_meeting(bergen)
    v2 = version_without_lawyer_with_interpreter(bergen)
    access = get_case_for(bergen.coordinator, case.code)
    editor.move_case_to_template(access=access, membership=bergen.coordinator, template=v2)
    editor.move_case_to_template(access=access, membership=bergen.coordinator, template=bergen.v1)
    assert list(CaseStep.objects.filter(case=case).order_by("step__order").values_list("step__code", "status")) == [
        (code, "done" if code == "police-notice" else "active" if code == "tot-meeting" else "waiting")
        for code in codes(bergen.v1)
    ]


def test_after_a_track_change_a_case_moves_to_its_new_tracks_chain(bergen: Bergen) -> None:
    oslo = bergen.oslo_coordinator
    case = create_case(membership=oslo, municipality=bergen.cast.oslo)
    adult = CaseChain.objects.get(case=case).template
    child = editor.copy_template(template=adult, municipality=bergen.cast.oslo, track=Case.Track.CHILD, membership=oslo)
    child = editor.activate(template=child, membership=oslo)
    access = get_case_for(oslo, case.code)
    assert not editor.move_targets(case, CaseChain.objects.get(case=case)).exists()  # no other adult version
    change_track(access=access, membership=oslo, track=Case.Track.CHILD, reason="Kan være under 18 år")
    access = get_case_for(oslo, case.code)
    assert list(editor.move_targets(access.case, CaseChain.objects.get(case=case))) == [child]
    editor.move_case_to_template(access=access, membership=oslo, template=child)
    assert CaseChain.objects.get(case=case).template == child
    assert CaseStep.objects.get(case=case, status=CaseStep.Status.ACTIVE).step.template == child


@pytest.mark.parametrize("target", ["draft", "other_track", "same", "other_municipality"])
def test_it_refuses_to_move_a_case_to(bergen: Bergen, target: str) -> None:
    case = case_at_tot_meeting(bergen)
    templates = {
        "draft": lambda: editor.new_version(template=bergen.v1, membership=bergen.coordinator),
        "other_track": lambda: editor.copy_template(
            template=bergen.v1, municipality=bergen.cast.bergen, track=Case.Track.ADULT, membership=bergen.coordinator
        ),
        "same": lambda: bergen.v1,
        "other_municipality": lambda: ChainTemplate.objects.get(municipality=bergen.cast.oslo),
    }
    template = templates[target]()
    if template.status == Status.DRAFT and target != "draft":
        editor.activate(template=template, membership=bergen.coordinator)
    with pytest.raises(ValidationError):
        editor.move_case_to_template(
            access=get_case_for(bergen.coordinator, case.code), membership=bergen.coordinator, template=template
        )
    assert CaseChain.objects.get(case=case).template == bergen.v1


def test_an_ended_case_is_not_moved(bergen: Bergen) -> None:
    case = case_at_tot_meeting(bergen)
    v2 = version_without_lawyer_with_interpreter(bergen)
    access = get_case_for(bergen.coordinator, case.code)
    end_case(access=access, membership=bergen.coordinator, reason="returned")
    with pytest.raises(ValidationError, match="ended"):
        editor.move_case_to_template(access=access, membership=bergen.coordinator, template=v2)


def test_only_the_owners_coordinators_and_admins_move_a_case(bergen: Bergen) -> None:
    case = case_at_tot_meeting(bergen)
    v2 = version_without_lawyer_with_interpreter(bergen)
    CaseAssignment.objects.create(case=case, user=bergen.caseworker.user, organisation=bergen.tot)
    with pytest.raises(PermissionDenied):
        editor.move_case_to_template(
            access=get_case_for(bergen.caseworker, case.code), membership=bergen.caseworker, template=v2
        )
    client = client_acting_in(bergen.caseworker.user, bergen.tot)
    assert client.get(reverse("cases:move_chain", args=[case.code])).status_code == 403
    assert CaseChain.objects.get(case=case).template == bergen.v1


def test_the_move_page_offers_the_other_versions_and_moves_the_case(bergen: Bergen) -> None:
    case = case_at_tot_meeting(bergen)
    v2 = version_without_lawyer_with_interpreter(bergen)
    editor.new_version(template=v2, membership=bergen.coordinator)  # a draft: not offered
    client = client_acting_in(bergen.coordinator.user, bergen.tot)
    url = reverse("cases:move_chain", args=[case.code])
    page = client.get(url).text
    assert page.count('name="template"') == 1
    assert f'value="{v2.pk}"' in page
    assert "Flytt til en annen versjon" in client.get(reverse("cases:detail", args=[case.code])).text
    response = client.post(url, {"template": v2.pk})
    assert response["Location"] == reverse("cases:detail", args=[case.code])
    assert CaseChain.objects.get(case=case).template == v2


# Query counts


def test_the_template_list_costs_the_same_for_3_and_30_versions(bergen: Bergen) -> None:
    client = client_acting_in(bergen.national.user, bergen.national.organisation)
    url = reverse("chain:templates")
    client.get(url)

    def grow_to(count: int) -> None:
        existing = ChainTemplate.objects.filter(municipality=bergen.cast.bergen, track=Case.Track.ADULT).count()
        for version in range(existing + 1, count + 1):
            ChainTemplate.objects.create(
                municipality=bergen.cast.bergen,
                track=Case.Track.ADULT,
                version=version,
                status=Status.RETIRED,
                title_nb="Gammel",
                title_en="Old",
            )

    counts = []
    for count in (3, 30):
        grow_to(count)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.text.count('data-testid="template-4601-adult-') == count
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_template_page_costs_the_same_for_3_and_30_steps(bergen: Bergen) -> None:
    draft = editor.new_version(template=bergen.v1, membership=bergen.coordinator)
    draft.steps.all().delete()
    client = client_acting_in(bergen.coordinator.user, bergen.tot)
    url = reverse("chain:template_detail", args=[draft.pk])
    client.get(url)
    named = OrganisationFactory.create(name="Tolketjenesten", municipality=bergen.cast.bergen)
    rule = DeadlineRule.objects.get(code="tot-meeting")

    counts = []
    for count in (3, 30):
        for order in range(draft.steps.count() + 1, count + 1):
            ChainStep.objects.create(
                template=draft,
                order=order,
                code=f"step-{order}",
                title_nb="Steg",
                title_en="Step",
                done_means_nb="Ferdig",
                done_means_en="Done",
                responsible_organisation=named,
                deadline_rule=rule,
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.text.count('data-testid="step-step-') == count
        counts.append(len(queries))
    assert counts[0] == counts[1]
