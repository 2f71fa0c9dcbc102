from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("security/", views.security, name="security"),
    path("security/log-out-everywhere/", views.log_out_everywhere, name="log_out_everywhere"),
]
