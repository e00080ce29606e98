"""Knowledge on tickets: articles suggested for a ticket, used in a reply or marked as the solution (links on the
timeline), how well each article works, and the in-shift reminders of acknowledgements.

It lives here, not in knowledge/, because it reads and writes tickets: knowledge sits below tickets.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from knowledge.models import PENDING, Acknowledgement, Audience
from knowledge.search import article_search
from knowledge.selectors import article_scope, article_text_for
from knowledge.services import acknowledgements_mark_reminded
from regions.selectors import team_list, team_on_shift

from .events import event_record
from .models import EventKind, Notification, TicketArticleLink, TicketEvent

SUGGESTIONS = 5
# An agent on shift is reminded of what they still have to acknowledge at most this often.
REMIND_EVERY = timezone.timedelta(hours=8)


def article_suggestions(ticket, user, limit=SUGGESTIONS):
    """Published articles USER may read that share the most words with the ticket's subject and first message."""
    first = ticket.events.filter(kind=EventKind.CUSTOMER_MESSAGE).order_by("created_at", "id").first()
    text = f"{ticket.subject} {first.body if first else ''}"
    return article_search(article_scope(user), text, limit=limit, match_any=True)


def article_public_url(article):
    return f"{settings.SITE_URL}{reverse('help-article', args=[article.slug])}"


def article_reply_text(article, *, ticket, mode):
    """What "insert" puts into the reply: a link to the public help page, or an excerpt in the ticket's language."""
    if mode == "link":
        if article.audience != Audience.CUSTOMER:
            raise ValidationError({"mode": "Only customer-facing articles have a page the customer can open."})
        return f"[{article.title}]({article_public_url(article)})"
    title, body, _, _ = article_text_for(article, [ticket.language])
    excerpt = body if len(body) <= 600 else body[:600].rsplit(" ", 1)[0] + " …"
    return f"**{title}**\n\n{excerpt}"


def ticket_article_link(*, ticket, article, kind, actor, at=None):
    """Record that ARTICLE was used on TICKET (in a reply, or as the solution), once per kind, on the timeline."""
    now = at or timezone.now()
    kind = TicketArticleLink.Kind(kind)
    with transaction.atomic():
        link, created = TicketArticleLink.objects.get_or_create(
            ticket=ticket, article=article, kind=kind, defaults={"actor": actor, "created_at": now}
        )
        if created:
            said = "Solved with article" if kind == TicketArticleLink.Kind.SOLVED else "Article used in the reply"
            event_record(
                ticket=ticket,
                kind=EventKind.KB_LINK,
                actor=actor,
                at=now,
                summary=f"{said}: {article.title}",
                data={"article": article.pk, "slug": article.slug, "link": kind.value},
            )
    return link


def ticket_article_links(ticket):
    return ticket.article_links.select_related("article__published_version", "article__latest_version")


def article_effectiveness(articles):
    """{article id: {"links", "solved", "reopened", "reopen_rate"}} for ARTICLES, in two queries.

    A ticket solved with an article counts as reopened when its status later left "solved" again.
    """
    ids = list(articles.values_list("pk", flat=True))
    reopened = TicketEvent.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        kind=EventKind.STATUS,
        data__from="solved",
        created_at__gt=OuterRef("created_at"),
    )
    solved = (
        TicketArticleLink.objects.filter(article_id__in=ids, kind=TicketArticleLink.Kind.SOLVED)
        .annotate(reopened=Exists(reopened))
        .values("article_id")
        .annotate(solved=Count("pk"), reopened=Count("pk", filter=Q(reopened=True)))
    )
    links = (
        TicketArticleLink.objects.filter(article_id__in=ids, kind=TicketArticleLink.Kind.LINKED)
        .values("article_id")
        .annotate(n=Count("pk"))
    )
    figures = {pk: {"links": 0, "solved": 0, "reopened": 0, "reopen_rate": None} for pk in ids}
    for row in links:
        figures[row["article_id"]]["links"] = row["n"]
    for row in solved:
        entry = figures[row["article_id"]]
        entry.update(solved=row["solved"], reopened=row["reopened"], reopen_rate=row["reopened"] / row["solved"])
    return figures


def acknowledgement_reminders_send(*, now, batch_size=500):
    """Remind every agent on shift NOW of the articles they still have to acknowledge, in-app, at most once every
    REMIND_EVERY. Safe to run twice and concurrently (the rows reminded are locked and skipped by the other).
    Returns how many agents were reminded."""
    on_shift = [team.pk for team in team_list() if team_on_shift(team, now)]
    reminded = 0
    with transaction.atomic():
        due = list(
            Acknowledgement.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(PENDING, user__agent__team_id__in=on_shift)
            .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY))
            .values_list("pk", "user_id")
            .order_by("user_id", "pk")[:batch_size]
        )
        by_user = {}
        for pk, user_id in due:
            by_user.setdefault(user_id, []).append(pk)
        url = reverse("knowledge-acknowledgements")
        Notification.objects.bulk_create(
            Notification(
                recipient_id=user_id,
                kind=Notification.Kind.KB_ACK,
                text=f"{len(ids)} article{'s' if len(ids) != 1 else ''} to read and acknowledge",
                url=url,
                created_at=now,
                deliver_at=now,
            )
            for user_id, ids in by_user.items()
        )
        acknowledgements_mark_reminded(ids=[pk for pk, _ in due], at=now)
        reminded = len(by_user)
    return reminded
