from django.utils.functional import lazy
from django.utils.translation import get_language
from django_stubs_ext import StrOrPromise


class Bilingual:
    """For catalogue rows stored in bokmål and English (`x_nb`, `x_en`): pick the user's language."""

    def localised(self, field: str) -> str:
        language = "en" if (get_language() or "nb").startswith("en") else "nb"
        return str(getattr(self, f"{field}_{language}"))


def interpolate_lazy(text: StrOrPromise, **values: StrOrPromise) -> str:
    """`text % values`, translated when shown: a form field's help text is built once, at import, in no
    user's language, so `_("…%(warning)s") % {…}` there would fix the language of whoever came first."""
    return lazy(lambda: str(text) % {name: str(value) for name, value in values.items()}, str)()
