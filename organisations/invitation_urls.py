from django.urls import path

from organisations import invitation_views

app_name = "invitations"
urlpatterns = [
    path("", invitation_views.accept, name="accept"),
    path("<str:token>/", invitation_views.open_invitation, name="open"),
]
