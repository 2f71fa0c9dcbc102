"""The shipped templates cite the report by author, title and chapter, not by the notes they were written from."""

from django.db import migrations

CITATIONS = {
    "The 2013 report (seed 002), ch. 3 and 5; shared/DOMAIN.md, the typical case flow; shared/LAW.md": (
        "Silje Sønsterudbråten, Fafo 2013: rapport om bistand og beskyttelse til ofre for menneskehandel i Oslo og Bergen, kap. 3 og 5; utlendingsloven, sosialtjenesteloven og straffeprosessloven"
    ),
    "The 2013 report (seed 002), ch. 6; shared/DOMAIN.md, Children; shared/LAW.md, Child welfare": (
        "Silje Sønsterudbråten, Fafo 2013: rapport om bistand og beskyttelse til ofre for menneskehandel i Oslo og Bergen, kap. 6; barnevernsloven"
    ),
}


def cite(apps, schema_editor):
    template_model = apps.get_model("chain", "ChainTemplate")
    for note, citation in CITATIONS.items():
        template_model.objects.filter(source=note).update(source=citation)


def uncite(apps, schema_editor):
    template_model = apps.get_model("chain", "ChainTemplate")
    for note, citation in CITATIONS.items():
        template_model.objects.filter(source=citation).update(source=note)


class Migration(migrations.Migration):
    dependencies = [("chain", "0011_step_precondition")]

    operations = [migrations.RunPython(cite, uncite)]
