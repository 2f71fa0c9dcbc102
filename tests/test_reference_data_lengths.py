"""Every catalogue text the migrations load fits its column: SQLite does not enforce a CharField's
max_length, PostgreSQL does, so a fixture text that is too long would only fail in production."""

import pytest
from django.apps import apps
from django.db import models

from chain.catalogue import load_templates

pytestmark = pytest.mark.django_db


def test_every_loaded_catalogue_text_fits_its_column() -> None:
    load_templates(apps.get_model)
    too_long = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField) and f.max_length]
        if not fields:
            continue
        for row in model.objects.values("pk", *(f.attname for f in fields)):
            too_long += [
                f"{model._meta.label}.{f.name} (pk {row['pk']}): {len(row[f.attname])} > {f.max_length}"
                for f in fields
                if isinstance(row[f.attname], str) and len(row[f.attname]) > f.max_length
            ]
    assert not too_long, "\n".join(too_long)
