from django.urls import URLPattern, URLResolver, include, path, register_converter

from cases import views
from cases.models import CASE_CODE


class CaseCodeConverter:
    """A pseudonym code such as OSL-2026-0042: the only way a case appears in a URL."""

    regex = CASE_CODE.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseCodeConverter, "case")

# The case's own pages. The pages other apps show inside a case (/cases/<code>/…) are
# mounted next to these, in the same "cases" namespace, by vern/urls.py: each app owns its
# case URLs, and the project, which knows every app, composes them (docs/architecture.md).
app_name = "cases"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("open/", views.open_by_code, name="open"),
    path("<case:code>/", views.case_detail, name="detail"),
    path("<case:code>/groups/<str:group>/", views.edit_group, name="edit_group"),
    path("<case:code>/protect/", views.protect, name="protect"),
    path("<case:code>/break-the-glass/", views.break_glass, name="break_glass"),
    path("<case:code>/who-has-seen/", views.who_has_seen, name="who_has_seen"),
    path("<case:code>/assign/", views.assign, name="assign"),
    path("<case:code>/assign/remove/", views.unassign, name="unassign"),
    path("<case:code>/assign/move/", views.move_assignment, name="move_assignment"),
    path("<case:code>/sharing/", include("sharing.urls")),
    path("<case:code>/track/", views.change_track, name="change_track"),
    path("<case:code>/progress/", views.write_progress, name="write_progress"),
]
