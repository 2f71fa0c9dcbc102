"""Meetings of one case, under /cases/<code>/meetings/ (included by cases.urls)."""

from django.urls import path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("new/", views.convene, name="convene"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/actions/new/", views.add_action_item, name="add_action_item"),
    path("<int:pk>/findings/new/", views.add_finding, name="add_finding"),
]
