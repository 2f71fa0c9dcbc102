"""The statistician's choices: the year, which organisation kinds make up which list, the p-value threshold."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dark_figure.estimation import THRESHOLD
from dark_figure.services import MAX_LISTS
from organisations.models import Organisation

LETTERS = "ABCDEFGH"[:MAX_LISTS]
LEAVE_OUT = ""


SMALL_LIST = 10
MIN_LISTS = 3  # multiple systems estimation needs three lists


def default_letters(kinds: Sequence[tuple[str, int]]) -> dict[str, str]:
    """Each large kind its own list, the small ones (under SMALL_LIST persons) merged into one list after them;
    while that makes fewer than three lists, the largest small kinds get lists of their own.

    A list of a handful of persons rarely overlaps another, and a list that overlaps none
    leaves the model nothing to estimate from. `kinds` come largest first.
    """
    own = [kind for kind, persons in kinds if persons >= SMALL_LIST][: len(LETTERS) - 1]
    rest = [kind for kind, _persons in kinds if kind not in own]
    while rest and len(own) + 1 < MIN_LISTS and len(own) < len(LETTERS) - 1:
        own.append(rest.pop(0))
    letters = {kind: LETTERS[position] for position, kind in enumerate(own)}
    return letters | {kind: LETTERS[len(own)] for kind in rest}


class DarkFigureForm(forms.Form):
    """One field per organisation kind seen in the year: the list it is counted in (same letter = merged)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    threshold = forms.DecimalField(
        label=_("p-value for adding a dependence between two lists"),
        min_value=Decimal("0.001"),
        max_value=Decimal("0.2"),
        decimal_places=3,
        initial=Decimal(str(THRESHOLD)),
        help_text=_(
            "Chan, Silverman and Vincent (2021) recommend 0.02 for sparse tables; "
            "Bales, Hesketh and Silverman (2015) used 0.05 on the UK table."
        ),
    )

    def __init__(self, *args: Any, years: Sequence[int], kinds: Sequence[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]
        labels = dict(Organisation.Kind.choices)
        choices = [
            (LEAVE_OUT, _("Leave out")),
            *((letter, _("List %(letter)s") % {"letter": letter}) for letter in LETTERS),
        ]
        self.kinds = [kind for kind, _persons in kinds]
        initial = default_letters(kinds)
        for kind, persons in kinds:
            self.fields[f"list_{kind}"] = forms.ChoiceField(
                label=ngettext("%(kind)s (%(persons)s person)", "%(kind)s (%(persons)s persons)", persons)
                % {"kind": labels.get(kind, kind), "persons": persons},
                choices=choices,
                required=False,
                initial=initial[kind],
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f"list_{kind}") for kind in self.kinds):
            raise forms.ValidationError(
                _("Give at least three kinds of organisation a list: the estimate needs three.")
            )
        return cleaned

    def lists(self) -> dict[str, list[str]]:
        """List name (the merged kinds' names) → the kinds it merges, in letter order."""
        return _lists({kind: self.cleaned_data.get(f"list_{kind}") or LEAVE_OUT for kind in self.kinds})


def default_lists(kinds: Sequence[tuple[str, int]]) -> dict[str, list[str]]:
    """The lists the page starts with for the kinds of a year (largest first), named as the form names them."""
    return _lists(default_letters(kinds))


def _lists(letters: Mapping[str, str]) -> dict[str, list[str]]:
    labels = dict(Organisation.Kind.choices)
    by_letter: dict[str, list[str]] = {}
    for kind, letter in letters.items():
        if letter != LEAVE_OUT:
            by_letter.setdefault(letter, []).append(kind)
    return {
        " + ".join(str(labels.get(kind, kind)) for kind in kinds): kinds for _letter, kinds in sorted(by_letter.items())
    }
