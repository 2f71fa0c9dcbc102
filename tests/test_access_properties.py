"""Property-based tests: the query-based access rules agree with the reference model
in tests/reference_access.py for randomly generated organisations, members and cases."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cases.access import get_case_for, visible_cases
from cases.models import Case, CaseAssignment, ProtectedCaseAccess
from organisations.models import Membership
from sharing.models import Consent, Disclosure, LegalBasis
from tests import reference_access as ref
from tests.factories import MunicipalityFactory, OrganisationFactory, UserFactory

ORGANISATIONS = 3
USERS = 4
ROLES = ["caseworker", "coordinator", "org_admin", "statistician"]
GROUPS = sorted(ref.ALL_GROUPS)

membership_strategy = st.dictionaries(
    st.tuples(st.integers(0, USERS - 1), st.integers(0, ORGANISATIONS - 1)), st.sampled_from(ROLES), max_size=8
)
sharing_strategy = st.fixed_dictionaries(
    {
        "organisation": st.integers(0, ORGANISATIONS - 1),
        "groups": st.sets(st.sampled_from(GROUPS), min_size=1),
        "kind": st.sampled_from(["consent", "disclosure"]),
        # consent: active / withdrawn / expired / not yet given; disclosure: active / ended
        "state": st.sampled_from(["active", "withdrawn", "expired", "future"]),
    }
)
case_strategy = st.fixed_dictionaries(
    {
        "owner": st.integers(0, ORGANISATIONS - 1),
        "assigned": st.sets(st.tuples(st.integers(0, USERS - 1), st.integers(0, ORGANISATIONS - 1)), max_size=4),
        "sharings": st.lists(sharing_strategy, max_size=4),
        "protected": st.booleans(),
        "named": st.sets(st.integers(0, USERS - 1), max_size=2),
        "placement_by": st.none() | st.integers(0, ORGANISATIONS - 1),
    }
)


class AccessRulesAgreeWithTheReferenceModel(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(memberships=membership_strategy, cases=st.lists(case_strategy, min_size=1, max_size=4))
    def test_visibility_and_field_groups(
        self, memberships: dict[tuple[int, int], str], cases: list[dict[str, Any]]
    ) -> None:
        municipality = MunicipalityFactory.create()
        organisations = [OrganisationFactory.create(municipality=municipality) for _ in range(ORGANISATIONS)]
        users = [UserFactory.create(totp=False) for _ in range(USERS)]
        basis = LegalBasis.objects.get(code="court-order")
        today = timezone.localdate()
        facts: dict[int, ref.CaseFacts] = {}
        for number, spec in enumerate(cases):
            case = Case.objects.create(
                code=f"PRP-2026-{number:04d}",
                owner=organisations[spec["owner"]],
                municipality=municipality,
                is_protected=spec["protected"],
                protective_placement_by=None if spec["placement_by"] is None else organisations[spec["placement_by"]],
            )
            for user, organisation in spec["assigned"]:
                CaseAssignment.objects.create(case=case, user=users[user], organisation=organisations[organisation])
            for user in spec["named"]:
                ProtectedCaseAccess.objects.create(case=case, user=users[user])
            sharings = []
            for sharing in spec["sharings"]:
                organisation = organisations[sharing["organisation"]]
                groups, state = sorted(sharing["groups"]), sharing["state"]
                if sharing["kind"] == "consent":
                    given_on = today + timedelta(days=1) if state == "future" else today - timedelta(days=10)
                    Consent.objects.create(
                        case=case,
                        organisation=organisation,
                        field_groups=groups,
                        purpose="p",
                        form="written",
                        given_on=given_on,
                        expires_on=today - timedelta(days=1) if state == "expired" else None,
                        withdrawn_at=timezone.now() if state == "withdrawn" else None,
                    )
                    active = state == "active"
                else:
                    Disclosure.objects.create(
                        case=case,
                        organisation=organisation,
                        field_groups=groups,
                        legal_basis=basis,
                        justification="j",
                        ended_at=None if state == "active" else timezone.now(),
                    )
                    active = state == "active"
                sharings.append(ref.Sharing(organisation.pk, frozenset(groups), active))
            facts[case.pk] = ref.CaseFacts(
                owner=case.owner_id,
                assigned={(users[u].pk, organisations[o].pk) for u, o in spec["assigned"]},
                sharings=sharings,
                protected=spec["protected"],
                named={users[u].pk for u in spec["named"]},
                placement_by=case.protective_placement_by_id,
            )

        for (user, organisation), role in memberships.items():
            membership = Membership.objects.select_related("organisation", "user").get(
                pk=Membership.objects.create(user=users[user], organisation=organisations[organisation], role=role).pk
            )
            actor = ref.Actor(users[user].pk, organisations[organisation].pk, role)
            seen = set(visible_cases(membership).values_list("pk", flat=True))
            assert seen == {pk for pk, fact in facts.items() if ref.sees(actor, fact)}
            for pk in seen:
                access = get_case_for(membership, Case.objects.get(pk=pk).code)
                assert access.must_break_glass == ref.must_break_glass(actor, facts[pk])
                assert access.groups == ref.groups(actor, facts[pk])
