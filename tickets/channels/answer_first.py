"""Answer before ticket, the tickets side: the articles a customer was shown while writing, recorded on the ticket
they sent anyway. The suggestions and the deflections ("this answered my question") are knowledge.answers."""

from knowledge.selectors import public_article_list

from ..events import event_record
from ..models import EventKind


def ticket_articles_shown(*, ticket, article_ids, at):
    """One timeline line on TICKET naming the articles of ARTICLE_IDS the customer was shown (published customer-facing
    ones only: anything else was never a suggestion). None when there is none."""
    articles = list(public_article_list().filter(pk__in=article_ids).prefetch_related(None).order_by("pk"))
    if not articles:
        return None
    return event_record(
        ticket=ticket,
        kind=EventKind.KB_LINK,
        at=at,
        summary="Shown to the customer before writing: " + "; ".join(a.title for a in articles),
        data={"link": "shown", "articles": [a.pk for a in articles], "slugs": [a.slug for a in articles]},
    )
