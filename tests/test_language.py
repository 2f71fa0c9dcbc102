"""Every page in bokmål shows no English, and every page in English no bokmål.

Each page of tests/test_access_matrix.py's URL list is rendered for a member who may see it, in both
languages. Its visible text (text nodes, options, placeholder, aria-label, title, alt) is checked against the
catalogue: on a bokmål page a text that is an English msgid with a different bokmål translation leaked; on an
English page a text that is a bokmål translation different from its msgid leaked. Text the catalogue does not
hold (fixture labels, notes) is checked for marker words of the other language. In both languages: no
developer note, file name or backticked command reaches a user, and no "Vennligst" (Språkrådet's plain style).
"""

import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from cases.services import create_case
from chain.models import DeadlineRule, DecisionKind
from core import views as core_views
from meetings.models import FindingCategory, MeetingRole
from national_statistics.models import Contribution
from organisations.models import Membership
from rights.models import Right
from tests.conftest import Cast
from tests.helpers import client_acting_in
from tests.test_access_matrix import (
    CASE,
    COORDINATOR,
    MUNICIPALITY,
    NATIONAL_STATISTICIAN,
    POLICY,
    PUBLIC,
    SCREENING,
    url_for,
)
from tests.test_case_access_matrix import _consent, _disclose
from tests.test_case_access_matrix import _url as case_url
from tests.test_dark_figure_views import _store

VISIBLE_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
INVISIBLE_ELEMENTS = ("script", "style", "template")
# Words of the other language in text the catalogue does not hold (data from fixtures, notes).
ENGLISH_MARKERS = re.compile(r"\b(the|and|of|with|select|option|court order|working days?|persons|report)\b", re.I)
BOKMAL_MARKERS = re.compile(r"\b(og|ikke|eller|med|av|på|til|for å|virkedager?|personer|kilde|rapport)\b", re.I)
# Developer notes and file names, backticked commands, and the polite imperative Språkrådet advises against.
IN_NO_LANGUAGE = re.compile(r"`|\bseed \d+|\b[\w/]+\.(md|py|json|html)\b|\bvennligst\b", re.I)
# A count in the wrong number: "1 virkedager", "(1 personer)", "0 neste virkedag".
WRONG_NUMBER = re.compile(
    r"(?<![\d,.])1 (virkedager|dager|uker|måneder|personer|saker|working days|days|weeks|months|persons|cases)\b"
    r"|(?<![\d,.])0 (neste|the next)\b",
    re.I,
)
# Dates as ISO or the US write them; on a bokmål page a decimal point (AIC 38.7, p 0.0295) where a comma belongs.
FOREIGN_DATE = re.compile(r"(?<!LOV-)\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
BOKMAL_DATE = re.compile(r"\b\d{1,2}\. [A-Za-z]+ \d{4}\b")  # "2. December 2026" on an English page
# (A time of day is written 20.00 in bokmål: no decimal.)
DECIMAL_POINT = re.compile(r"(?<![\d.])(?!(?:[01]\d|2[0-3])\.[0-5]\d(?![\d.]))\d+\.\d+(?![\d.])")
# On a bokmål page a count of four or more digits without its thousands grouped ("1234" for "1 234"); a year,
# a code or a number written into another word (VRN-1234, 0301) is no count.
UNGROUPED = re.compile(r"(?<![\w.,/:+\-–])(?!(?:19|20)\d\d(?!\d))[1-9]\d{3,}(?![\w.,/:\-–])")
# What the tests' members wrote in a case (tests/test_access_matrix.py): their words, in their language.
WRITTEN_BY_MEMBERS = {"Ingen egnet bolig på flere måneder.", "Ingen egnet bolig", "Barn funnet om natten", "Ring"}


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """A request in English leaves English active in the thread: the tests that run after these expect bokmål."""
    with translation.override(translation.get_language()):
        yield


class VisibleText(HTMLParser):
    """The visible text of a page, less what is marked as another language (`lang`, as the switcher is)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.texts: list[str] = []
        self.hidden = 0
        self.foreign: list[str] = []  # the open elements from the first one in another language

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if self.foreign or (lang and lang != self.language and tag != "html"):
            self.foreign.append(tag)
            return
        if tag in INVISIBLE_ELEMENTS:
            self.hidden += 1
        self.texts.extend(value.strip() for name, value in attrs if name in VISIBLE_ATTRIBUTES and value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.foreign:
            self.texts.extend(value.strip() for name, value in attrs if name in VISIBLE_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if self.foreign:
            while self.foreign and self.foreign.pop() != tag:
                pass
            return
        if tag in INVISIBLE_ELEMENTS:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and not self.foreign and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str, language: str) -> list[str]:
    parser = VisibleText(language)
    parser.feed(html)
    return parser.texts


def _catalogue() -> dict[str, str]:
    """msgid → bokmål msgstr of every translated singular entry (Vern's and Django's and its apps')."""
    with translation.override("nb"):
        catalog = trans_real.translation("nb")._catalog  # type: ignore[attr-defined]
    return {
        " ".join(msgid.split()): " ".join(msgstr.split())
        for msgid, msgstr in catalog.items()
        if isinstance(msgid, str) and msgid and "\x04" not in msgid
    }


def _codes() -> set[str]:
    """The codes of the catalogues kept as data: a page shows their titles, never the codes."""
    models = (FindingCategory, Right, DeadlineRule, DecisionKind, MeetingRole)
    return {code for model in models for code in model.objects.values_list("code", flat=True)}


def leaks(texts: list[str], language: str, catalogue: dict[str, str], codes: frozenset[str] = frozenset()) -> list[str]:
    """The texts of the other language on a page in `language`; a text both languages share is no leak."""
    english, bokmal = set(catalogue), set(catalogue.values())
    if language == "nb":
        own, other, markers = bokmal, english - bokmal, ENGLISH_MARKERS
    else:
        own, other, markers = english, bokmal - english, BOKMAL_MARKERS
    found = []
    for text in texts:
        if text in WRITTEN_BY_MEMBERS:
            continue
        if IN_NO_LANGUAGE.search(text):
            found.append(f"not for users: {text!r}")
        elif WRONG_NUMBER.search(text):
            found.append(f"plural: {text!r}")
        elif (
            FOREIGN_DATE.search(text)
            or (language == "nb" and (DECIMAL_POINT.search(text) or UNGROUPED.search(text)))
            or (language == "en" and BOKMAL_DATE.search(text))
        ):
            found.append(f"format: {text!r}")
        elif text in codes:
            found.append(f"a code, not its title: {text!r}")
        elif text in other:
            found.append(f"catalogue: {text!r}")
        elif text not in own and markers.search(text):
            found.append(f"marker: {text!r}")
    return found


def _page_for(name: str, cast: Cast) -> tuple[Client, str]:
    """A URL of `name` and a client of a member who may see it."""
    policy = POLICY[name]
    if policy == PUBLIC:
        return Client(), url_for(name, cast)
    if policy == CASE:  # a case shared with NAV by consent and disclosed to the TOT coordinator
        admin = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_admin)
        case = create_case(membership=admin, municipality=cast.oslo)
        _consent(case, admin, cast.nav, ["identity"])
        _disclose(case, admin, cast.tot, ["identity"])
        return client_acting_in(cast.ngo_admin, cast.ngo), case_url(name, case)
    if policy in (COORDINATOR, MUNICIPALITY):
        return client_acting_in(cast.nav_coordinator, cast.nav), url_for(name, cast)
    if policy == NATIONAL_STATISTICIAN:  # with a file the police added (the uploads and the report list it)
        Contribution.objects.create(
            source=Contribution.Source.UPLOAD,
            year=2026,
            organisation_name="Oslo politidistrikt",
            file_name="oslo-2026.csv",
            key_fingerprint="0",
            sha256="oslo-2026",
            records=1234,
        )
        return client_acting_in(cast.statistician, cast.statistician.memberships.get().organisation), url_for(
            name, cast
        )
    if policy == SCREENING:
        return client_acting_in(cast.ngo_worker, cast.ngo), url_for(name, cast)
    return client_acting_in(cast.ngo_admin, cast.ngo), url_for(name, cast)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(POLICY))
