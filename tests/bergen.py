"""A Bergen child case on the TOT chain, with organisations responsible for its steps.

Used by the meeting and learning tests and their browser scenario. The shipped
chain templates must be loaded (the `chain_templates` fixture, or
chain.catalogue.load_templates) before `bergen_child_case` is called.
"""

from dataclasses import dataclass

from accounts.models import User
from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case
from chain.services import assign_responsibility
from organisations.models import Membership, Organisation
from sharing import services as sharing_services
from sharing.models import LegalBasis
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory


@dataclass
class Bergen:
    tot: Organisation
    police: Organisation
    out_of_hours: Organisation
    child_welfare: Organisation
    tot_coordinator: User
    cw_coordinator: User
    cw_worker: User
    case: Case

    def member(self, user: User, organisation: Organisation | None = None) -> Membership:
        memberships = Membership.objects.select_related("user", "organisation", "organisation__municipality")
        if organisation is None:
            return memberships.get(user=user)
        return memberships.get(user=user, organisation=organisation)


def bergen_child_case(cast: Cast) -> Bergen:
    """TOT Bergen owns the case; the police, out-of-hours child welfare and child welfare hold steps.

    Child welfare can open the case (shared under its duty to be notified); the police and
    the out-of-hours service cannot.
    """

    def organisation(name: str, kind: str, owner_type: str) -> Organisation:
        return OrganisationFactory.create(name=name, kind=kind, owner_type=owner_type, municipality=cast.bergen)

    municipal, state = Organisation.OwnerType.MUNICIPAL, Organisation.OwnerType.STATE
    tot = organisation("TOT-koordinator Bergen", Organisation.Kind.TOT_COORDINATOR, municipal)
    police = organisation("Vest politidistrikt", Organisation.Kind.POLICE_DISTRICT, state)
    out_of_hours = organisation("Barnevernsvakten Bergen", Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS, municipal)
    child_welfare = organisation("Barnevernet Bergen", Organisation.Kind.CHILD_WELFARE, municipal)
    coordinator = Membership.Role.COORDINATOR
    tot_coordinator = MembershipFactory.create(organisation=tot, role=coordinator, user__first_name="Tone").user
    cw_coordinator = MembershipFactory.create(
        organisation=child_welfare, role=coordinator, user__first_name="Berit"
    ).user
    cw_worker = MembershipFactory.create(organisation=child_welfare, user__first_name="Carl").user
    owner = Membership.objects.select_related("user", "organisation").get(user=tot_coordinator)
    case = create_case(membership=owner, municipality=cast.bergen, track=Case.Track.CHILD)
    for code, responsible in [
        ("police-notice", police),
        ("emergency-placement", out_of_hours),
        ("guardian", child_welfare),
    ]:
        assign_responsibility(case_step=case.steps.get(step__code=code), organisation=responsible, membership=owner)
    sharing_services.disclose(
        access=get_case_for(owner, case.code),
        membership=owner,
        organisation=child_welfare,
        field_groups=["identity"],
        legal_basis=LegalBasis.objects.get(code="child-welfare-duty-to-notify"),
        justification="Barnet er under 18 år.",
        person_informed=False,
        informed_on=None,
    )
    return Bergen(tot, police, out_of_hours, child_welfare, tot_coordinator, cw_coordinator, cw_worker, case)
