import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from regions.models import ResidencyZone


class Role(models.TextChoices):
    """The four roles; each is a Django group holding the role's permissions."""

    ADMIN = "admin", "Admin"
    LEAD = "lead", "Team lead"
    AGENT = "agent", "Agent"
    INTEGRATION = "integration", "Integration"


# Most powerful first: a user's primary role is the first of these they hold.
ROLE_ORDER = [Role.ADMIN, Role.LEAD, Role.AGENT, Role.INTEGRATION]

# "app_label.codename" per role; Admin gets every permission.
ROLE_PERMISSIONS = {
    Role.LEAD: [
        "helpdesk.use_app",
        "helpdesk.view_user",
        "regions.view_coverage",
        "handoff.view_dashboard",
        "compliance.reveal_pii",
    ],
    Role.AGENT: ["helpdesk.use_app", "compliance.reveal_pii"],
    Role.INTEGRATION: ["helpdesk.use_api"],
}


class ResidencyRestriction(models.Model):
    """Customer data of DATA_ZONE must not be handled by teams in HANDLING_ZONE (e.g. EU data outside the EU)."""

    data_zone = models.CharField(max_length=8, help_text="Residency zone of the customer, e.g. EU")
    handling_zone = models.CharField(max_length=8, help_text="Residency zone of the team's region, e.g. AMER")
    note = models.CharField(max_length=200, blank=True, help_text="The legal reason, for the audit")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["data_zone", "handling_zone"], name="one_restriction_per_zone_pair")
        ]

    def __str__(self):
        return f"{self.data_zone} data not handled in {self.handling_zone}"


