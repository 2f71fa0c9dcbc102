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
        limits = {
            f.attname: (f.name, f.max_length)
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField) and f.max_length
        }
        if not limits:
            continue
        for row in model._default_manager.values("pk", *limits):
            too_long += [
                f"{model._meta.label}.{name} (pk {row['pk']}): {len(row[attname])} > {limit}"
                for attname, (name, limit) in limits.items()
                if isinstance(row[attname], str) and len(row[attname]) > limit
            ]
    assert not too_long, "\n".join(too_long)
