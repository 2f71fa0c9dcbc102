from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals and hand-overs")

    def ready(self) -> None:
        from cases.roles import register_case_role
        from chain.extensions import register_overview_panel
        from referrals.chain_pages import pending_handovers_panel
        from referrals.services import accepted_a_referral

        register_overview_panel(pending_handovers_panel)
        register_case_role("accepted_referral", accepted_a_referral)
