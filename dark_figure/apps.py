from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DarkFigureConfig(AppConfig):
    name = "dark_figure"
    verbose_name = _("Dark figure (multiple systems estimation)")
