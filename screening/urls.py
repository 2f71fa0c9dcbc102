from django.urls import path

from screening import views

app_name = "screening"
urlpatterns = [
    path("", views.screening_list, name="list"),
    path("new/", views.screening_start, name="start"),
    path("<int:pk>/", views.screening_detail, name="detail"),
    path("<int:pk>/step/<str:step>/", views.screening_step, name="step"),
    path("<int:pk>/delete/", views.screening_delete, name="delete"),
    path("<int:pk>/review/", views.screening_review, name="review"),
    path("<int:pk>/make-case/", views.screening_make_case, name="make_case"),
    path("notifications/<int:pk>/done/", views.notification_done, name="notification_done"),
]
