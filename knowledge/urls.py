from django.urls import path

from . import views

urlpatterns = [
    path("knowledge/", views.knowledge_home, name="knowledge"),
    path("knowledge/articles/new/", views.article_new, name="knowledge-article-new"),
    path("knowledge/articles/<int:pk>/", views.article_detail, name="knowledge-article"),
    path("knowledge/articles/<int:pk>/edit/", views.article_edit, name="knowledge-article-edit"),
    path("knowledge/articles/<int:pk>/workflow/", views.article_transition, name="knowledge-article-workflow"),
    path("knowledge/articles/<int:pk>/diff/", views.article_diff, name="knowledge-article-diff"),
    path("knowledge/articles/<int:pk>/translation/", views.translation_edit, name="knowledge-translation"),
    path("knowledge/articles/<int:pk>/acknowledge/", views.article_acknowledge, name="knowledge-acknowledge"),
    path("knowledge/acknowledgements/", views.my_acknowledgements, name="knowledge-acknowledgements"),
    path("knowledge/acknowledgements/status/", views.acknowledgement_status, name="knowledge-ack-status"),
    path("help/", views.help_index, name="help"),
    path("help/suggest/", views.help_suggest, name="help-suggest"),
    path("help/answered/", views.help_answered_thanks, name="help-answered"),
    path("help/<slug:slug>/", views.help_article, name="help-article"),
    path("help/<slug:slug>/answered/", views.help_answered, name="help-article-answered"),
]
