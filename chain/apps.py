from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChainConfig(AppConfig):
    name = "chain"
    verbose_name = _("Chain of actors")

    def ready(self) -> None:
        from cases.signals import case_created
        from chain.receivers import start_chain_of_new_case

        case_created.connect(start_chain_of_new_case, dispatch_uid="chain.start_chain_of_new_case")
