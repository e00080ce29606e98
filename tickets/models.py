import datetime as dt
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from guardian.models import UserObjectPermissionBase

from regions.models import Region, Team, Tier, residency_zone_for, validate_country, validate_time_zone


class Customer(models.Model):
    """One person writing to support; one history across every channel."""

    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1, e.g. es")
    locale = models.CharField(max_length=16, default="en-US", help_text="BCP 47, e.g. es-MX")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    address = models.CharField(max_length=300, blank=True)
    account_id = models.CharField(max_length=40, blank=True, help_text="The customer's id in the billing system")
    payment_card = models.CharField(
        max_length=32, blank=True, help_text="Card on file as synced from billing; shown per PII policy (last 4)"
    )
    vip = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def residency_zone(self):
        return residency_zone_for(self.country)


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending customer"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]
# What a reply or note may set the ticket to in the same change (the composer's "Then set status").
STATUSES_AFTER_REPLY = [Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED]

# The one place status changes are allowed or refused.
TRANSITIONS = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.ON_HOLD, Status.SOLVED, Status.CLOSED},
    Status.ON_HOLD: {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    API = "api", "API"


class SlaState(models.TextChoices):
    OK = "ok", "On track"
    WARNING = "warning", "Warning"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    NONE = "none", "No SLA"


class Tag(models.Model):
    name = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Ticket(models.Model):
    REFERENCE_PREFIX = "MER-"

    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.TIER_1)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    language = models.CharField(max_length=8, default="en")
    # Both lead an index below; an index of their own would only slow every handoff.
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="tickets", null=True, blank=True, db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    is_critical = models.BooleanField(default=False, help_text="Critical escalation")
    is_outage = models.BooleanField(default=False, help_text="Related to an ongoing outage")

    next_action = models.TextField(blank=True)
    next_action_due_at = models.DateTimeField(null=True, blank=True)
    next_action_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_action_set_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_public_reply_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)

    # Follow-the-sun: kept by tickets_hand_over; an agent's public reply or status change resets the count.
    handoffs_since_progress = models.PositiveIntegerField(default=0)
    last_handed_off_at = models.DateTimeField(null=True, blank=True)
    moved_without_context = models.BooleanField(
        default=False,
        help_text="Moved by a failover without a valid Next Action; cleared when one is written",
    )

    # SLA: kept current by tickets.sla.sla_recompute on every change.
    sla_policy = models.ForeignKey("SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.NONE)
    sla_target = models.CharField(max_length=20, blank=True, help_text="The target that falls due first")
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    # Warnings and breaches already on the timeline, e.g. "resolution:breach"; each is recorded once.
    sla_flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["sla_due_at", "id"]
        indexes = [
            models.Index(fields=["team", "status", "sla_due_at"], name="ticket_team_queue"),
            # The handoff sweep walks a team's open tickets in id order, a batch at a time.
            models.Index(fields=["team", "id"], name="ticket_open_by_team", condition=Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["assignee", "status", "sla_due_at"], name="ticket_assignee_queue"),
            # Queue views wider than a team ("unassigned", "region", "all") walk tickets in SLA order and stop after
            # a page (or a capped count) instead of sorting the agent's whole scope: 520 ms -> 1.4 ms at 1M tickets.
            models.Index(fields=["sla_due_at", "id"], name="ticket_sla_order"),
            # The "team" queue view and the lead dashboard's readiness list: a team's open tickets in SLA order.
            models.Index(
                fields=["team", "sla_due_at", "id"], name="ticket_team_open_sla", condition=Q(status__in=OPEN_STATUSES)
            ),
            # The lead dashboard's bouncing list: open tickets handed off without progress, highest count first.
            models.Index(
                fields=["handoffs_since_progress"],
                name="ticket_bouncing",
                condition=Q(status__in=OPEN_STATUSES, handoffs_since_progress__gte=1),
            ),
            # The queue's language filter lists languages by a loose index scan (tickets.selectors.queue_languages).
            models.Index(fields=["language"], name="ticket_language"),
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_check",
                condition=Q(sla_next_check_at__isnull=False),
            ),
            # Incremental sync walks the keyset (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def reference(self):
        return f"{self.REFERENCE_PREFIX}{self.pk}"

    @classmethod
    def pk_from_reference(cls, reference):
        value = reference.upper().removeprefix(cls.REFERENCE_PREFIX)
        return int(value) if value.isdigit() else None

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def region(self):
        return self.team.region if self.team else None

    def can_transition_to(self, status):
        return Status(status) in TRANSITIONS[Status(self.status)]

    def check_transition(self, status):
        if not self.can_transition_to(status):
            raise ValidationError(
                {
                    "status": f"A {self.get_status_display().lower()} ticket "
                    f"cannot become {Status(status).label.lower()}."
                }
            )

    @property
    def has_next_action(self):
        return bool(self.next_action.strip())


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    CUSTOMER_MESSAGE = "customer_message", "Customer message"
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    STATUS = "status", "Status changed"
    PRIORITY = "priority", "Priority changed"
    ASSIGNEE = "assignee", "Assignee changed"
    TEAM = "team", "Team changed"
    TAGS = "tags", "Tags changed"
    NEXT_ACTION = "next_action", "Next Action"
    ROUTING = "routing", "Routing decision"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACH = "sla_breach", "SLA breach"
    HANDOFF = "handoff", "Handoff"
    KB_LINK = "kb_link", "Knowledge article linked"
    ESCALATION = "escalation", "Escalation flags"
    REDACTION = "redaction", "Redaction"
    EMAIL = "email", "Email delivery"
    CALL = "call", "Phone call"
    SIDE_CONVERSATION = "side_conversation", "Side conversation"


MESSAGE_KINDS = [EventKind.CUSTOMER_MESSAGE, EventKind.REPLY, EventKind.NOTE]
# Written by agents for agents, never sent to the customer: notes, and the start, messages and close of side
# conversations (whose bodies are their messages and resolution).
INTERNAL_KINDS = [EventKind.NOTE, EventKind.SIDE_CONVERSATION]


class TicketEvent(models.Model):
    """One append-only line of a ticket's timeline; messages carry a Markdown body."""

    # Indexed by event_timeline (ticket, created_at); a second index on ticket alone would only slow inserts.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(blank=True, help_text="Markdown, for messages")
    summary = models.CharField(max_length=300, blank=True, help_text="One line saying what happened and why")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_timeline")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_message(self):
        return self.kind in MESSAGE_KINDS or self.kind == EventKind.SIDE_CONVERSATION

    @property
    def is_internal(self):
        return self.kind in INTERNAL_KINDS


class SlaPolicy(models.Model):
    """Response and resolution targets for a priority, optionally only for VIP customers."""

    name = models.CharField(max_length=80)
    priority = models.CharField(max_length=8, choices=Priority.choices)
    vip = models.BooleanField(default=False, help_text="Applies to VIP customers (takes precedence)")
    first_response_minutes = models.PositiveIntegerField()
    next_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    warning_share = models.FloatField(default=0.75, help_text="Warn when this share of a target is used")

    class Meta:
        ordering = ["priority", "vip"]
        constraints = [models.UniqueConstraint(fields=["priority", "vip"], name="one_policy_per_priority")]

    def __str__(self):
        return self.name

    def clean(self):
        if not 0 < self.warning_share < 1:
            raise ValidationError({"warning_share": "Give a share between 0 and 1, e.g. 0.75."})


class SlaSegment(models.Model):
    """From STARTED_AT until the ticket's next segment starts, its SLA clock ran (or, if PAUSED, stood still)
    under one owning team and region. Segments are only ever appended: a move is one INSERT, never an UPDATE."""

    # Indexed by sla_segment_timeline (ticket, started_at).
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_segments", db_index=False)
    # No index and no database constraint on team or region: segments are read per ticket only, handoffs write them
    # by the thousand, and deleting a team or region is refused by the ORM (PROTECT) all the same.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    started_at = models.DateTimeField()
    paused = models.BooleanField(default=False, help_text="Pending the customer, or solved/closed")

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["ticket", "started_at"], name="sla_segment_timeline")]

    def __str__(self):
        state = " (paused)" if self.paused else ""
        return f"{self.ticket_id} {self.region_id} from {self.started_at:%Y-%m-%d %H:%M}{state}"


