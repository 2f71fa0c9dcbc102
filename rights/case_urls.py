"""A case's rights, inside the case: /cases/<code>/rights/…, mounted in the case namespace by vern/urls.py."""

from django.urls import path

from rights import views

urlpatterns = [
    path("rights/<slug:right_code>/", views.edit_case_right, name="edit_right"),
]
