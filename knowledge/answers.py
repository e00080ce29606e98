"""Answer before ticket: while a customer writes on the web form or in the chat widget, published customer-facing
articles in their language are suggested; "This answered my question" on an article counts a deflection.

Each suggestion carries a signed token naming the article, the language, the customer's country and the channel.
A deflection is counted only with such a token, for the article it names, within SUGGESTION_MAX_AGE and once per
token: nobody can count deflections for an article that was never suggested, nor count one suggestion twice (and
both public endpoints are throttled per client address, knowledge.throttles).
"""

import hashlib
import secrets
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import strip_tags

from .search import article_search
from .selectors import public_article_list

SALT = "knowledge.answers"
SUGGESTIONS = 5
SUGGESTION_MAX_AGE = 2 * 60 * 60  # a customer reads the article while writing, not days later


@dataclass(frozen=True)
class Suggestion:
    article_id: int
    language: str
    country: str
    channel: str


def suggestion_token(*, article, language, country, channel):
    # The nonce tells apart two customers shown the same article in the same second (a token counts once).
    value = {"a": article.pk, "l": language, "c": country, "ch": channel, "n": secrets.token_hex(4)}
    return signing.dumps(value, salt=SALT, compress=True)


def suggestion_read(token, *, article):
    """The Suggestion TOKEN names, for ARTICLE; ValidationError when tampered, expired or for another article."""
    try:
        value = signing.loads(token or "", salt=SALT, max_age=SUGGESTION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        value = None
    if not isinstance(value, dict) or value.get("a") != article.pk:
        raise ValidationError({"s": "This suggestion has expired or is not valid."})
    return Suggestion(article_id=article.pk, language=value["l"], country=value["c"], channel=value["ch"])


def suggestion_claim(token):
    """True the first time TOKEN is used to count a deflection (within its lifetime), False after that."""
    key = "kb-answered:" + hashlib.sha256(token.encode()).hexdigest()
    return cache.add(key, 1, timeout=SUGGESTION_MAX_AGE)


def suggestions_for(q, *, language, country, channel, limit=SUGGESTIONS):
    """Published customer-facing articles in LANGUAGE sharing the most words with Q, best first, as the JSON the
    web form and the widget show: title, a plain-text excerpt, and the help-center address with the token."""
    hits = article_search(public_article_list(), q, locale=language, limit=limit, match_any=True)
    found = []
    for hit in hits:
        token = suggestion_token(article=hit.article, language=language, country=country, channel=channel)
        query = urlencode({"lang": hit.locale, "s": token})
        found.append(
            {
                "id": hit.article.pk,
                "title": hit.title,
                "excerpt": " ".join(unescape(strip_tags(hit.snippet)).split()),
                "url": f"{reverse('help-article', args=[hit.article.slug])}?{query}",
            }
        )
    return found
