"""Small display helpers of the workspace templates: Markdown bodies and relative times."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tickets.collaboration import MENTION_PATTERN
from tickets.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text)


def _span(seconds):
    minutes = round(abs(seconds) / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def relative(at, now):
    """'in 42 min' or '10 min ago'."""
    if at is None or now is None:
        return ""
    seconds = (at - now).total_seconds()
    if abs(seconds) < 60:
        return "in under a minute" if seconds > 0 else "just now"
    return f"in {_span(seconds)}" if seconds > 0 else f"{_span(seconds)} ago"


@register.filter
def sla_countdown(due, now):
    """'in 42 min' or 'breached 10 min ago'."""
    if due is None or now is None:
        return ""
    seconds = (due - now).total_seconds()
    if abs(seconds) < 60:
        return "in under a minute" if seconds > 0 else "breached just now"
    return f"in {_span(seconds)}" if seconds > 0 else f"breached {_span(seconds)} ago"


@register.filter
def is_past(at, now):
    return at is not None and now is not None and at <= now


@register.filter
def words(value):
    """'first_response' -> 'first response'."""
    return str(value or "").replace("_", " ")


@register.filter
def person(user, fallback="Meridian"):
    """A user's full name, else username; FALLBACK when there is no user (a system action)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.username


@register.filter
def queue_count(count):
    """A queue count as shown: counts stop just past the cap (see tickets.selectors.QUEUE_COUNT_CAP)."""
    from tickets.selectors import QUEUE_COUNT_CAP

    return f"{QUEUE_COUNT_CAP:,}+" if count > QUEUE_COUNT_CAP else f"{count:,}"


_TAG = re.compile(r"(<[^>]+>)")


@register.filter
def mentions(html, handles):
    """Rendered note HTML with each @handle of HANDLES (the mentions stored with the note) marked, in text only."""
    if not handles:
        return html
    known = {h.lower() for h in handles}

    def mark(match):
        handle = match.group(1)
        if handle.lower() not in known:
            return match.group(0)
        return f'<mark class="mention">@{escape(handle)}</mark>'

    parts = _TAG.split(str(html))
    marked = [part if part.startswith("<") else MENTION_PATTERN.sub(mark, part) for part in parts]
    return mark_safe("".join(marked))  # noqa: S308 - sanitised HTML, only escaped handles added
