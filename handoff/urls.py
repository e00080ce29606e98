from django.urls import path

from . import views

urlpatterns = [
    path("handoff/", views.dashboard, name="handoff-dashboard"),
    path("handoff/briefings/<int:pk>/", views.briefing, name="briefing"),
    path("handoff/briefings/<int:pk>/acknowledge/", views.briefing_ack, name="briefing-ack"),
]
