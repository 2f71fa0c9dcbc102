"""End-to-end tests in Debian's headless Chromium against a live Vern server.

Each page is checked with axe-core (WCAG 2.1 AA), and any console error —
a Content Security Policy violation, a failed asset — fails the test.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page

from tests.reference_data import ensure_reference_data

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE_SOURCE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    return errors


@pytest.fixture
def vern(live_server: Any, page: Page, console_errors: list[str]) -> Iterator["Vern"]:
    ensure_reference_data()
    # The server's first request imports every view (statsmodels and scipy among them: seconds on a busy
    # machine); warm it up once, so that the scenarios' five-second timeouts measure the pages, not the imports.
    page.goto(live_server.url + "/healthz", timeout=60000)
    page.set_default_timeout(5000)
    browser = Vern(page, live_server.url)
    yield browser
    expected = [e for e in console_errors if "status of 403" in e or "status of 404" in e]
    unexpected = [e for e in console_errors if e not in expected]
    assert not unexpected, f"console errors: {unexpected}"


class Vern:
    """The browser, with the steps every scenario repeats."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def assert_accessible(self) -> None:
        """axe-core finds no WCAG 2.1 A/AA violation on the current page."""
        self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
        )
        violations = [
            f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in result["violations"]
        ]
        assert not violations, f"{self.page.url}: " + "; ".join(violations)

    def submit_password(self, email: str, password: str) -> None:
        self.page.get_by_label("E-post", exact=True).fill(email)
        self.page.get_by_label("Passord", exact=True).fill(password)
        self.page.get_by_role("button", name="Logg inn").click()

    def submit_code(self, code: str) -> None:
        self.page.get_by_label("Kode", exact=True).fill(code)
        self.page.get_by_role("button", name="Logg inn").click()

    def log_in(self, user: Any, organisation_name: str | None = None) -> None:
        """Log in with password and TOTP; choose the organisation if the user has several."""
        from tests.factories import PASSWORD, current_code_of

        self.go("/accounts/login/")
        self.submit_password(user.email, PASSWORD)
        self.submit_code(current_code_of(user))
        if organisation_name and "/organisation/choose/" in self.page.url:
            self.page.get_by_label(organisation_name).check()
            self.page.get_by_role("button", name="Fortsett").click()

    def another(self, browser: Any) -> "Vern":
        """A second person at another computer: a new browser context on the same server."""
        page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(5000)
        return Vern(page, self.base_url)