class AuditAction(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOGOUT = "logout", "Logged out"
    ACCESS_DENIED = "access_denied", "Access denied"
    PII_REVEAL = "pii_reveal", "PII revealed"
    EXPORT = "export", "Export"
    PERMISSION_CHANGE = "permission_change", "Permission change"
    POLICY_CHANGE = "policy_change", "Policy change"
    REGION_STATUS = "region_status", "Region status"
    ERASURE = "erasure", "Erasure"
    RETENTION = "retention", "Retention run"
    ADMIN_ACTION = "admin_action", "Admin action"


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    # Deleting a user still detaches their entries (SET NULL): Django does that through the
    # plain base manager, and the database trigger allows exactly that change.
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries are never changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries are never deleted.")


class AuditEntry(models.Model):
    """One thing that happened, who did it and from where. Written only by compliance.audit.audit_record()."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, help_text='Username, or "anonymous" / "system"; kept for good')
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model of the object, if any")
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="IP address")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-id"]
        # Read-only everywhere: no add/change/delete permission exists to be granted.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["at", "id"], name="audit_at_idx"),
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["actor_label", "at"], name="audit_actor_label_at_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
            models.Index(fields=["object_type", "at"], name="audit_object_type_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} UTC {self.actor_label} {self.action}: {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditLogIsAppendOnly("Audit entries are never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries are never deleted.")


class PiiField(models.TextChoices):
    NAME = "customer_name", "Customer name"
    EMAIL = "customer_email", "Customer email"
    PHONE = "customer_phone", "Customer phone"
    ADDRESS = "customer_address", "Customer address"
    CARD = "payment_card", "Payment card"
    ACCOUNT = "account_id", "Account id"
    BODY = "message_body", "Message bodies (free text)"


class Audience(models.TextChoices):
    INHOUSE_T1 = "inhouse_t1", "In-house agent, Tier 1"
    INHOUSE_T2 = "inhouse_t2", "In-house agent, Tier 2"
    INHOUSE_T3 = "inhouse_t3", "In-house agent, Tier 3"
    VENDOR_T1 = "vendor_t1", "Vendor agent, Tier 1"
    VENDOR_T2 = "vendor_t2", "Vendor agent, Tier 2"
    VENDOR_T3 = "vendor_t3", "Vendor agent, Tier 3"
    LEAD = "lead", "Team lead"
    ADMIN = "admin", "Admin"
    INTEGRATION = "integration", "Integration"


class Treatment(models.TextChoices):
    FULL = "full", "Full"
    MASKED = "masked", "Masked"
    HIDDEN = "hidden", "Hidden"


def _defaults():
    """Treatment per (field, audience) when no PiiPolicy row says otherwise."""
    table = {}
    for audience in Audience:
        for field in PiiField:
            table[(field, audience)] = Treatment.FULL
        table[(PiiField.CARD, audience)] = Treatment.MASKED  # last four digits are what anyone needs
    table[(PiiField.CARD, Audience.ADMIN)] = Treatment.MASKED
    for audience in (Audience.VENDOR_T1, Audience.VENDOR_T2, Audience.VENDOR_T3):
        for field in (PiiField.EMAIL, PiiField.PHONE, PiiField.ACCOUNT, PiiField.ADDRESS):
            table[(field, audience)] = Treatment.MASKED
    # An outsourced Tier-1 agent needs the customer's first name and the problem, nothing more.
    table[(PiiField.ADDRESS, Audience.VENDOR_T1)] = Treatment.HIDDEN
    table[(PiiField.BODY, Audience.VENDOR_T1)] = Treatment.MASKED
    return table


DEFAULT_TREATMENTS = _defaults()


class PiiPolicy(models.Model):
    """An admin's choice of treatment for one personal field and one audience (overrides the default)."""

    field = models.CharField(max_length=20, choices=PiiField.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    treatment = models.CharField(max_length=8, choices=Treatment.choices)

    class Meta:
        verbose_name_plural = "PII policies"
        constraints = [models.UniqueConstraint(fields=["field", "audience"], name="one_treatment_per_field_audience")]
        permissions = [("reveal_pii", "Can reveal a masked personal field for a while, with a reason")]

    def __str__(self):
        return f"{self.get_field_display()} for {self.get_audience_display()}: {self.get_treatment_display()}"


class PiiReveal(models.Model):
    """A user's time-limited look at one masked field of one customer, asked for with a reason (audited)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pii_reveals")
    customer_id = models.PositiveBigIntegerField(help_text="The customer whose field is revealed")
    field = models.CharField(max_length=20, choices=PiiField.choices)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "customer_id", "expires_at"], name="pii_reveal_lookup")]

    def __str__(self):
        return f"{self.user_id} sees {self.field} of customer {self.customer_id} until {self.expires_at:%H:%M}"


# ---- Redaction at intake ------------------------------------------------------------------------------------------


class RedactionPattern(models.Model):
    """An admin's extra pattern replaced in inbound text before it is stored (cards and IBANs are built in)."""

    name = models.CharField(max_length=80, unique=True, help_text="Shown in the timeline count, e.g. API token")
    regex = models.CharField(
        max_length=500, help_text="Python regular expression; use (?i) at the start to ignore case"
    )
    replacement = models.CharField(
        max_length=100, default="[redacted]", help_text="Inserted as written: \\1-style group references are not used"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            compiled = re.compile(self.regex)
        except re.error as exc:
            raise ValidationError({"regex": f"This is not a valid regular expression: {exc}."}) from exc
        # A pattern that matches nothing at all would put the replacement between every two characters.
        if compiled.search("") is not None:
            raise ValidationError({"regex": "The expression matches empty text; it must match at least a character."})


# ---- Retention and erasure ----------------------------------------------------------------------------------------

# Days a solved or closed ticket is kept per residency zone when no RetentionPolicy row says otherwise.
DEFAULT_RETENTION_DAYS = {ResidencyZone.EU: 365, ResidencyZone.AMER: 730, ResidencyZone.APAC: 730}


class RetentionPolicy(models.Model):
    """How long solved and closed tickets of customers in one residency zone are kept before anonymisation."""

    residency_zone = models.CharField(max_length=8, choices=ResidencyZone.choices, unique=True)
    days = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Days after a ticket is solved (or closed) before anonymisation"
    )

    class Meta:
        verbose_name_plural = "retention policies"
        ordering = ["residency_zone"]

    def __str__(self):
        return f"{self.residency_zone}: {self.days} days"


class AnonymisationReason(models.TextChoices):
    RETENTION = "retention", "Retention policy"
    ERASURE = "erasure", "Erasure request"


class Anonymisation(models.Model):
    """One object whose personal data was removed, when and why; the retention job skips what is recorded here."""

    object_type = models.CharField(max_length=100, help_text="app_label.model, e.g. tickets.ticket")
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    reason = models.CharField(max_length=10, choices=AnonymisationReason.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id"], name="one_anonymisation_per_object")
        ]

    def __str__(self):
        return f"{self.object_type} {self.object_id} anonymised {self.at:%Y-%m-%d} ({self.reason})"


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    DONE = "done", "Done"
    REJECTED = "rejected", "Rejected"


class ErasureRequest(models.Model):
    """A GDPR erasure of one customer's data: asked for, approved by another admin, then carried out once."""

    # A plain id: compliance sits below tickets and holds no key into its tables.
    customer_id = models.PositiveBigIntegerField(help_text="Id of the customer to erase")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, help_text="E.g. the customer's request and how it was received")
    status = models.CharField(max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.REQUESTED)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="What was changed")

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "customer_id"], name="erasure_status_customer")]

    def __str__(self):
        return f"Erasure #{self.pk} of customer {self.customer_id} ({self.get_status_display().lower()})"


class IntegrationScope(models.Model):
    """What an integration's token may reach: every ticket, or only tickets owned by teams of some regions."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="integration_scope")
    regions = models.ManyToManyField(
        "regions.Region", blank=True, help_text="Tickets owned by teams of these regions; empty: no ticket at all"
    )
    note = models.CharField(max_length=200, blank=True, help_text="What the integration is for")

    def __str__(self):
        return f"Scope of {self.user}"
