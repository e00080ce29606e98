from django.urls import path

from . import knowledge_views, views

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/rows/", views.queue_rows, name="queue-rows"),
    path("queue/bulk/", views.queue_bulk, name="queue-bulk"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/live/", views.ticket_live, name="ticket-live"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:pk>/next-action/", views.ticket_next_action, name="ticket-next-action"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="ticket-status"),
    path("tickets/<int:pk>/priority/", views.ticket_priority, name="ticket-priority"),
    path("tickets/<int:pk>/assignee/", views.ticket_assignee, name="ticket-assignee"),
    path("tickets/<int:pk>/tags/", views.ticket_tags, name="ticket-tags"),
    path("tickets/<int:pk>/escalation/", views.ticket_escalation, name="ticket-escalation"),
    path("tickets/<int:pk>/presence/", views.ticket_presence, name="ticket-presence"),
    path("tickets/<int:pk>/macro/", views.ticket_macro, name="ticket-macro"),
    path("tickets/<int:pk>/mentions/", views.ticket_mention_suggestions, name="ticket-mention-suggestions"),
    path(
        "tickets/<int:pk>/side-conversations/new/",
        views.ticket_side_conversation_new,
        name="ticket-side-conversation-new",
    ),
    path(
        "tickets/<int:pk>/side-conversations/<int:conversation_pk>/reply/",
        views.ticket_side_conversation_reply,
        name="ticket-side-conversation-reply",
    ),
    path(
        "tickets/<int:pk>/side-conversations/<int:conversation_pk>/close/",
        views.ticket_side_conversation_close,
        name="ticket-side-conversation-close",
    ),
    path("side-conversations/", views.side_conversations, name="side-conversations"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("pii/reveal/", views.pii_reveal, name="pii-reveal"),
    path("tickets/<int:pk>/articles/", knowledge_views.ticket_articles, name="ticket-articles"),
    path(
        "tickets/<int:pk>/articles/<int:article_pk>/insert/",
        knowledge_views.ticket_article_insert,
        name="ticket-article-insert",
    ),
    path(
        "tickets/<int:pk>/articles/<int:article_pk>/solved/",
        knowledge_views.ticket_article_solved,
        name="ticket-article-solved",
    ),
    path("knowledge/effectiveness/", knowledge_views.knowledge_effectiveness, name="knowledge-effectiveness"),
]
