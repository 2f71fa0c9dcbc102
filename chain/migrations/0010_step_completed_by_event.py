from django.db import migrations, models

from chain.catalogue import set_completing_events


def set_events(apps, schema_editor):
    set_completing_events(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [
        ("chain", "0009_load_case_decisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="chainstep",
            name="completed_by_event",
            field=models.CharField(
                blank=True,
                choices=[
                    ("placement_started", "A placement is started"),
                    ("referral_accepted", "The referral for the step is accepted"),
                    ("meeting_held", "A meeting about the case is held"),
                ],
                max_length=30,
                verbose_name="done when this happens",
            ),
        ),
        migrations.RunPython(set_events, migrations.RunPython.noop),
    ]
