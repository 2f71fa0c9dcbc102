"""A database dump alone reveals no name, date of birth, address or phone of a person."""

import pytest
from django.db import connection

from cases import services
from cases.access import get_case_for
from cases.models import FieldGroup
from organisations.models import Membership
from tests.conftest import Cast
from tests.personal_data import leaks_in

pytestmark = pytest.mark.django_db

PERSON = {
    FieldGroup.IDENTITY: {"first_name": "Testa", "last_name": "Personsen", "birth_date": "2009-04-01"},
    FieldGroup.CONTACT: {"address": "Hemmelig vei 1", "phone": "41019000077"},
    FieldGroup.HEALTH: {"needs": "Trenger fastlege"},
}


def test_no_table_holds_a_persons_data_in_the_clear(cast: Cast) -> None:
    worker = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_worker)
    case = services.create_case(membership=worker, municipality=cast.oslo)
    for group, data in PERSON.items():
        access = get_case_for(worker, case.code)
        services.save_field_group(
            access=access, membership=worker, group=group, data=data, expected_version=access.case.version
        )
    services.read_field_groups(access=get_case_for(worker, case.code), membership=worker)

    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            leaks = {leak for row in cursor.fetchall() for value in row for leak in leaks_in(str(value))}
            if leaks:
                found[table] = sorted(leaks)
    assert not found, f"plaintext personal data in the database: {found}"
    # …and the data is really there, encrypted.
    assert services.read_field_groups(access=get_case_for(worker, case.code), membership=worker) == PERSON
