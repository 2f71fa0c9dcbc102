"""The national report's tables: property-based, no published table lets a number under 5 be worked out.

Hypothesis draws populations of linked persons (small ones, where small cells are
everywhere); every table of the report, as the page and the downloads publish it,
is checked with the exact linear-algebra checker of tests/test_suppression.py.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from disclosure.suppression import THRESHOLD, protect
from national_statistics.models import Application, LinkedPerson, PersonAttribute
from national_statistics.report import annual_tables, anonymous_contacts
from tests.test_suppression import assert_protected

YEAR = 2026
persons = st.fixed_dictionaries(
    {
        "gender": st.sampled_from(["female", "male", "other", ""]),
        "age_group": st.sampled_from(["minor", "adult", ""]),
        "nationality": st.sampled_from(["RO", "NG", "UA", "VN", "NO", "ER", ""]),
        "municipality_number": st.sampled_from(["0301", "4601", "5001", ""]),
        "police_district": st.sampled_from(["Oslo", "Vest", ""]),
        "identified_this_year": st.sampled_from([True, False, None]),
        "reflection_period": st.sampled_from(Application.values),
        "temporary_residence": st.sampled_from(Application.values),
        "absconded_after_days": st.one_of(st.none(), st.integers(0, 90)),
        "records": st.integers(1, 3),
        "forms": st.sets(st.sampled_from(["sexual", "labour", "criminal"]), max_size=2),
        "kinds": st.sets(st.sampled_from(["nav_office", "ngo_project", "police_district"]), max_size=2),
    }
)


class ReportTablesAreProtected(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(persons, min_size=0, max_size=60), st.integers(min_value=YEAR - 2, max_value=YEAR))
    def test_no_published_number_under_the_threshold_can_be_recovered(self, drawn: list[dict], year: int) -> None:
        for values in drawn:
            forms, kinds = values.pop("forms"), values.pop("kinds")
            person = LinkedPerson.objects.create(year=year, **values)
            PersonAttribute.objects.bulk_create(
                [PersonAttribute(person=person, kind=PersonAttribute.Kind.FORM, value=form) for form in forms]
                + [
                    PersonAttribute(person=person, kind=PersonAttribute.Kind.ORGANISATION_KIND, value=kind)
                    for kind in kinds
                ]
            )
        for table in [*annual_tables(YEAR), anonymous_contacts(YEAR)]:
            published = protect(table)
            assert_protected(table, published, brute_force=False)
            shown = [value for row in published.rows for value in row.values if value is not None]
            assert all(value == 0 or value >= THRESHOLD for value in shown), table.title
