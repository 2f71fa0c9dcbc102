from pathlib import Path

from django.db import migrations

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "finding_categories_v1.json"


def load(apps, schema_editor):
    load_by_code(apps.get_model("meetings", "FindingCategory"), FIXTURE)


def unload(apps, schema_editor):
    apps.get_model("meetings", "FindingCategory").objects.filter(findings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_meetings")]

    operations = [migrations.RunPython(load, unload)]