class Macro(models.Model):
    """A canned reply; {customer_name}-style placeholders are filled in when it is used."""

    name = models.CharField(max_length=80, unique=True)
    body = models.TextField(help_text="Markdown; placeholders: {customer_name}, {agent_name}, {reference}")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, help_text="Empty: everyone")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RoutingRule(models.Model):
    """Picks the tier of a new ticket; the first matching rule by position wins."""

    position = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=80)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    tag = models.SlugField(max_length=40, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, blank=True)
    vip_only = models.BooleanField(default=False)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.position}. {self.name} -> Tier {self.tier}"

    def matches(self, *, channel, tags, priority, customer):
        return (
            (not self.channel or self.channel == channel)
            and (not self.tag or self.tag in tags)
            and (not self.priority or self.priority == priority)
            and (not self.vip_only or customer.vip)
        )


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Ticket assigned to you"
        CUSTOMER_REPLY = "customer_reply", "Customer replied"
        SLA_WARNING = "sla_warning", "SLA warning"
        HANDOFF_BLOCKED = "handoff_blocked", "Handoffs blocked"
        BRIEFING = "briefing", "Briefing not acknowledged"
        KB_ACK = "kb_ack", "Articles to acknowledge"
        MENTION = "mention", "Mentioned in a note"
        SIDE_CONVERSATION = "side_conversation", "Side conversation"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Empty for notices about many tickets (a blocked handoff run, an unacknowledged briefing)",
    )
    url = models.CharField(max_length=200, blank=True, help_text="Where to look, when there is no single ticket")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    deliver_at = models.DateTimeField(help_text="Within the recipient's shift; queued until then")
    delivered_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "delivered_at", "read_at"], name="notification_inbox"),
            models.Index(fields=["deliver_at"], name="notification_due", condition=Q(delivered_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.text}"


class TicketViewer(models.Model):
    """Who has a ticket open or is typing on it right now (collision detection)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    typing = models.BooleanField(default=False)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="one_viewer_row_per_user")]

    FRESH = dt.timedelta(seconds=30)

    def __str__(self):
        return f"{self.user_id} on {self.ticket_id}{' (typing)' if self.typing else ''}"


class TicketShare(UserObjectPermissionBase):
    """A per-object grant (django-guardian, direct foreign key): e.g. a ticket shared with a specialist."""

    content_object = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="shares")


class Mention(models.Model):
    """One person or team named with @ in an internal note; they were notified and may open the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mentions", db_index=False)
    event = models.ForeignKey(TicketEvent, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions")
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="mention_of_a_user_or_a_team",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="mention_ticket")]

    def __str__(self):
        return f"{self.ticket_id} @{self.user_id or self.team_id}"


