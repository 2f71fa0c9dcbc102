from django.db import migrations

from chain.catalogue import load_decision_kinds


def load(apps, schema_editor):
    load_decision_kinds(apps.get_model)


def unload(apps, schema_editor):
    apps.get_model("chain", "DecisionKind").objects.filter(case_decisions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("chain", "0008_case_decisions")]

    operations = [migrations.RunPython(load, unload)]
