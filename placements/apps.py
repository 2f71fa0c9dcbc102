from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements and missing children")

    def ready(self) -> None:
        from notifications.reminders import register_reminder_check
        from placements.services import check_missing_children

        register_reminder_check("missing_child_alerts", check_missing_children)
