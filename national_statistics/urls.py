from django.urls import path

from national_statistics import views

app_name = "national_statistics"

urlpatterns = [
    path("", views.report, name="report"),
    path("<int:year>/download.<str:file_format>", views.download, name="download"),
    path("<int:year>/htcds.csv", views.htcds, name="htcds"),
    path("<int:year>/refresh/", views.refresh, name="refresh"),
    path("files/", views.uploads, name="uploads"),
    path("files/<int:pk>/remove/", views.remove_upload, name="remove_upload"),
]
