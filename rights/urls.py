from django.urls import path

from rights import views

app_name = "rights"
urlpatterns = [
    path("gaps/", views.gap_view, name="gaps"),
    path("summary/", views.summary, name="summary"),
]
