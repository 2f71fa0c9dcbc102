from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from accounts.signals import api_token_created, api_token_revoked
        from audit.receivers import (
            log_api_token_created,
            log_api_token_revoked,
            log_invitation_accepted,
            log_invitation_sent,
            log_invitation_withdrawn,
        )
        from organisations.signals import invitation_accepted, invitation_sent, invitation_withdrawn

        # A token reads as its member: who made one, and when it stopped, belongs in the same log as its reads.
        api_token_created.connect(log_api_token_created, dispatch_uid="audit.log_api_token_created")
        api_token_revoked.connect(log_api_token_revoked, dispatch_uid="audit.log_api_token_revoked")
        # Who is let into an organisation, by whom, is logged with the reads they may then make.
        invitation_sent.connect(log_invitation_sent, dispatch_uid="audit.log_invitation_sent")
        invitation_withdrawn.connect(log_invitation_withdrawn, dispatch_uid="audit.log_invitation_withdrawn")
        invitation_accepted.connect(log_invitation_accepted, dispatch_uid="audit.log_invitation_accepted")