def test_a_page_speaks_one_language(name: str, cast: Cast, chain_templates: None) -> None:
    client, url = _page_for(name, cast)
    catalogue, codes = _catalogue(), frozenset(_codes())
    problems = []
    for language in ("nb", "en"):
        client.cookies["vern_language"] = language
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue  # a POST-only action, a redirect or a download (tests/test_exports.py checks downloads)
        problems += [
            f"{language} {url}: {leak}"
            for leak in leaks(visible_texts(response.text, language), language, catalogue, codes)
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_dark_figure_speaks_one_language_and_writes_numbers_in_it(cast: Cast) -> None:
    _store(2025, ("police_district", "ngo_project", "nav_office", "udi"))
    client = client_acting_in(cast.statistician)
    catalogue, codes = _catalogue(), frozenset(_codes())
    problems = []
    for language in ("nb", "en"):
        client.cookies["vern_language"] = language
        response = client.get(reverse("dark_figure:estimate"), {"year": "2025"})
        assert response.status_code == 200
        problems += [
            f"{language}: {leak}" for leak in leaks(visible_texts(response.text, language), language, catalogue, codes)
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_bokmal_download_writes_numbers_and_headings_in_bokmal(cast: Cast) -> None:
    _store(2025, ("police_district", "ngo_project", "nav_office", "udi"))
    client = client_acting_in(cast.statistician)
    client.cookies["vern_language"] = "nb"
    response = client.get(reverse("dark_figure:download", args=["csv"]), {"year": "2025"})
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row if cell]
    assert "Modellene sammenlignet, med 95-prosents intervaller" in cells
    assert not [cell for cell in cells if DECIMAL_POINT.search(cell)]
    assert [cell for cell in cells if re.fullmatch(r"\d+,\d", cell)]  # AIC and BIC, to one decimal


@pytest.mark.django_db
@pytest.mark.parametrize("handler", ["bad_request", "permission_denied", "page_not_found", "csrf_failure"])
def test_an_error_page_speaks_the_language_of_the_request(handler: str, rf: RequestFactory) -> None:
    catalogue = _catalogue()
    problems = []
    for language in ("nb", "en"):
        request = rf.get("/saker/")
        request.user = AnonymousUser()
        with translation.override(language):
            response = getattr(core_views, handler)(request)
        texts = visible_texts(response.content.decode(), language)
        assert texts
        problems += [f"{language} {handler}: {leak}" for leak in leaks(texts, language, catalogue)]
    assert not problems, "\n".join(problems)


def test_the_server_error_page_speaks_bokmal_and_english_marked_as_such(rf: RequestFactory) -> None:
    """It is rendered without the request (a context processor may be what failed): both languages, each marked."""
    page = core_views.server_error(rf.get("/")).content.decode()
    catalogue = _catalogue()
    bokmal = visible_texts(page, "nb")  # the page is bokmål, less what is marked lang="en"
    marked_english = [text for text in visible_texts(page, "en") if text not in bokmal]
    assert marked_english
    assert not leaks(bokmal, "nb", catalogue)
    assert not leaks(marked_english, "en", catalogue)
