from django.urls import path

from dark_figure import views

app_name = "dark_figure"

urlpatterns = [
    path("", views.dark_figure, name="estimate"),
    path("download.<str:file_format>", views.download, name="download"),
]
