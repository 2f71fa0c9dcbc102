from django.urls import path

from organisations import views

app_name = "organisations"
urlpatterns = [
    path("choose/", views.choose, name="choose"),
    path("members/", views.members, name="members"),
    path("working-hours/", views.working_hours, name="working_hours"),
    path("members/<int:membership_id>/role/", views.change_role, name="change_role"),
    path("members/<int:membership_id>/remove/", views.remove, name="remove"),
    path("invitations/<int:invitation_id>/resend/", views.resend_invitation, name="resend_invitation"),
    path("invitations/<int:invitation_id>/withdraw/", views.withdraw_invitation, name="withdraw_invitation"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
]
