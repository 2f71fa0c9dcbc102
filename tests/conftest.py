"""The cast every test can use, named by what they are in the story.

- `ngo_admin` administers the NGO project "Trygg havn" in Oslo; `ngo_worker` works there.
- `nav_worker` is a caseworker at NAV Oslo and also a coordinator at the TOT team (two memberships).
- `ngo_colleague` is a caseworker at the NGO who is assigned to no case.
- `nav_coordinator` is a coordinator at NAV Oslo: sees every case shared with NAV.
- `statistician` works at the national coordination unit and sees no case.
- `bergen_admin` administers an organisation in another city and must see nothing of Oslo's.
- `unattached` has an account but no membership.
"""

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.core.signals import request_started
from django.utils import translation

from accounts.models import User
from chain.catalogue import load_templates
from organisations.models import Membership, Municipality, Organisation
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory, UserFactory
from tests.personal_data import leaks_in

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_report_header() -> str:
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings: Any, tmp_path: Path) -> None:
    """Each test's database starts empty, so each test gets an empty access log checkpoint file too."""
    settings.VERN_AUDIT_CHECKPOINT_FILE = tmp_path / "audit_checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _no_personal_data_in_logs_mail_or_urls(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test doubles as a check that no person's data reaches a log, an e-mail or a URL."""
    urls: list[str] = []

    def remember_url(sender: Any, environ: dict[str, str], **kwargs: Any) -> None:
        urls.append(f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="factory")  # factory_boy's debug chatter, test data only
    request_started.connect(remember_url, dispatch_uid="pii-url-check")
    try:
        yield
    finally:
        request_started.disconnect(dispatch_uid="pii-url-check")
    sent = [f"{m.subject} {m.body}" for m in getattr(mail, "outbox", [])]
    places = {
        "log": [record.getMessage() for record in caplog.records],
        "e-mail": sent,
        "URL": urls,
    }
    found = {where: leaks for where, texts in places.items() if (leaks := [v for t in texts for v in leaks_in(t)])}
    assert not found, f"personal data leaked: {found}"


@dataclass
class Cast:
    ngo: Organisation
    nav: Organisation
    tot: Organisation
    bergen_org: Organisation
    ngo_admin: User
    ngo_worker: User
    nav_worker: User
    bergen_admin: User
    unattached: User
    ngo_colleague: User
    nav_coordinator: User
    statistician: User
    oslo: Municipality
    bergen: Municipality


@pytest.fixture
def cast(db: None) -> Cast:
    oslo = MunicipalityFactory.create(
        number="0301", name="Oslo", case_prefix="OSL", police_district="Oslo politidistrikt"
    )
    bergen = MunicipalityFactory.create(
        number="4601", name="Bergen", case_prefix="BGO", police_district="Vest politidistrikt"
    )
    ngo = OrganisationFactory.create(name="Trygg havn Oslo", municipality=oslo)
    nav = OrganisationFactory.create(
        name="NAV Oslo",
        kind=Organisation.Kind.NAV_OFFICE,
        owner_type=Organisation.OwnerType.MUNICIPAL,
        municipality=oslo,
    )
    tot = OrganisationFactory.create(
        name="TOT Oslo",
        kind=Organisation.Kind.TOT_COORDINATOR,
        owner_type=Organisation.OwnerType.MUNICIPAL,
        municipality=oslo,
    )
    bergen_org = OrganisationFactory.create(name="Trygg havn Bergen", municipality=bergen)
    ngo_admin = MembershipFactory.create(organisation=ngo, role=Membership.Role.ORG_ADMIN, user__first_name="Kari").user
    ngo_worker = MembershipFactory.create(
        organisation=ngo, role=Membership.Role.CASEWORKER, user__first_name="Ola"
    ).user
    nav_worker = MembershipFactory.create(
        organisation=nav, role=Membership.Role.CASEWORKER, user__first_name="Ingrid"
    ).user
    MembershipFactory.create(organisation=tot, user=nav_worker, role=Membership.Role.COORDINATOR)
    bergen_admin = MembershipFactory.create(organisation=bergen_org, role=Membership.Role.ORG_ADMIN).user
    unattached = UserFactory.create()
    ngo_colleague = MembershipFactory.create(organisation=ngo, role=Membership.Role.CASEWORKER).user
    nav_coordinator = MembershipFactory.create(
        organisation=nav, role=Membership.Role.COORDINATOR, user__first_name="Lars"
    ).user
    kom = OrganisationFactory.create(
        name="KOM",
        kind=Organisation.Kind.NATIONAL_COORDINATION,
        owner_type=Organisation.OwnerType.STATE,
        municipality=None,
    )
    statistician = MembershipFactory.create(organisation=kom, role=Membership.Role.STATISTICIAN).user
    return Cast(
        ngo,
        nav,
        tot,
        bergen_org,
        ngo_admin,
        ngo_worker,
        nav_worker,
        bergen_admin,
        unattached,
        ngo_colleague,
        nav_coordinator,
        statistician,
        oslo,
        bergen,
    )


@pytest.fixture
def chain_templates(cast: Cast) -> None:
    """The shipped chain templates (Oslo adult relay, Bergen child TOT) for the cast's municipalities."""
    load_templates(apps.get_model)


@pytest.fixture
def english() -> Iterator[None]:
    """For tests that match refusals on their English source text (the UI defaults to bokmål)."""
    with translation.override("en"):
        yield
