from django.db import migrations

from rights.catalogue import load_rights


def load(apps, schema_editor):
    """Who provides each right (the catalogue's new `provided_by`), for the rights already loaded."""
    load_rights(apps.get_model("rights", "Right"))


class Migration(migrations.Migration):
    dependencies = [("rights", "0003_right_provided_by"), ("organisations", "0003_rights_provider_and_guardian_kinds")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
