from pathlib import Path

from django.db import migrations

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "meeting_roles_v1.json"


def load(apps, schema_editor):
    # The guardian, a kind of organisation since the rights providers came, has a role in the child track's meetings.
    load_by_code(apps.get_model("meetings", "MeetingRole"), FIXTURE)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_organisation_kinds_of_rights_providers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
