"""Counts grouped in thousands as the user's language writes them (1 234 in bokmål), where they may exceed 999.

Not USE_THOUSAND_SEPARATOR: it would group years and codes too ("2 026").
"""

from django import template

from core import formats

register = template.Library()


@register.filter
def number(value: float) -> str:
    return formats.number(value)
