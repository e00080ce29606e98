"""Article text in templates: Markdown rendered to sanitised HTML (no scripts, handlers or javascript: links)."""

import nh3
from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
TAGS = {"p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3", "h4", "hr"}
TAGS |= {"table", "thead", "tbody", "tr", "th", "td"}


@register.filter
def article_markdown(text):
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised just above


@register.inclusion_tag("knowledge/_status_badge.html")
def article_status(article):
    return {"article": article}
