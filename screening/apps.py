from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("Identification")

    def ready(self) -> None:
        from cases.fields import register_exploitation_forms
        from screening.catalogue import exploitation_form_choices

        register_exploitation_forms(exploitation_form_choices)
