"""A case's way through its chain: /cases/<code>/…, mounted in the case namespace by vern/urls.py."""

from django.urls import path

from chain import decision_views, editor_views, views

urlpatterns = [
    path("deadlines/new/", views.add_deadline, name="add_deadline"),
    path("chain/steps/<slug:step_code>/done/", views.finish_step, name="finish_step"),
    path("chain/steps/<slug:step_code>/take/", views.take_step, name="take_step"),
    path("chain/move/", editor_views.move_case_chain, name="move_chain"),
    path("decisions/<slug:kind_code>/", decision_views.record_decision, name="record_decision"),
]
