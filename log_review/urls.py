from django.urls import path

from log_review import views

app_name = "log_review"
urlpatterns = [
    path("", views.review, name="review"),
    path("flag/", views.mark_flag, name="mark_flag"),
    path("done/", views.mark_period, name="mark_period"),
    path("export.<str:file_format>", views.export, name="export"),
]
