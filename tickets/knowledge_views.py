"""Knowledge on the ticket page (suggestions, search, insert into the reply, solved with) and the effectiveness page.

Thin views over tickets.knowledge; the ticket comes from ticket_get_for and the article from article_get_for, so
either outside the viewer's scope is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from compliance.access import workspace_view
from compliance.models import Role
from knowledge.models import Status
from knowledge.search import article_search
from knowledge.selectors import (
    article_get_for,
    article_list,
    article_scope,
    content_gaps,
    deflection_counts,
    deflections_by_market,
)
from knowledge.services import search_miss_record

from . import selectors
from .forms import ReplyForm
from .knowledge import (
    article_effectiveness,
    article_reply_text,
    article_suggestions,
    ticket_article_link,
    ticket_article_links,
)
from .models import TicketArticleLink


def _panel_context(request, ticket):
    q = request.GET.get("kb-q", "").strip()[:200]
    if q:
        hits = article_search(article_scope(request.user), q)
        if not hits:
            search_miss_record(query=q, user=request.user)
    else:
        hits = article_suggestions(ticket, request.user)
    return {"ticket": ticket, "kb_q": q, "kb_hits": hits, "kb_links": ticket_article_links(ticket)}


@workspace_view
@require_GET
def ticket_articles(request, pk):
    """The knowledge panel's results: suggestions for the ticket, or a search (htmx fragment)."""
    ticket = selectors.ticket_get_for(request.user, pk)
    return render(request, "tickets/_articles_results.html", _panel_context(request, ticket))


def _published(request, pk):
    article = article_get_for(request.user, pk)
    if article.status != Status.PUBLISHED:
        raise Http404
    return article


@workspace_view
@require_POST
def ticket_article_insert(request, pk, article_pk):
    """Put a link to the article (or an excerpt) into the composer, keeping what was written, and record the use."""
    ticket = selectors.ticket_get_for(request.user, pk)
    article = _published(request, article_pk)
    mode = "link" if request.POST.get("mode") == "link" else "excerpt"
    body = request.POST.get("reply-body", "")
    try:
        text = article_reply_text(article, ticket=ticket, mode=mode)
    except ValidationError:
        raise Http404 from None
    ticket_article_link(ticket=ticket, article=article, kind=TicketArticleLink.Kind.LINKED, actor=request.user)
    body = f"{body.rstrip()}\n\n{text}" if body.strip() else text
    return render(
        request, "tickets/_composer_body.html", {"reply_form": ReplyForm(initial={"body": body}, prefix="reply")}
    )


@workspace_view
@require_POST
def ticket_article_solved(request, pk, article_pk):
    ticket = selectors.ticket_get_for(request.user, pk)
    article = _published(request, article_pk)
    ticket_article_link(ticket=ticket, article=article, kind=TicketArticleLink.Kind.SOLVED, actor=request.user)
    messages.success(request, f"Marked as solved with “{article.title}”.")
    return redirect("ticket", pk=ticket.pk)


@workspace_view
@require_GET
def knowledge_effectiveness(request):
    """Per article: views, uses in replies, tickets solved with it and how many of those reopened, deflections
    (in all and per market); content gaps."""
    if request.user.role not in (Role.LEAD, Role.ADMIN):
        raise PermissionDenied
    articles = article_list(request.user).exclude(published_version=None).order_by("-view_count", "slug")
    figures = article_effectiveness(articles)
    deflected = deflection_counts(articles)
    rows = [(a, figures[a.pk], deflected.get(a.pk, 0)) for a in articles]
    return render(
        request,
        "tickets/articles_effectiveness.html",
        {
            "rows": rows,
            "gaps": content_gaps(),
            "deflections": deflections_by_market(articles),
            "section": "effectiveness",
        },
    )
