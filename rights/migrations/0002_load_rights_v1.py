from django.db import migrations

from rights.catalogue import load_rights


def load(apps, schema_editor):
    load_rights(apps.get_model("rights", "Right"))


def unload(apps, schema_editor):
    apps.get_model("rights", "Right").objects.filter(case_rights__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rights", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
