from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from accounts.signals import api_token_created, api_token_revoked
        from audit.receivers import log_api_token_created, log_api_token_revoked

        # A token reads as its member: who made one, and when it stopped, belongs in the same log as its reads.
        api_token_created.connect(log_api_token_created, dispatch_uid="audit.log_api_token_created")
        api_token_revoked.connect(log_api_token_revoked, dispatch_uid="audit.log_api_token_revoked")
