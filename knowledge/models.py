from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from regions.models import Team


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# The one place workflow moves are allowed or refused: (from, to) -> the verb the buttons say.
TRANSITIONS = {
    (Status.DRAFT, Status.IN_REVIEW): "Submit for review",
    (Status.DRAFT, Status.PUBLISHED): "Publish",
    (Status.IN_REVIEW, Status.PUBLISHED): "Publish",
    (Status.IN_REVIEW, Status.DRAFT): "Back to draft",
    (Status.PUBLISHED, Status.ARCHIVED): "Archive",
    (Status.ARCHIVED, Status.DRAFT): "Restore as draft",
}


class Audience(models.TextChoices):
    INTERNAL = "internal", "Internal"
    CUSTOMER = "customer", "Customer-facing"


# Text-search configuration per ISO 639-1 language; any other language is indexed word by word ("simple").
SEARCH_CONFIGS = {
    "en": "english",
    "es": "spanish",
    "de": "german",
    "fr": "french",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
    "pl": "simple",
}


def search_config_for(language):
    return SEARCH_CONFIGS.get((language or "")[:2].lower(), "simple")


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Article(models.Model):
    """One piece of knowledge, owned by a team; its text lives in immutable versions."""

    slug = models.SlugField(max_length=120, unique=True)
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="articles")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    required_tiers = models.JSONField(
        default=list, blank=True, help_text="Tiers whose agents must acknowledge each published version, e.g. [1, 2]"
    )
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code of the source text")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # SET_NULL only so that deleting an article (with its versions) goes through; versions are never deleted alone.
    latest_version = models.ForeignKey(
        "ArticleVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_version = models.ForeignKey(
        "ArticleVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Kept by the publish service on PostgreSQL (title weighted above body); unused on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title

    @property
    def title(self):
        version = self.published_version or self.latest_version
        return version.title if version else self.slug

    def can_move_to(self, status):
        return (Status(self.status), Status(status)) in TRANSITIONS

    def moves(self):
        """[(status, button label)] allowed from the current status."""
        return [(to, label) for (frm, to), label in TRANSITIONS.items() if frm == self.status]


class ImmutableRow(Exception):
    """Raised on any attempt to change or delete a version once written."""


class ArticleVersion(models.Model):
    """What the article said at one edit; never changed afterwards."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown")
    change_note = models.CharField(max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="one_version_number_per_article")]

    def __str__(self):
        return f"{self.title} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRow("A version is never changed; write a new one.")
        super().save(*args, **kwargs)


class Translation(models.Model):
    """The article in another language, as translated from one source version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    locale = models.CharField(max_length=8, help_text="ISO 639-1 code, e.g. es")
    source_version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown")
    translator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField()
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["article", "locale"]
        constraints = [models.UniqueConstraint(fields=["article", "locale"], name="one_translation_per_locale")]

    def __str__(self):
        return f"{self.article.slug} [{self.locale}]"

    @property
    def is_outdated(self):
        """Behind the source: it translates an older version than the one published now."""
        published = self.article.published_version_id
        return published is not None and self.source_version_id != published


class Acknowledgement(models.Model):
    """An agent's duty to read one published version of an article required for their tier, and its fulfilment."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements")
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="Last in-shift reminder")

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="one_acknowledgement_per_version")]
        indexes = [models.Index(fields=["user", "acknowledged_at"], name="ack_by_user")]

    def __str__(self):
        state = "acknowledged" if self.acknowledged_at else "pending"
        return f"{self.user_id} {self.version} ({state})"


# Pending: not acknowledged, and for the version that is published now (an older version's duty lapses).
PENDING = Q(acknowledged_at__isnull=True, version__article__status=Status.PUBLISHED) & Q(
    version_id=F("version__article__published_version_id")
)


class SearchMiss(models.Model):
    """A search that found nothing: the content gaps."""

    query = models.CharField(max_length=200)
    locale = models.CharField(max_length=8, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["at"], name="search_miss_at")]

    def __str__(self):
        return f"{self.query!r} ({self.locale or 'any'})"


class DeflectionChannel(models.TextChoices):
    WEB = "web", "Web form"
    CHAT = "chat", "Chat"


class Deflection(models.Model):
    """A customer who was shown ARTICLE while writing to support and said it answered their question: one request
    that never became a ticket. Counted per article and market (country and language)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    language = models.CharField(max_length=8, help_text="ISO 639-1 code the article was read in")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; blank when unknown")
    channel = models.CharField(max_length=8, choices=DeflectionChannel.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["article", "at"], name="deflection_by_article")]

    def __str__(self):
        return f"{self.article_id} {self.language}-{self.country or '??'} ({self.channel})"
