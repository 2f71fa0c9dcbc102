from django.urls import path

from learning import views

app_name = "learning"
urlpatterns = [
    path("", views.learning_log, name="log"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/new/", views.raise_escalation, name="raise_escalation"),
    path("escalations/<int:pk>/", views.escalation, name="escalation"),
    path("escalations/<int:pk>/change/", views.change_escalation, name="change_escalation"),
    path("routines/", views.routines, name="routines"),
    path("routines/new/", views.write_routine, name="write_routine"),
    path("routines/<int:pk>/", views.routine, name="routine"),
    path("routines/<int:pk>/edit/", views.revise_routine, name="revise_routine"),
    path("routines/<int:pk>/versions/<int:number>/", views.routine, name="routine_version"),
]