class SideConversation(models.Model):
    """An internal thread of a ticket with another team or a whole region (e.g. Tier 3 Kraków asked by Tier 1
    Manila). It belongs to the ticket, so it survives handoffs; its start, messages and close are timeline events
    (kind side_conversation, data["conversation"] = this id), which hold the thread's text."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="side_conversations", db_index=False)
    subject = models.CharField(max_length=200)
    target_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="side_conversations"
    )
    target_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="side_conversations"
    )
    asking_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The starter's team"
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_team__isnull=False, target_region__isnull=True)
                | Q(target_team__isnull=True, target_region__isnull=False),
                name="side_conversation_with_a_team_or_a_region",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="side_conversation_ticket"),
            models.Index(fields=["status", "created_at"], name="side_conversation_open", condition=Q(status="open")),
        ]

    def __str__(self):
        return f"{self.ticket_id} with {self.target_label}: {self.subject}"

    @property
    def target_label(self):
        return self.target_team.name if self.target_team_id else f"{self.target_region.name} (region)"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class TicketArticleLink(models.Model):
    """A knowledge article used on a ticket: put into a reply, or the one that solved it (also on the timeline)."""

    class Kind(models.TextChoices):
        LINKED = "linked", "Used in a reply"
        SOLVED = "solved", "Solved with this article"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="article_links")
    article = models.ForeignKey("knowledge.Article", on_delete=models.CASCADE, related_name="ticket_links")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "article", "kind"], name="one_article_link_per_kind")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.article_id}"


# ---- Channels (tickets/channels/, docs/channels.md) -----------------------------------------------------------------


class MailMessage(models.Model):
    """One email on a ticket, in or out, by its Message-ID: threads replies and drops a second delivery."""

    class Direction(models.TextChoices):
        IN = "in", "Received"
        OUT = "out", "Sent"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mail_messages")
    event = models.ForeignKey(TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_id = models.CharField(max_length=255, unique=True, help_text="Without the angle brackets")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Outbound: when the SMTP server accepted it")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "direction"], name="one_mail_per_event_and_direction")]

    def __str__(self):
        return f"{self.ticket_id} {self.direction} <{self.message_id}>"


def attachment_path(attachment, filename):
    # The stored name is ours (unguessable, no path tricks); the name the customer gave is kept in Attachment.name.
    suffix = Path(filename).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""
    return f"attachments/{attachment.ticket_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file a customer sent (email, web form, ticket link); stored under MEDIA_ROOT, listed on the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=255, help_text="The file name as the customer sent it")
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=120)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.ticket_id} {self.name}"


class Mailbox(models.Model):
    """An IMAP mailbox that `fetch_mail` reads every minute while enabled."""

    name = models.CharField(max_length=80, unique=True)
    host = models.CharField(max_length=200)
    port = models.PositiveIntegerField(default=993)
    username = models.CharField(max_length=200)
    password = models.CharField(max_length=200)
    folder = models.CharField(max_length=100, default="INBOX")
    use_ssl = models.BooleanField(default=True)
    enabled = models.BooleanField(default=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self):
        return f"{self.name} ({self.username}@{self.host})"


class QuarantinedMail(models.Model):
    """Inbound mail that became no ticket message: malformed, an auto-reply or a bounce. Kept whole, never lost."""

    class Kind(models.TextChoices):
        MALFORMED = "malformed", "Malformed"
        AUTO_REPLY = "auto_reply", "Auto-reply"
        BOUNCE = "bounce", "Bounce"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    raw = models.BinaryField()
    source = models.CharField(max_length=100, help_text="Mailbox name or webhook")
    message_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "quarantined mail"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.reason}"


class Market(models.TextChoices):
    DACH = "dach", "DACH (short and direct)"
    NA = "na", "North America (short and direct)"
    LATAM = "latam", "Latin America (warm)"
    APAC = "apac", "Asia-Pacific (warm)"
    OTHER = "other", "Elsewhere (short and direct)"


class AcknowledgementTemplate(models.Model):
    """The acknowledgement email of one market in one language; without a row the built-in text is used."""

    market = models.CharField(max_length=8, choices=Market.choices)
    language = models.CharField(max_length=8, help_text="ISO 639-1, e.g. es")
    subject = models.CharField(max_length=150)
    body = models.TextField(help_text="Plain text; placeholders: {name}, {reference}, {subject}, {link}")

    class Meta:
        ordering = ["market", "language"]
        constraints = [models.UniqueConstraint(fields=["market", "language"], name="one_ack_template_per_market")]

    def __str__(self):
        return f"{self.get_market_display()} · {self.language}"
