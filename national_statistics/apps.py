from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalStatisticsConfig(AppConfig):
    # Not "statistics": an app of that name would shadow Python's statistics module.
    name = "national_statistics"
    verbose_name = _("National statistics")
