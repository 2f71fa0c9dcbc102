from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogReviewConfig(AppConfig):
    name = "log_review"
    verbose_name = _("Log review")

    def ready(self) -> None:
        from log_review.reminders import remind_of_monthly_review
        from notifications.reminders import register_reminder_check

        register_reminder_check("log_review_reminders", remind_of_monthly_review)
