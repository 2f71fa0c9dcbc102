from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning log, escalations and routines")

    def ready(self) -> None:
        from chain.extensions import register_overview_panel, register_step_links
        from learning.chain_pages import escalations_panel, routine_links

        register_step_links(routine_links)
        register_overview_panel(escalations_panel)
