from django.db import migrations

from screening.catalogue import load_catalogue, read_fixture


def load(apps, schema_editor):
    if not apps.get_model("screening", "CatalogueVersion").objects.filter(number=1).exists():
        load_catalogue(
            read_fixture("catalogue_v1.json"), get_model=lambda name: apps.get_model("screening", name), activate=True
        )


def unload(apps, schema_editor):
    apps.get_model("screening", "CatalogueVersion").objects.filter(number=1, screenings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
