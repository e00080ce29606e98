"""Article search: PostgreSQL full-text search with ranking and highlighted snippets; icontains on SQLite.

Each published text (an article's source and each translation) carries a stored tsvector, written by the services
on publish and on translation, built with the text-search configuration of its language (english, spanish,
german, simple...). The query is parsed with that same configuration row by row, so "refunds" finds "refund" in
English and "reembolsos" finds "reembolso" in Spanish. Snippets come back with marker characters around the
matches, which become <mark> only after the text is escaped.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import SEARCH_CONFIGS, Article, Status, Translation, search_config_for

START, STOP = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]{3,}")
_MARKUP = re.compile(r"[*`#]+")
SNIPPET_CHARS = 220


@dataclass
class Hit:
    article: Article
    locale: str
    title: str
    snippet: str  # safe HTML: escaped text with <mark> around the matches
    rank: float
    translation: Translation | None = None


def on_postgres():
    return connection.vendor == "postgresql"


def _vector(title, body, language):
    config = search_config_for(language)
    return SearchVector(Value(title), weight="A", config=config) + SearchVector(Value(body), weight="B", config=config)


def index_article(article):
    """Store the search vector of ARTICLE's published text (PostgreSQL only; SQLite searches the text itself)."""
    version = article.published_version
    if on_postgres() and version is not None:
        vector = _vector(version.title, version.body, article.language)
        Article.objects.filter(pk=article.pk).update(search_vector=vector)


def index_translation(translation):
    if on_postgres():
        vector = _vector(translation.title, translation.body, translation.locale)
        Translation.objects.filter(pk=translation.pk).update(search_vector=vector)


def marked(text):
    """TEXT without Markdown emphasis and heading marks, escaped, with the marker characters turned into <mark>."""
    text = _MARKUP.sub("", text)
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped


def words(q):
    return list(dict.fromkeys(w.lower() for w in _WORD.findall(q)))[:12]


def _config(field):
    """The row's text-search configuration, from its language column."""
    whens = [When(**{field: code}, then=Value(config)) for code, config in SEARCH_CONFIGS.items()]
    return Case(*whens, default=Value("simple"), output_field=CharField())


def _pg_hits(rows, q, *, field, title, body, limit, match_any):
    config = _config(field)
    if match_any:  # a ticket's text: any of its words, the best overlap ranked first
        query = SearchQuery(" | ".join(words(q)), config=config, search_type="raw")
    else:
        query = SearchQuery(q, config=config, search_type="websearch")
    found = (
        rows.filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                body, query, config=config, start_sel=START, stop_sel=STOP, max_words=35, min_words=15
            ),
            shown_title=F(title),
        )
        .order_by("-rank", "pk")[:limit]
    )
    return [(row, row.shown_title, marked(row.snippet), row.rank) for row in found]


def _snippet(text, terms):
    """Around the first match of any of TERMS, with every match marked (the SQLite path)."""
    lower = text.lower()
    first = min((i for i in (lower.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, first - 60)
    piece = text[start : start + SNIPPET_CHARS]
    for term in sorted(terms, key=len, reverse=True):
        piece = re.sub(f"({re.escape(term)})", f"{START}\\1{STOP}", piece, flags=re.IGNORECASE)
    return marked(("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else ""))


def _plain_hits(rows, q, *, title, body, limit, match_any):
    terms = words(q) or [q.lower()]
    match = Q()
    for term in terms:
        one = Q(**{f"{title}__icontains": term}) | Q(**{f"{body}__icontains": term})
        match = (match | one) if match_any else (match & one)
    hits = []
    for row in rows.filter(match).annotate(shown_title=F(title), text=F(body))[: limit * 5]:
        lower = f"{row.shown_title} {row.text}".lower()
        rank = sum(lower.count(t) + 2 * row.shown_title.lower().count(t) for t in terms)
        hits.append((row, row.shown_title, _snippet(row.text, terms), float(rank)))
    return sorted(hits, key=lambda h: -h[3])[:limit]


def article_search(articles, q, *, locale=None, limit=20, match_any=False):
    """Published texts of ARTICLES (already scoped and filtered) matching Q, best first: the sources and the
    translations, optionally only in LOCALE. MATCH_ANY: any word counts (suggestions for a ticket)."""
    q = (q or "").strip()
    if not q or (match_any and not words(q)):
        return []
    published = articles.filter(status=Status.PUBLISHED)
    sources = published.select_related("published_version", "category")
    translations = Translation.objects.filter(article__in=published).select_related("article__category")
    if locale:
        sources, translations = sources.filter(language=locale), translations.filter(locale=locale)
    search = _pg_hits if on_postgres() else _plain_hits
    extra = {"field": "language"} if on_postgres() else {}
    found = [
        Hit(article=row, locale=row.language, title=t, snippet=s, rank=r)
        for row, t, s, r in search(
            sources,
            q,
            title="published_version__title",
            body="published_version__body",
            limit=limit,
            match_any=match_any,
            **extra,
        )
    ]
    extra = {"field": "locale"} if on_postgres() else {}
    found += [
        Hit(article=row.article, locale=row.locale, title=t, snippet=s, rank=r, translation=row)
        for row, t, s, r in search(
            translations, q, title="title", body="body", limit=limit, match_any=match_any, **extra
        )
    ]
    return sorted(found, key=lambda h: (-h.rank, h.article.pk, h.locale))[:limit]
