from django.db import migrations, models

from chain.catalogue import set_step_preconditions


def set_preconditions(apps, schema_editor):
    set_step_preconditions(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [
        ("chain", "0010_step_completed_by_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="chainstep",
            name="precondition",
            field=models.CharField(
                blank=True,
                choices=[("asylum_claimed", "An asylum claim is recorded (immigration)")],
                max_length=30,
                verbose_name="may be referred or handed over when",
            ),
        ),
        migrations.RunPython(set_preconditions, migrations.RunPython.noop),
    ]
