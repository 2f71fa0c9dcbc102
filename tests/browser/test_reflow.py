"""Every page the scenarios reach reflows at 320 CSS px (WCAG 2.1 1.4.10, and so 400 % zoom of 1280 px).

For each persona one logged-in browser context at 320 × 640 visits its pages, in bokmål and in English.
A page fails when the document is wider than the viewport, or when a visible link, button or field lies
outside it horizontally (a statistics matrix scrolls inside its own region on purpose, and is exempt).
axe-core checks each page too.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Browser

from cases.access import get_case_for
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import ChainTemplate
from meetings.models import Meeting
from meetings.services import convene_meeting
from organisations.models import Membership
from referrals import services as referrals
from screening.forms import STEPS
from screening.services import start_screening
from tests.bergen import bergen_child_case
from tests.browser.conftest import Vern
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 320

# Elements someone acts on; each must lie inside the viewport unless it is in a region scrolled on purpose.
OVERFLOW_CHECK = """() => {
  const width = window.innerWidth;
  const problems = [];
  const documentWidth = document.documentElement.scrollWidth;
  if (documentWidth > width) problems.push(`the document is ${documentWidth} px wide`);
  const actionable = "a[href], button, summary, input:not([type=hidden]), select, textarea";
  for (const element of document.querySelectorAll(actionable)) {
    if (element.closest(".vern-table-scroll")) continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || getComputedStyle(element).visibility === "hidden") continue;
    if (box.left < 0 || box.right > width + 0.5) {
      const name = (element.textContent || element.getAttribute("name") || element.tagName).trim().slice(0, 40);
      problems.push(`«${name}» spans ${Math.round(box.left)}–${Math.round(box.right)} px`);
    }
  }
  return problems;
}"""


@dataclass
class Persona:
    membership: Membership
    paths: list[str]


def _personas(cast: Cast) -> dict[str, Persona]:
    """The cast with one case each side of a referral, a Bergen TOT case with a meeting, and a screening."""
    load_templates(apps.get_model)
    members = Membership.objects.select_related("user", "organisation", "organisation__municipality")
    ngo_admin = members.get(user=cast.ngo_admin)
    nav_worker = members.get(user=cast.nav_worker, organisation=cast.nav)
    oslo_case = create_case(membership=ngo_admin, municipality=cast.oslo)
    oslo = oslo_case.code
    referrals.refer(
        access=get_case_for(ngo_admin, oslo),
        membership=ngo_admin,
        to=cast.nav,
        case_step=oslo_case.steps.get(step__code="support-while-pending"),
        purpose="Oppfølging etter identifisering",
        field_groups=["identity"],
        ground=referrals.Ground(consent_form="written"),
    )
    right = oslo_case.rights.select_related("right").order_by("pk")[0].right.code
    screening = start_screening(membership=ngo_admin).pk

    bergen = bergen_child_case(cast)
    tot = bergen.member(bergen.tot_coordinator)
    meeting = convene_meeting(
        access=get_case_for(tot, bergen.case.code),
        membership=tot,
        kind=Meeting.Kind.TOT,
        scheduled_at=timezone.now() + timedelta(days=1),
        invited=[bergen.police, bergen.child_welfare],
    )
    child = bergen.case.code
    template = ChainTemplate.objects.filter(municipality=cast.bergen).order_by("pk").first() or (
        ChainTemplate.objects.order_by("pk").first()
    )
    assert template is not None
    step = template.steps.order_by("pk").first()
    assert step is not None

    return {
        "ngo_admin": Persona(
            ngo_admin,
            [
                "/",
                "/cases/",
                "/cases/?mine=1",
                "/cases/new/",
                f"/cases/{oslo}/",
                f"/cases/{oslo}/protect/",
                f"/cases/{oslo}/track/",
                f"/cases/{oslo}/rights/{right}/",
                f"/cases/{oslo}/groups/identity/",
                f"/cases/{oslo}/groups/immigration/",
                f"/cases/{oslo}/sharing/consent/new/",
                f"/cases/{oslo}/sharing/disclosure/new/",
                f"/cases/{oslo}/who-has-seen/",
                f"/cases/{oslo}/deadlines/new/",
                f"/cases/{oslo}/chain/steps/identified/done/",
                f"/cases/{oslo}/refer/?step=lawyer",
                f"/cases/{oslo}/hand-over/?step=state-reception",
                f"/cases/{oslo}/meetings/new/",
                f"/cases/{oslo}/end/",
                "/chain/deadlines/",
                "/referrals/",
                "/notifications/",
                "/rights/gaps/",
                "/rights/summary/",
                "/identification/",
                *[f"/identification/{screening}/step/{name}/" for name in STEPS],
                f"/identification/{screening}/review/",
                "/learning/",
                "/learning/routines/",
                "/learning/routines/new/",
                "/learning/escalations/",
                "/learning/escalations/new/",
                "/organisation/members/",
                "/organisation/api-tokens/",
                "/organisation/choose/",
                "/audit/review/",
                "/account/security/",
                "/accounts/2fa/",
                "/this-page-does-not-exist/",
            ],
        ),
        "nav_worker": Persona(nav_worker, ["/referrals/", "/chain/deadlines/", "/cases/"]),
        "tot_coordinator": Persona(
            tot,
            [
                f"/cases/{child}/",
                f"/cases/{child}/meetings/{meeting.pk}/",
                f"/cases/{child}/meetings/{meeting.pk}/minutes/",
                f"/cases/{child}/meetings/{meeting.pk}/actions/new/",
                f"/cases/{child}/meetings/new/?kind=tot",
                "/chain/overview/",
                "/chain/templates/",
                f"/chain/templates/{template.pk}/",
                f"/chain/templates/{template.pk}/steps/{step.pk}/",
                "/rights/gaps/",
            ],
        ),
        "child_welfare": Persona(bergen.member(bergen.cw_coordinator), ["/placements/alerts/", f"/cases/{child}/"]),
        "statistician": Persona(
            members.get(user=cast.statistician),
            ["/", "/statistics/", "/statistics/dark-figure/", "/statistics/files/", "/learning/routines/"],
        ),
    }


ANONYMOUS_PATHS = ["/accounts/login/", "/accounts/password/reset/", "/this-page-does-not-exist/"]


def _problems(vern: Vern, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        vern.go(path)
        problems = vern.page.evaluate(OVERFLOW_CHECK)
        found += [f"{path}: {problem}" for problem in problems]
        vern.assert_accessible()
    return found


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_page_reflows_at_320_px(vern: Vern, cast: Cast, browser: Browser, language: str) -> None:
    personas = _personas(cast)
    anonymous = _narrow(vern, browser)
    _speak(anonymous, language)
    problems = _problems(anonymous, ANONYMOUS_PATHS)
    for persona in personas.values():
        person = _narrow(vern, browser)
        person.log_in(persona.membership.user, persona.membership.organisation.name)
        _speak(person, language)  # after logging in, which is done in bokmål (the default)
        problems += _problems(person, persona.paths)
        person.page.context.close()
    assert not problems, "\n".join(problems)


def _narrow(vern: Vern, browser: Browser) -> Vern:
    """A phone-sized browser context on the same server."""
    page = browser.new_context(locale="en-GB", viewport={"width": WIDTH, "height": 640}).new_page()
    page.set_default_timeout(5000)
    return Vern(page, vern.base_url)


def _speak(person: Vern, language: str) -> None:
    person.page.context.add_cookies([{"name": "vern_language", "value": language, "url": person.base_url}])
