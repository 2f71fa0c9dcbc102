"""Referring a case's step and handing the case over: /cases/<code>/…, mounted in the case namespace by vern/urls.py."""

from django.urls import path

from referrals import views

urlpatterns = [
    path("refer/", views.refer, name="refer"),
    path("hand-over/", views.hand_over, name="hand_over"),
]
