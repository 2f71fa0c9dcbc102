from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from cases.signals import glass_broken
        from notifications.receivers import tell_admins_of_broken_glass

        glass_broken.connect(tell_admins_of_broken_glass, dispatch_uid="notifications.broken_glass")
