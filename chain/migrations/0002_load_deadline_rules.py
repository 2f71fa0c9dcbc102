import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "deadline_rules.json"


def load(apps, schema_editor):
    DeadlineRule = apps.get_model("chain", "DeadlineRule")
    for item in json.loads(FIXTURE.read_text(encoding="utf-8")):
        code = item.pop("code")
        DeadlineRule.objects.update_or_create(code=code, defaults=item)


def unload(apps, schema_editor):
    apps.get_model("chain", "DeadlineRule").objects.filter(deadlines__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("chain", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
