"""A court order names its sections (to be confirmed by a lawyer), not the words "court order" as one."""

from pathlib import Path

from django.db import migrations

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "legal_bases.json"


def reload_legal_bases(apps, schema_editor):
    load_by_code(apps.get_model("sharing", "LegalBasis"), FIXTURE)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0003_consent_and_disclosure_submission_key")]

    operations = [migrations.RunPython(reload_legal_bases, migrations.RunPython.noop)]
