"""A case's meetings, and ending the case: /cases/<code>/…, mounted in the case namespace by vern/urls.py."""

from django.urls import include, path

from meetings import views

urlpatterns = [
    path("meetings/", include("meetings.urls")),
    path("end/", views.end_case, name="end_case"),
]
