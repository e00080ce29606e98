import uuid

from django.conf import settings
from django.db import models

EVENTS = [
    "ticket.created",
    "ticket.updated",
    "ticket.solved",
    "handoff.completed",
    "handoff.blocked",
    "region.status_changed",
    "sla.breached",
]

# Consecutive failed deliveries after which a subscription is switched off.
DISABLE_AFTER = 10


class WebhookSubscription(models.Model):
    """An integration's endpoint and the events it wants."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Names of the events to send, e.g. ticket.created")
    secret = models.CharField(max_length=64, help_text="Key of the HMAC-SHA256 signature; shown once")
    active = models.BooleanField(default=True)
    failure_count = models.PositiveIntegerField(default=0, help_text="Consecutive failed deliveries")
    disabled_at = models.DateTimeField(null=True, blank=True, help_text="Switched off after repeated failures")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.url

    def wants(self, event):
        return self.active and event in self.events


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscription; its id is the payload's id."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        OK = "ok", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
            models.Index(fields=["created_at"], name="webhook_pending", condition=models.Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription_id} ({self.status})"
