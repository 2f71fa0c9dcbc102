from pathlib import Path

from django.db import migrations

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "deadline_rules.json"


def load(apps, schema_editor):
    load_by_code(apps.get_model("chain", "DeadlineRule"), FIXTURE)


def unload(apps, schema_editor):
    apps.get_model("chain", "DeadlineRule").objects.filter(deadlines__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("chain", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
