"""Quality: rubrics per market, reviews and disputes, samples, calibration, customer surveys, follow-ups."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from regions.models import Team, validate_country
from tickets.models import Customer, Ticket


class SurveyKind(models.TextChoices):
    CES = "ces", "CES (1–7, customer effort)"
    CSAT = "csat", "CSAT (1–5, satisfaction)"


class Market(models.Model):
    """A set of customer countries that share expectations of a conversation (DACH, North America, ...)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=80)
    countries = models.JSONField(default=list, blank=True, help_text='ISO 3166-1 alpha-2 codes, e.g. ["DE", "AT"]')
    is_default = models.BooleanField(default=False, help_text="Used for every country no other market lists")
    survey_kind = models.CharField(max_length=4, choices=SurveyKind.choices, default=SurveyKind.CSAT)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default")]

    def __str__(self):
        return self.name

    def clean(self):
        if not isinstance(self.countries, list):
            raise ValidationError({"countries": "Give a list of country codes."})
        for country in self.countries:
            validate_country(country)
        others = {c: m.name for m in Market.objects.exclude(pk=self.pk) for c in m.countries}
        clash = sorted(c for c in self.countries if c in others)
        if clash:
            raise ValidationError({"countries": f"Already in another market: {', '.join(clash)}."})

    @classmethod
    def for_country(cls, country):
        """The market of a customer in COUNTRY: the one listing it, else the default market (None if neither)."""
        default = None
        for market in cls.objects.all():
            if country in market.countries:
                return market
            if market.is_default:
                default = market
        return default


class RubricStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Rubric(models.Model):
    """One version of a market's scorecard. Only drafts change; publishing retires the previous version."""

    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="rubrics")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=RubricStatus.choices, default=RubricStatus.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["market__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["market", "version"], name="one_rubric_per_version"),
            models.UniqueConstraint(
                fields=["market"], condition=Q(status="published"), name="one_published_rubric_per_market"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def score(self, points):
        """(weighted total 0-100, auto-failed) for POINTS {criterion id: point}.

        total = 100 x sum(weight x (point - 1) / (scale - 1)) / sum(weight); 0 when an auto-fail criterion
        is given its lowest point.
        """
        criteria = list(self.criteria.all())
        if any(c.auto_fail and points[c.pk] == 1 for c in criteria):
            return 0.0, True
        weights = sum(c.weight for c in criteria)
        if not weights:
            return 0.0, False
        return round(100 * sum(c.weight * c.fraction(points[c.pk]) for c in criteria) / weights, 1), False


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=80)
    weight = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    scale = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(2), MaxValueValidator(10)], help_text="Points 1..scale"
    )
    point_descriptions = models.JSONField(default=list, help_text="What each point means, from 1 upwards")
    auto_fail = models.BooleanField(default=False, help_text="Scored 1: the whole review scores 0")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        descriptions = self.point_descriptions
        if not isinstance(descriptions, list) or len(descriptions) != self.scale:
            raise ValidationError({"point_descriptions": f"Describe each of the {self.scale} points, one per line."})

    def fraction(self, point):
        return (point - 1) / (self.scale - 1)

    @property
    def points(self):
        return list(zip(range(1, self.scale + 1), self.point_descriptions, strict=False))


class Review(models.Model):
    """A reviewer's scorecard of one ticket's conversation, on the rubric of the customer's market."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_reviews")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="qa_reviews"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    session = models.ForeignKey(
        "CalibrationSession", on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    is_reference = models.BooleanField(default=False, help_text="The agreed reference of a calibration session")
    total = models.FloatField()
    auto_failed = models.BooleanField(default=False)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "reviewer"], condition=Q(session__isnull=True), name="one_review_per_reviewer"
            ),
            models.UniqueConstraint(
                fields=["session", "ticket", "reviewer"],
                condition=Q(session__isnull=False, is_reference=False),
                name="one_calibration_score_per_reviewer",
            ),
            models.UniqueConstraint(
                fields=["session", "ticket"], condition=Q(is_reference=True), name="one_reference_per_ticket"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="qa_review_week")]

    def __str__(self):
        return f"Review of {self.ticket_id}: {self.total}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    point = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")]

    def __str__(self):
        return f"{self.criterion_id}: {self.point}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld (score stands)"
    REVISED = "revised", "Revised (rescored)"


class Dispute(models.Model):
    """The agent's one dispute of a review; the lead resolves it."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="dispute")
    reason = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    original_total = models.FloatField()
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Dispute of review {self.review_id} ({self.status})"


class SampleReason(models.TextChoices):
    SAMPLE = "sample", "Weekly sample"
    NEW_AGENT = "new_agent", "New agent"
    LOW_SCORE = "low_score", "Low QA score"


class ReviewAssignment(models.Model):
    """A solved ticket the weekly sample queued for review."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="qa_sample")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="Monday (UTC) of the week the ticket was solved in")
    reason = models.CharField(max_length=10, choices=SampleReason.choices)
    created_at = models.DateTimeField()
    review = models.ForeignKey(Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["week", "id"]
        indexes = [models.Index(fields=["agent", "week"], name="qa_sample_agent_week")]

    def __str__(self):
        return f"Sample {self.ticket_id} ({self.week})"


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open (blind scoring)"
    CLOSED = "closed", "Closed"


class CalibrationSession(models.Model):
    """Several reviewers score the same tickets blind; the lead sets the agreed reference."""

    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    tickets = models.ManyToManyField(Ticket, related_name="+")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibration_sessions")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class Survey(models.Model):
    """The survey sent on a ticket's (first) solve; one per ticket. Linked to who and where served."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    asks_nps = models.BooleanField(default=False)
    language = models.CharField(max_length=8)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the email went out")
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="CES 1-7 or CSAT 1-5")
    nps = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-10")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="qa_survey_customer"),
            models.Index(fields=["answered_at"], name="qa_survey_answered"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} survey of {self.ticket_id}"

    @property
    def scale_max(self):
        return 7 if self.kind == SurveyKind.CES else 5

    @property
    def is_low(self):
        """CSAT 1-2, CES 1-3 or an NPS detractor (0-6)."""
        low = self.score is not None and self.score <= (3 if self.kind == SurveyKind.CES else 2)
        return low or (self.nps is not None and self.nps <= 6)


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class FollowUp(models.Model):
    """A low survey score: the lead of the team that served the customer calls back."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="follow_up")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=4, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    note = models.TextField(blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]

    def __str__(self):
        return f"Follow-up of survey {self.survey_id} ({self.status})"


class QaSettings(models.Model):
    """One row: sampling sizes and the balanced score's weights, set by admins."""

    sample_per_agent = models.PositiveSmallIntegerField(default=2, help_text="Solved tickets per agent per week")
    sample_extra = models.PositiveSmallIntegerField(default=2, help_text="More for new agents and low scorers")
    new_agent_days = models.PositiveSmallIntegerField(default=30, help_text="An agent is new for this many days")
    low_score_below = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="A mean QA score (last 4 weeks) below this is low"
    )
    weight_qa = models.PositiveSmallIntegerField(default=30)
    weight_csat = models.PositiveSmallIntegerField(default=20)
    weight_fcr = models.PositiveSmallIntegerField(default=25)
    weight_sla = models.PositiveSmallIntegerField(default=15)
    weight_speed = models.PositiveSmallIntegerField(default=10)
    aht_target_minutes = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1)], help_text="Speed is 100 at or below this AHT"
    )

    class Meta:
        verbose_name_plural = "QA settings"

    def __str__(self):
        return "QA settings"

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]
