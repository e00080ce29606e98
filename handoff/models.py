from django.conf import settings
from django.db import models
from django.db.models import Q

from regions.models import Team
from tickets.models import Ticket


class NoteRule(models.TextChoices):
    ANY = "any", "Any non-empty note"
    FRESH_SINCE_CUSTOMER = "fresh_customer", "Written or confirmed after the last customer message"
    FRESH_SINCE_HANDOFF = "fresh_handoff", "Written or confirmed since the ticket's last handoff"


class HandoffSettings(models.Model):
    """Per-team rules of the handoff engine and its detectors; a team without a row uses the defaults."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="handoff_settings")
    note_rule = models.CharField(max_length=16, choices=NoteRule.choices, default=NoteRule.FRESH_SINCE_CUSTOMER)
    cold_after_hours = models.PositiveSmallIntegerField(default=16)
    bounce_threshold = models.PositiveSmallIntegerField(default=3)

    class Meta:
        verbose_name_plural = "handoff settings"

    def __str__(self):
        return f"Handoff settings of {self.team}"


DEFAULTS = HandoffSettings(note_rule=NoteRule.FRESH_SINCE_CUSTOMER, cold_after_hours=16, bounce_threshold=3)


class HandoffRun(models.Model):
    """One sweep of a departing team's open tickets at one shift boundary (or one failover)."""

    class Kind(models.TextChoices):
        SHIFT = "shift", "Shift boundary"
        FAILOVER = "failover", "Region failover"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="handoff_runs")
    boundary_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SHIFT)
    arriving_team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True, help_text="Why nothing or not everything moved")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    moved = models.PositiveIntegerField(default=0)
    blocked = models.PositiveIntegerField(default=0)
    failed_over = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-boundary_at", "team"]
        constraints = [models.UniqueConstraint(fields=["team", "boundary_at", "kind"], name="one_run_per_boundary")]
        permissions = [("view_dashboard", "Can run the handoff dashboard and acknowledge briefings")]

    def __str__(self):
        return f"{self.team.code} @ {self.boundary_at:%Y-%m-%d %H:%M} UTC ({self.get_kind_display()})"

    @property
    def total(self):
        return self.moved + self.blocked + self.failed_over + self.skipped

    @property
    def blocked_share(self):
        return self.blocked / self.total if self.total else 0.0


class Outcome(models.TextChoices):
    MOVED = "moved", "Moved"
    BLOCKED = "blocked", "Blocked"
    FAILED_OVER = "failed_over", "Failed over"
    SKIPPED = "skipped", "Skipped"


class Handoff(models.Model):
    """What happened to one ticket in one run; a blocked one becomes moved once its note is written."""

    run = models.ForeignKey(HandoffRun, on_delete=models.CASCADE, related_name="handoffs", db_index=False)
    # Indexed by handoff_ticket (ticket, created_at) and the unique (run, ticket): no extra index to write.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="handoffs", db_index=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reason = models.CharField(max_length=300)
    # No index and no database constraint on the teams: these rows are written by the thousand per run, and the
    # ORM refuses to delete a team they point to (PROTECT) all the same.
    from_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    to_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False, db_constraint=False
    )
    next_action_snapshot = models.TextField(blank=True)
    created_at = models.DateTimeField()
    moved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "ticket"], name="one_handoff_per_run_and_ticket")]
        indexes = [
            models.Index(fields=["outcome", "run"], name="handoff_blocked", condition=Q(outcome="blocked")),
            models.Index(fields=["ticket", "created_at"], name="handoff_ticket"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.outcome} in run {self.run_id}"


class Briefing(models.Model):
    """What the arriving team must know, prepared at boundary minus overlap for the stand-up."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="briefings", help_text="Arriving team")
    departing_team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    boundary_at = models.DateTimeField()
    prepared_at = models.DateTimeField()
    content = models.JSONField(default=dict)
    standup_held_at = models.DateTimeField(null=True, blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True, help_text="When admins were told it was not acknowledged")

    class Meta:
        ordering = ["-boundary_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "departing_team", "boundary_at"], name="one_briefing_per_boundary")
        ]

    def __str__(self):
        return f"Briefing {self.departing_team.code} -> {self.team.code} @ {self.boundary_at:%Y-%m-%d %H:%M} UTC"
