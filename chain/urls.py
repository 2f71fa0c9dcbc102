from django.urls import path

from chain import editor_views, views

app_name = "chain"
urlpatterns = [
    path("deadlines/", views.deadlines_board, name="board"),
    path("deadlines/<int:pk>/done/", views.complete_deadline, name="complete"),
    path("overview/", views.coordinator_overview, name="overview"),
    path("overview/steps/<int:pk>/responsible/", views.choose_responsible, name="choose_responsible"),
    path("templates/", editor_views.template_list, name="templates"),
    path("templates/<int:pk>/", editor_views.template_detail, name="template_detail"),
    path("templates/<int:pk>/title/", editor_views.template_edit, name="template_edit"),
    path("templates/<int:pk>/new-version/", editor_views.template_new_version, name="template_new_version"),
    path("templates/<int:pk>/activate/", editor_views.template_activate, name="template_activate"),
    path("templates/<int:pk>/discard/", editor_views.template_discard, name="template_discard"),
    path("templates/<int:pk>/copy/", editor_views.template_copy, name="template_copy"),
    path("templates/<int:pk>/steps/new/", editor_views.step_add, name="step_add"),
    path("templates/<int:pk>/steps/<int:step>/", editor_views.step_edit, name="step_edit"),
    path("templates/<int:pk>/steps/<int:step>/remove/", editor_views.step_remove, name="step_remove"),
    path("templates/<int:pk>/steps/<int:step>/move/<str:direction>/", editor_views.step_move, name="step_move"),
]
