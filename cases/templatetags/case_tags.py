from collections.abc import Iterable

from django import template

from cases.models import FieldGroup

register = template.Library()


@register.filter
def field_group_labels(groups: Iterable[str]) -> str:
    """'identity, health' → 'Identitet, Helse' in the user's language."""
    return ", ".join(str(FieldGroup(group).label) for group in groups if group in FieldGroup.values)
