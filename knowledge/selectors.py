"""Reads shared by pages, API and tasks. Every article read starts from article_scope(user)."""

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404

from compliance.models import Role
from regions.models import Proficiency, Team, Vendor
from regions.selectors import agent_for, led_team_ids

from .models import (
    PENDING,
    Acknowledgement,
    Article,
    Audience,
    Category,
    Deflection,
    SearchMiss,
    Status,
    Translation,
)


def editable_team_ids(user):
    """Teams whose articles USER may edit: all for admins; the teams they lead; their own team unless it is a
    vendor's (vendor agents read, they do not write the company's knowledge)."""
    if not user.is_authenticated:
        return set()
    if user.role == Role.ADMIN:
        return set(Team.objects.values_list("pk", flat=True))
    ids = set(led_team_ids(user))
    agent = agent_for(user)
    if agent is not None and agent.team.vendor.kind != Vendor.Kind.BPO:
        ids.add(agent.team_id)
    return ids


def can_edit(user, article):
    return article.owner_team_id in editable_team_ids(user)


def _reads_knowledge(user):
    return user.is_authenticated and (user.has_perm("helpdesk.use_app") or user.has_perm("helpdesk.use_api"))


def article_scope(user):
    """Articles USER may see, as one filter: published ones for every member of staff, every state for owners and
    admins. Anyone else sees nothing (a 404, never a hint)."""
    articles = Article.objects.all()
    if not _reads_knowledge(user):
        return articles.none()
    if user.role == Role.ADMIN:
        return articles
    return articles.filter(Q(status=Status.PUBLISHED) | Q(owner_team_id__in=editable_team_ids(user)))


def article_list(user, *, category=None, audience=None, status=None):
    articles = article_scope(user).select_related("category", "owner_team", "published_version", "latest_version")
    if category:
        articles = articles.filter(category__slug=category)
    if audience:
        articles = articles.filter(audience=audience)
    if status:
        articles = articles.filter(status=status)
    return articles


def article_get_for(user, pk):
    """The article PK if USER may see it, else 404."""
    return get_object_or_404(
        article_list(user).select_related("owner_team__vendor", "owner_team__region", "category"), pk=pk
    )


def article_public_get(slug):
    """A published customer-facing article by slug (anyone, signed in or not), else 404."""
    return get_object_or_404(
        Article.objects.select_related("published_version", "category"),
        slug=slug,
        status=Status.PUBLISHED,
        audience=Audience.CUSTOMER,
    )


def public_article_list():
    return (
        Article.objects.filter(status=Status.PUBLISHED, audience=Audience.CUSTOMER)
        .select_related("published_version", "category")
        .prefetch_related("translations")
    )


def drafts_for(user):
    """Unpublished articles of the teams USER edits: drafts, reviews and archived ones."""
    return (
        Article.objects.filter(owner_team_id__in=editable_team_ids(user))
        .exclude(status=Status.PUBLISHED)
        .select_related("latest_version", "owner_team")
        .order_by("status", "-updated_at")
    )


def version_list(article):
    return article.versions.select_related("author").order_by("-number")


def translation_list(article):
    return article.translations.select_related("source_version", "article").order_by("locale")


def category_list():
    return Category.objects.all()


def locale_list():
    """Every language the knowledge base has text in."""
    sources = Article.objects.order_by().values_list("language", flat=True)
    return sorted(set(sources.union(Translation.objects.order_by().values_list("locale", flat=True))))


_RANK = {level: i for i, level in enumerate(reversed(Proficiency))}  # native first, then C2 ... A1


def reader_languages(user):
    """The viewer's languages, best first (native first), from their agent profile; empty if they have none."""
    agent = agent_for(user)
    if agent is None:
        return []
    return [lang.language for lang in sorted(agent.languages.all(), key=lambda a: _RANK.get(a.proficiency, 9))]


