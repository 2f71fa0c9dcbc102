from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("security/", views.security, name="security"),
    path("security/log-out-everywhere/", views.log_out_everywhere, name="log_out_everywhere"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/revoke/", views.revoke_api_token, name="revoke_api_token"),
]
