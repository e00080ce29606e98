from django.urls import path

from . import views

urlpatterns = [
    path("support/new/", views.web_form, name="web-form"),
    path("support/new/sent/", views.web_form_sent, name="web-form-sent"),
    path("support/t/<str:token>/", views.ticket_link, name="ticket-link"),
    path("support/t/<str:token>/reply/", views.ticket_link_reply, name="ticket-link-reply"),
    path("support/t/<str:token>/close/", views.ticket_link_close, name="ticket-link-close"),
    path("support/chat/", views.chat_page, name="chat-page"),
    path("chat/widget.js", views.chat_widget_script, name="chat-widget"),
    path("chat/start/", views.chat_start_view, name="chat-start"),
    path("chat/<str:token>/messages/", views.chat_conversation, name="chat-messages"),
    path("inbound/email/", views.inbound_email, name="inbound-email"),
    path("tickets/<int:pk>/call/", views.ticket_call, name="ticket-call"),
]
