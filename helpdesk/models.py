import zoneinfo
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from compliance.models import ROLE_ORDER, Role


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not an IANA time zone name.", params={"value": value})


class User(AbstractUser):
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Dublin; every time is shown in this zone.",
    )
    email_notifications = models.BooleanField(
        default=False, help_text="Also send notifications by email (within the shift, like in-app ones)."
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("use_app", "Can work in the browser workspace"),
            ("use_api", "Can use the REST API"),
        ]

    @cached_property
    def role(self):
        """The most powerful role the user holds, or None."""
        if self.is_superuser:
            return Role.ADMIN
        held = set(self.groups.values_list("name", flat=True))
        return next((r for r in ROLE_ORDER if r.label in held), None)


class Heartbeat(models.Model):
    """Last time a named background component was seen doing work."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S} UTC"


class IdempotencyKey(models.Model):
    """A POST's Idempotency-Key, claimed by the first request; a retry with the same key gets its stored answer."""

    KEPT_FOR_HOURS = 24

    user = models.ForeignKey("helpdesk.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self):
        return f"{self.key} ({self.user_id})"


class SimulationRun(models.Model):
    """One run of the follow-the-sun simulator started from the app (helpdesk.simulator), and its report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    scenario_name = models.CharField(max_length=120)
    scenario = models.JSONField(help_text="The validated scenario, defaults filled in")
    seed = models.PositiveIntegerField()
    days = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the simulated time done")
    report = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey("helpdesk.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.scenario_name} ({self.days} days, seed {self.seed}): {self.get_status_display()}"

    @property
    def in_progress(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


from .webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: E402, F401  (their app is helpdesk)
