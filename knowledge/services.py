"""Every write to the knowledge base: pages, API, admin and the demo call these.

Each opens its own transaction and locks the article row; publishing, archiving and acknowledging are recorded in
the audit log in the same transaction.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from compliance.audit import audit_record
from compliance.models import AuditAction
from regions.models import Agent, Tier, validate_country

from .answers import suggestion_claim, suggestion_read
from .models import (
    PENDING,
    Acknowledgement,
    Article,
    ArticleVersion,
    Audience,
    Deflection,
    DeflectionChannel,
    SearchMiss,
    Status,
    Translation,
)
from .search import index_article, index_translation
from .selectors import editable_team_ids


def _check_edit(actor, article=None, team=None):
    team_id = article.owner_team_id if article is not None else team.pk
    if team_id not in editable_team_ids(actor):
        raise PermissionDenied("Only the owning team's leads and in-house agents, and admins, edit this article.")


def _check_text(title, body, change_note):
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Give the article a title."
    if not (body or "").strip():
        errors["body"] = "Write the article's text."
    if not (change_note or "").strip():
        errors["change_note"] = "Say what changed and why, in a line."
    if errors:
        raise ValidationError(errors)


def _check_tiers(tiers):
    tiers = sorted(set(tiers or []))
    if any(t not in Tier.values for t in tiers):
        raise ValidationError({"required_tiers": "Choose among tiers 1, 2 and 3."})
    return tiers


def _audit(article, actor, summary, **details):
    audit_record(
        action=AuditAction.POLICY_CHANGE,
        actor=actor,
        summary=f"Article “{article.slug}”: {summary}",
        object_type="knowledge.article",
        object_id=article.pk,
        details={"article": article.slug, **details},
    )


def _unique_slug(title):
    base = slugify(title)[:100] or "article"
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _new_version(article, *, title, body, change_note, actor, now):
    number = (article.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return ArticleVersion.objects.create(
        article=article,
        number=number,
        title=title.strip(),
        body=body.strip(),
        change_note=change_note.strip(),
        author=actor,
        created_at=now,
    )


def article_create(
    *,
    owner_team,
    category,
    title,
    body,
    actor,
    change_note="First version",
    audience="internal",
    tiers=(),
    language="en",
    at=None,
):
    """A new article in draft, with its first version."""
    now = at or timezone.now()
    _check_edit(actor, team=owner_team)
    _check_text(title, body, change_note)
    tiers = _check_tiers(tiers)
    with transaction.atomic():
        article = Article.objects.create(
            slug=_unique_slug(title),
            owner_team=owner_team,
            category=category,
            audience=audience,
            required_tiers=tiers,
            language=language,
            created_at=now,
            updated_at=now,
        )
        article.latest_version = _new_version(
            article, title=title, body=body, change_note=change_note, actor=actor, now=now
        )
        article.save(update_fields=["latest_version"])
    return article


def _lock(article):
    return Article.objects.select_for_update().get(pk=article.pk)


def article_edit(*, article, title, body, change_note, actor, category=None, audience=None, tiers=None, at=None):
    """Save an edit as a new immutable version. A published article publishes the new version at once: its
    translations become outdated and the required tiers must acknowledge it again."""
    now = at or timezone.now()
    _check_edit(actor, article)
    _check_text(title, body, change_note)
    with transaction.atomic():
        article = _lock(article)
        if article.status == Status.ARCHIVED:
            raise ValidationError({"status": "Restore the archived article as a draft before editing it."})
        for name, value in (("category", category), ("audience", audience)):
            if value is not None:
                setattr(article, name, value)
        if tiers is not None:
            article.required_tiers = _check_tiers(tiers)
        article.latest_version = _new_version(
            article, title=title, body=body, change_note=change_note, actor=actor, now=now
        )
        article.updated_at = now
        article.save(update_fields=["category", "audience", "required_tiers", "latest_version", "updated_at"])
        if article.status == Status.PUBLISHED:
            _publish(article, actor, now)
    return article


def _publish(article, actor, now):
    version = article.latest_version
    article.published_version, article.status, article.updated_at = version, Status.PUBLISHED, now
    article.save(update_fields=["published_version", "status", "updated_at"])
    index_article(article)
    agents = Agent.objects.filter(tier__in=article.required_tiers).values_list("user_id", flat=True)
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(version=version, user_id=user_id, created_at=now) for user_id in agents],
        ignore_conflicts=True,
    )
    outdated = article.translations.exclude(source_version=version).count()
    _audit(
        article,
        actor,
        f"version {version.number} published ({version.change_note})",
        version=version.number,
        to=Status.PUBLISHED,
        acknowledgements_required=len(agents),
        translations_outdated=outdated,
    )


def article_transition(*, article, to, actor, at=None):
    """Move the article along its workflow (draft -> in review -> published -> archived); audited."""
    now = at or timezone.now()
    to = Status(to)
    _check_edit(actor, article)
    with transaction.atomic():
        article = _lock(article)
        if article.status == to:
            return article
        if not article.can_move_to(to):
            raise ValidationError(
                {"status": f"A {article.get_status_display().lower()} article cannot become {to.label.lower()}."}
            )
        if to == Status.PUBLISHED:
            _publish(article, actor, now)
            return article
        before = article.get_status_display().lower()
        article.status, article.updated_at = to, now
        article.save(update_fields=["status", "updated_at"])
        _audit(article, actor, f"{before} → {to.label.lower()}", to=to.value)
    return article


def translation_save(*, article, locale, title, body, actor, at=None):
    """Write (or bring up to date) the LOCALE translation of the published version."""
    now = at or timezone.now()
    _check_edit(actor, article)
    locale = (locale or "").strip().lower()
    errors = {}
    if not (2 <= len(locale) <= 8 and locale.replace("-", "").isalpha()):
        errors["locale"] = "Give an ISO 639-1 language code, e.g. es."
    elif locale == article.language:
        errors["locale"] = "This is the article's own language; edit the article instead."
    if not (title or "").strip():
        errors["title"] = "Give the translation a title."
    if not (body or "").strip():
        errors["body"] = "Write the translated text."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        article = _lock(article)
        if article.published_version_id is None:
            raise ValidationError({"locale": "Publish the article before translating it."})
        translation, _ = Translation.objects.update_or_create(
            article=article,
            locale=locale,
            defaults={
                "title": title.strip(),
                "body": body.strip(),
                "source_version_id": article.published_version_id,
                "translator": actor,
                "updated_at": now,
            },
        )
        index_translation(translation)
    return translation


def acknowledgement_confirm(*, article, actor, at=None):
    """ACTOR has read the version of ARTICLE published now; audited. Nothing pending: a ValidationError."""
    now = at or timezone.now()
    with transaction.atomic():
        ack = (
            Acknowledgement.objects.select_for_update(of=("self",))
            .filter(PENDING, user=actor, version__article=article)
            .select_related("version")
            .first()
        )
        if ack is None:
            raise ValidationError("You have nothing to acknowledge on this article.")
        ack.acknowledged_at = now
        ack.save(update_fields=["acknowledged_at"])
        _audit(article, actor, f"version {ack.version.number} acknowledged", version=ack.version.number)
    return ack


def acknowledgements_mark_reminded(*, ids, at):
    return Acknowledgement.objects.filter(pk__in=ids).update(reminded_at=at)


def article_view_record(*, article):
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def search_miss_record(*, query, locale="", user=None, at=None):
    """A search that found nothing, for the content-gaps list (the query lower-cased and trimmed)."""
    query = " ".join((query or "").lower().split())[: SearchMiss._meta.get_field("query").max_length]
    if query:
        SearchMiss.objects.create(
            query=query,
            locale=locale or "",
            user=user if user and user.is_authenticated else None,
            at=at or timezone.now(),
        )


def deflection_record(*, article, language, country, channel, at=None):
    """A customer marked ARTICLE as the answer to what they were about to ask: counted for the article and the
    market (COUNTRY, blank when unknown, and LANGUAGE). Only a published customer-facing article can deflect."""
    if article.status != Status.PUBLISHED or article.audience != Audience.CUSTOMER:
        raise ValidationError({"article": "Only a published customer-facing article can answer a customer."})
    errors = {}
    language = (language or "").strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", language):
        errors["language"] = "Give the language as an ISO 639-1 code, e.g. es."
    country = (country or "").strip().upper()
    if country:
        try:
            validate_country(country)
        except ValidationError:
            errors["country"] = "Give the country as two letters, e.g. MX."
    if channel not in DeflectionChannel.values:
        errors["channel"] = f"Choose one of: {', '.join(DeflectionChannel.values)}."
    if errors:
        raise ValidationError(errors)
    return Deflection.objects.create(
        article=article, language=language, country=country, channel=channel, at=at or timezone.now()
    )


def deflection_from_suggestion(*, token, article, at=None):
    """The customer says ARTICLE, suggested with TOKEN (knowledge.answers), answered their question: the deflection,
    or None when this suggestion was already counted. ValidationError when the token was not issued for ARTICLE."""
    suggestion = suggestion_read(token, article=article)
    if not suggestion_claim(token):
        return None
    return deflection_record(
        article=article,
        language=suggestion.language,
        country=suggestion.country,
        channel=suggestion.channel,
        at=at,
    )
