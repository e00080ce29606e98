"""Demo links between solved tickets and the articles that match them, so the effectiveness page has figures."""

from knowledge.models import Article
from knowledge.search import article_search

from .knowledge import ticket_article_link
from .models import Status, Ticket, TicketArticleLink

LINKED_TICKETS = 60


def seed_article_links():
    """The best-matching article of each of the first solved or closed tickets: used in the reply, and every other
    one also marked as the solution. Deterministic for a given set of tickets; returns a summary line."""
    tickets = (
        Ticket.objects.filter(status__in=[Status.SOLVED, Status.CLOSED], assignee__isnull=False)
        .select_related("assignee")
        .order_by("id")[:LINKED_TICKETS]
    )
    articles = Article.objects.all()
    for n, ticket in enumerate(tickets):
        hits = article_search(articles, ticket.subject, limit=1, match_any=True)
        if not hits:
            continue
        # At the last thing that happened, so the timeline stays in order.
        at = ticket.events.order_by("-created_at").values_list("created_at", flat=True).first()
        kinds = [TicketArticleLink.Kind.LINKED] + ([TicketArticleLink.Kind.SOLVED] if n % 2 == 0 else [])
        for kind in kinds:
            ticket_article_link(ticket=ticket, article=hits[0].article, kind=kind, actor=ticket.assignee, at=at)
    links = TicketArticleLink.objects.count()
    return f"Knowledge on tickets: {links} article links"
