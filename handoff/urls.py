from django.urls import path

from . import views

urlpatterns = [
    path("handoff/", views.dashboard, name="handoff-dashboard"),
]
