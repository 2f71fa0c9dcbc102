"""A child's placement, inside the case: /cases/<code>/placement/…"""

from django.urls import path

from placements import views

app_name = "placements"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("contact/", views.record_contact, name="contact"),
    path("absconded/", views.record_absconding, name="absconded"),
    path("renew/", views.renew, name="renew"),
    path("end/", views.end, name="end"),
    path("police/", views.notify_police, name="notify_police"),
    path("found/", views.found, name="found"),
]
