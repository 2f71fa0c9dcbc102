from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChainConfig(AppConfig):
    name = "chain"
    verbose_name = _("Chain of actors")

    def ready(self) -> None:
        from cases.roles import register_case_role
        from cases.signals import case_created
        from chain.access import is_responsible_for_a_step
        from chain.receivers import start_chain_of_new_case
        from chain.reminders import collect_deadline_reminders
        from chain.services import roles_in_track
        from notifications.reminders import register_reminder_check
        from sharing.partners import register_track_roles

        case_created.connect(start_chain_of_new_case, dispatch_uid="chain.start_chain_of_new_case")
        register_reminder_check("deadline_reminders", collect_deadline_reminders)
        register_case_role("chain_step", is_responsible_for_a_step)
        register_track_roles("chain", roles_in_track)
