"""Each meeting role's legal reference in English too: English pages showed the bokmål notes."""

from pathlib import Path

from django.db import migrations, models

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "meeting_roles_v1.json"


def load(apps, schema_editor):
    load_by_code(apps.get_model("meetings", "MeetingRole"), FIXTURE)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0007_meeting_submission_key")]

    operations = [
        migrations.RenameField(model_name="meetingrole", old_name="legal_reference", new_name="legal_reference_nb"),
        migrations.AddField(
            model_name="meetingrole",
            name="legal_reference_en",
            field=models.CharField(default="", max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
