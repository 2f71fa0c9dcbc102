"""Each right's legal reference in English too: English pages showed the bokmål notes."""

from django.db import migrations, models

from rights.catalogue import load_rights


def load(apps, schema_editor):
    load_rights(apps.get_model("rights", "Right"))


class Migration(migrations.Migration):
    dependencies = [("rights", "0004_load_rights_providers")]

    operations = [
        migrations.RenameField(model_name="right", old_name="legal_reference", new_name="legal_reference_nb"),
        # The English texts run longer than the bokmål ones (one is 207 characters); PostgreSQL enforces the length.
        migrations.AlterField(model_name="right", name="legal_reference_nb", field=models.CharField(max_length=300)),
        migrations.AddField(
            model_name="right",
            name="legal_reference_en",
            field=models.CharField(default="", max_length=300),
            preserve_default=False,
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
