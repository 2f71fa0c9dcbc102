from django.utils.translation import get_language


class Bilingual:
    """For catalogue rows stored in bokmål and English (`x_nb`, `x_en`): pick the user's language."""

    def localised(self, field: str) -> str:
        language = "en" if (get_language() or "nb").startswith("en") else "nb"
        return str(getattr(self, f"{field}_{language}"))
