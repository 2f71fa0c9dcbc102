"""The report reads a year from indexes: attributes carry their person's year, persons their row in the
tables of forms and of organisation kinds, and the trend counts from an index of year and identification."""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

SEVERAL = "several"  # national_statistics.models.SEVERAL when this was written


def fill(apps, schema_editor):
    """Years linked before: the values the next linkage of the year would write."""
    LinkedPerson = apps.get_model("national_statistics", "LinkedPerson")
    PersonAttribute = apps.get_model("national_statistics", "PersonAttribute")
    PersonAttribute.objects.update(
        year=Subquery(LinkedPerson.objects.filter(pk=OuterRef("person_id")).values("year")[:1])
    )
    values = defaultdict(lambda: defaultdict(set))
    attributes = PersonAttribute.objects.filter(kind__in=["form", "organisation_kind"])
    for person_id, kind, value in attributes.values_list("person_id", "kind", "value").iterator():
        values[person_id][kind].add(value)
    persons = []
    for person in LinkedPerson.objects.filter(pk__in=list(values)).iterator():
        for kind, field in (("form", "form_of_exploitation"), ("organisation_kind", "organisation_kind")):
            found = values[person.pk][kind]
            setattr(person, field, "" if not found else next(iter(found)) if len(found) == 1 else SEVERAL)
        persons.append(person)
    LinkedPerson.objects.bulk_update(persons, ["form_of_exploitation", "organisation_kind"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("national_statistics", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="personattribute",
            name="national_st_kind_e41b9d_idx",
        ),
        migrations.AddField(
            model_name="linkedperson",
            name="form_of_exploitation",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="linkedperson",
            name="organisation_kind",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="personattribute",
            name="year",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="linkedperson",
            name="year",
            field=models.PositiveSmallIntegerField(),
        ),
        migrations.AddIndex(
            model_name="linkedperson",
            index=models.Index(fields=["year", "identified_this_year"], name="national_st_year_d26900_idx"),
        ),
        migrations.AddIndex(
            model_name="personattribute",
            index=models.Index(fields=["year", "kind", "value"], name="national_st_year_7ed2fa_idx"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
