from django.urls import path

from placements import views

app_name = "placements"
urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
]
