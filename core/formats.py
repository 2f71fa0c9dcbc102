"""Numbers as the user's language writes them: in bokmål a decimal comma and a no-break space between thousands."""

from django.utils import formats


def number(value: float, places: int = 0, *, signed: bool = False) -> str:
    """`value` rounded to `places` decimals (Django's number format truncates), grouped in thousands."""
    rounded = round(value, places) if places else round(value)
    text = formats.number_format(rounded, decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"+{text}" if signed and value >= 0 else text


def span(lower: float, upper: float) -> str:
    return f"{number(lower)}–{number(upper)}"