def article_text_for(article, languages):
    """(title, body, locale, translation or None) of the published version in the first of LANGUAGES the article
    has, else in its source language; a translation may be outdated (the caller says so)."""
    version = article.published_version or article.latest_version
    translations = {t.locale: t for t in article.translations.all()}  # prefetched by list callers
    for language in languages:
        if language == article.language:
            break
        if language in translations:
            t = translations[language]
            return t.title, t.body, t.locale, t
    return version.title, version.body, article.language, None


# Acknowledgements


def acknowledgements_pending(user):
    return (
        Acknowledgement.objects.filter(PENDING, user=user)
        .select_related("version__article__category")
        .order_by("created_at", "id")
    )


def acknowledgements_done(user, limit=20):
    return (
        Acknowledgement.objects.filter(user=user, acknowledged_at__isnull=False)
        .select_related("version__article")
        .order_by("-acknowledged_at")[:limit]
    )


def acknowledgement_teams(user):
    """Teams whose acknowledgements USER may follow: every team for admins, the teams they lead for leads."""
    if user.role == Role.ADMIN:
        return Team.objects.select_related("vendor", "region")
    return Team.objects.filter(leads=user).select_related("vendor", "region")


def acknowledgement_status(user):
    """Per published article required for a tier: for each team USER follows, how many of its agents acknowledged
    the version published now and who has not, and the same counts per vendor. In a fixed number of queries:
    [{"article", "teams": [{"team", "acknowledged", "total", "pending": [names]}], "vendors": [{"vendor", ...}]}]"""
    teams = {t.pk: t for t in acknowledgement_teams(user).order_by("vendor__name", "tier", "code")}
    acks = Acknowledgement.objects.filter(
        version_id__in=Article.objects.filter(status=Status.PUBLISHED).values("published_version_id"),
        user__agent__team_id__in=teams,
    ).select_related("user__agent", "version")
    counts = {}
    for ack in acks.order_by("user__first_name", "user__username"):
        row = counts.setdefault(ack.version.article_id, {}).setdefault(
            ack.user.agent.team_id, {"acknowledged": 0, "total": 0, "pending": []}
        )
        row["total"] += 1
        if ack.acknowledged_at:
            row["acknowledged"] += 1
        else:
            row["pending"].append(ack.user.get_full_name() or ack.user.username)
    status = []
    for article in Article.objects.filter(pk__in=counts).select_related("published_version").order_by("slug"):
        rows = [{"team": team, **counts[article.pk][pk]} for pk, team in teams.items() if pk in counts[article.pk]]
        vendors = {}
        for row in rows:
            vendor = vendors.setdefault(
                row["team"].vendor_id, {"vendor": row["team"].vendor, "acknowledged": 0, "total": 0}
            )
            vendor["acknowledged"] += row["acknowledged"]
            vendor["total"] += row["total"]
        status.append({"article": article, "teams": rows, "vendors": list(vendors.values())})
    return status


# Content gaps


def content_gaps(limit=50):
    """Searches that found nothing, most asked first."""
    return (
        SearchMiss.objects.values("query", "locale")
        .annotate(times=Count("id"), last_at=Max("at"))
        .order_by("-times", "-last_at")[:limit]
    )


# Deflections (answer before ticket, knowledge.answers)


def deflection_counts(articles):
    """{article id: deflections} for ARTICLES (a queryset), in one query."""
    rows = Deflection.objects.filter(article__in=articles).values("article_id").annotate(n=Count("id")).order_by()
    return {row["article_id"]: row["n"] for row in rows}


def deflections_by_market(articles, limit=100):
    """Deflections of ARTICLES per article and market (country and language), most first:
    [{"article_id", "title", "country", "language", "times", "last_at"}]."""
    return (
        Deflection.objects.filter(article__in=articles)
        .values("article_id", "country", "language")
        .annotate(times=Count("id"), last_at=Max("at"), title=Max("article__published_version__title"))
        .order_by("-times", "-last_at", "article_id")[:limit]
    )
