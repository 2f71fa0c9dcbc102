import json
from pathlib import Path

from django.db import migrations

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "legal_bases.json"


def load_legal_bases(apps, schema_editor):
    load_by_code(apps.get_model("sharing", "LegalBasis"), FIXTURE)


def remove_legal_bases(apps, schema_editor):
    LegalBasis = apps.get_model("sharing", "LegalBasis")
    codes = [item["code"] for item in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    LegalBasis.objects.filter(code__in=codes, disclosures__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(load_legal_bases, remove_legal_bases)]
