from django.urls import include, path, register_converter

from cases import views
from chain import editor_views as chain_editor_views
from chain import views as chain_views
from meetings import views as meeting_views
from referrals import views as referrals_views
from rights import views as rights_views


class CaseCodeConverter:
    """A pseudonym code such as OSL-2026-0042: the only way a case appears in a URL."""

    regex = r"[A-Z0-9]{3}-[0-9]{4}-[0-9]{4,6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseCodeConverter, "case")

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<case:code>/", views.case_detail, name="detail"),
    path("<case:code>/groups/<str:group>/", views.edit_group, name="edit_group"),
    path("<case:code>/protect/", views.protect, name="protect"),
    path("<case:code>/break-the-glass/", views.break_glass, name="break_glass"),
    path("<case:code>/who-has-seen/", views.who_has_seen, name="who_has_seen"),
    path("<case:code>/assign/", views.assign, name="assign"),
    path("<case:code>/sharing/", include("sharing.urls")),
    path("<case:code>/rights/<slug:right_code>/", rights_views.edit_case_right, name="edit_right"),
    path("<case:code>/track/", views.change_track, name="change_track"),
    path("<case:code>/deadlines/new/", chain_views.add_deadline, name="add_deadline"),
    path("<case:code>/chain/steps/<slug:step_code>/done/", chain_views.finish_step, name="finish_step"),
    path("<case:code>/chain/steps/<slug:step_code>/take/", chain_views.take_step, name="take_step"),
    path("<case:code>/refer/", referrals_views.refer, name="refer"),
    path("<case:code>/hand-over/", referrals_views.hand_over, name="hand_over"),
    path("<case:code>/chain/move/", chain_editor_views.move_case_chain, name="move_chain"),
    path("<case:code>/meetings/", include("meetings.urls")),
    path("<case:code>/end/", meeting_views.end_case, name="end_case"),
    path("<case:code>/placement/", include("placements.case_urls")),
]
