from django.urls import path

from chain import views

app_name = "chain"
urlpatterns = [
    path("deadlines/", views.deadlines_board, name="board"),
    path("deadlines/<int:pk>/done/", views.complete_deadline, name="complete"),
    path("overview/", views.coordinator_overview, name="overview"),
]
