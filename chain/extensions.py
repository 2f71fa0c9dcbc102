"""What the apps above the chain add to its pages, registered from their AppConfig.ready.

The chain stands below learning and referrals (docs/architecture.md) and must not import
them, yet its pages show their work: a case's chain links each step to the municipality's
routines (learning), and the coordinators' overview counts hand-overs not accepted
(referrals) and open escalations (learning). Each of those apps registers a provider here;
the chain calls every provider and renders what it returns, in the order of INSTALLED_APPS.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cases.models import Case
from organisations.models import Membership, Municipality


@dataclass(frozen=True)
class StepLink:
    """A link shown with a step of a case's chain."""

    label: str
    url: str


@dataclass(frozen=True)
class OverviewPanel:
    """A figure on the coordinators' overview, and the section below the figures that lists what it counts."""

    testid: str
    count: int
    label: str
    link: str = ""  # the page the label links to
    section_template: str = ""  # rendered with `section`
    section: Mapping[str, Any] = field(default_factory=dict)


# The links of each step (by step code) on this case, as the member may see them.
StepLinkProvider = Callable[[Case, Membership], Mapping[str, Sequence[StepLink]]]
OverviewPanelProvider = Callable[[Membership, Municipality], OverviewPanel]

_step_link_providers: list[StepLinkProvider] = []
_overview_panel_providers: list[OverviewPanelProvider] = []


def register_step_links(provider: StepLinkProvider) -> None:
    if provider not in _step_link_providers:
        _step_link_providers.append(provider)


def register_overview_panel(provider: OverviewPanelProvider) -> None:
    if provider not in _overview_panel_providers:
        _overview_panel_providers.append(provider)


def step_links(case: Case, membership: Membership) -> dict[str, list[StepLink]]:
    links: dict[str, list[StepLink]] = {}
    for provider in _step_link_providers:
        for code, found in provider(case, membership).items():
            links.setdefault(code, []).extend(found)
    return links


def overview_panels(membership: Membership, municipality: Municipality) -> list[OverviewPanel]:
    return [provider(membership, municipality) for provider in _overview_panel_providers]
