from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "rights"
    verbose_name = _("Rights")

    def ready(self) -> None:
        from cases.signals import case_created, case_track_changed
        from rights.receivers import give_case_the_rights_of_its_track

        case_created.connect(give_case_the_rights_of_its_track, dispatch_uid="rights.rights_of_new_case")
        case_track_changed.connect(give_case_the_rights_of_its_track, dispatch_uid="rights.rights_of_new_track")
