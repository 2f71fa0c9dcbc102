"""Load a catalogue version from its JSON file, and copy one into a new draft.

Used by the data migration (with historical models), by `load_catalogue`, and
by the admin's "copy as new version" action.
"""

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ITEMS = {
    "forms": ("ExploitationForm", ["code", "label_nb", "label_en", "legal_reference", "source"]),
    "indicators": ("Indicator", ["code", "form", "text_nb", "text_en", "source"]),
    "advice": ("Advice", ["code", "title_nb", "title_en", "text_nb", "text_en", "phone", "source", "legal_reference"]),
    "questions": ("Question", ["code", "text_nb", "text_en", "help_nb", "help_en", "source"]),
}


def read_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def load_catalogue(data: dict[str, Any], *, get_model: Any, activate: bool) -> Any:
    """Create the version and its items; `get_model(name)` returns a model class of the screening app."""
    version_model = get_model("CatalogueVersion")
    with transaction.atomic():
        if activate:
            version_model.objects.filter(is_active=True).update(is_active=False)
        version = version_model.objects.create(
            number=data["version"],
            title=data["title"],
            sources=data.get("sources", []),
            is_active=activate,
            published_at=timezone.now() if activate else None,
        )
        for key, (model_name, fields) in ITEMS.items():
            model = get_model(model_name)
            model.objects.bulk_create(
                model(version=version, order=order, **{field: item.get(field) or "" for field in fields})
                for order, item in enumerate(data.get(key, []))
            )
    return version


def copy_as_new_version(version: Any, *, get_model: Any) -> Any:
    """A draft copy with the next number, for a system admin to edit and then activate."""
    data: dict[str, Any] = {
        "version": get_model("CatalogueVersion").objects.order_by("-number").values_list("number", flat=True)[0] + 1,
        "title": version.title,
        "sources": version.sources,
    }
    for key, (model_name, fields) in ITEMS.items():
        rows = get_model(model_name).objects.filter(version=version).order_by("order").values(*fields)
        data[key] = list(rows)
    return load_catalogue(data, get_model=get_model, activate=False)


def exploitation_form_choices() -> list[tuple[str, str]]:
    """Every form of exploitation any catalogue version has had, by code, in the active (else newest) wording.

    A case's criminal case group lists these (registered in screening.apps), so a form carried over from a
    screening on an older version still has its name.
    """
    from screening.models import ExploitationForm

    seen: dict[str, str] = {}
    for form in ExploitationForm.objects.order_by("-version__is_active", "-version__number", "order"):
        seen.setdefault(form.code, form.localised("label"))
    return list(seen.items())
