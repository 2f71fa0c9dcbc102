from django.urls import path

from sharing import views

app_name = "sharing"
urlpatterns = [
    path("consent/new/", views.consent_create, name="consent_create"),
    path("consent/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("disclosure/new/", views.disclosure_create, name="disclosure_create"),
    path("disclosure/<int:disclosure_id>/end/", views.disclosure_end, name="disclosure_end"),
]
