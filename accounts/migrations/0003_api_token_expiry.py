from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

# Tokens made before tokens expired get the default lifetime, counted from their creation.
DEFAULT_LIFETIME = timedelta(days=90)


def give_existing_tokens_the_default_lifetime(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.update(expires_at=F("created_at") + DEFAULT_LIFETIME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.RunPython(give_existing_tokens_the_default_lifetime, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
    ]
