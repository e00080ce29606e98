from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from .audit import audit_record, audit_request
from .models import (
    AuditAction,
    AuditEntry,
    ErasureRequest,
    IntegrationScope,
    PiiPolicy,
    RedactionPattern,
    ResidencyRestriction,
    RetentionPolicy,
    Role,
)
from .services import erasure_approve, erasure_reject, erasure_request, erasure_request_check, pii_policy_set


@admin.register(ResidencyRestriction)
class ResidencyRestrictionAdmin(admin.ModelAdmin):
    list_display = ["data_zone", "handling_zone", "note"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written only by compliance.audit.audit_record()."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "summary", "ip"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    # The actor filter is an exact search, served by the (actor_label, at) index; a list filter would
    # read every distinct username in the log on each page.
    search_fields = ["=actor_label", "=object_id"]
    search_help_text = "Exact username (or anonymous / system), or object id"
    fields = ["at", "actor", "actor_label", "action", "object_type", "object_id", "summary", "details", "ip"]
    readonly_fields = fields
    raw_id_fields = ["actor"]
    list_per_page = 100
    # Counting a large log on every page is slow; the page shows "Show all" without a total instead.
    show_full_result_count = False
    ordering = ["-at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PiiPolicy)
class PiiPolicyAdmin(admin.ModelAdmin):
    """Overrides of the default treatments; every save and delete goes through pii_policy_set (audited).

    The matrix at /pii/policies/ shows the effective treatment of every field and audience.
    """

    list_display = ["field", "audience", "treatment"]
    list_filter = ["audience", "field", "treatment"]
    ordering = ["field", "audience"]

    def get_readonly_fields(self, request, obj=None):
        # A row is one (field, audience): change its treatment, or delete it to go back to the default.
        return ["field", "audience"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        pii_policy_set(
            field=obj.field, audience=obj.audience, treatment=obj.treatment, actor=request.user, request=request
        )
        obj.pk = PiiPolicy.objects.get(field=obj.field, audience=obj.audience).pk

    def delete_model(self, request, obj):
        pii_policy_set(field=obj.field, audience=obj.audience, treatment=None, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            self.delete_model(request, obj)


def _audit_policy_change(request, obj, verb, values):
    audit_record(
        action=AuditAction.POLICY_CHANGE,
        actor=request.user,
        summary=f"{obj._meta.verbose_name.capitalize()} {verb}: {obj}",
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        details=values,
        request=request,
    )


class AuditedPolicyAdmin(admin.ModelAdmin):
    """Policy rows an admin edits directly; every change and removal lands in the audit log."""

    audited_fields = []

    def _values(self, obj):
        return {name: getattr(obj, name) for name in self.audited_fields}

    def save_model(self, request, obj, form, change):
        before = self._values(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        after = self._values(obj)
        details = {"before": before, "after": after} if change else {"after": after}
        _audit_policy_change(request, obj, "changed" if change else "added", details)

    def delete_model(self, request, obj):
        values, pk = self._values(obj), obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        _audit_policy_change(request, obj, "removed", {"before": values})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AuditedPolicyAdmin):
    list_display = ["residency_zone", "days"]
    audited_fields = ["residency_zone", "days"]


@admin.register(RedactionPattern)
class RedactionPatternAdmin(AuditedPolicyAdmin):
    list_display = ["name", "regex", "replacement", "active"]
    list_filter = ["active"]
    audited_fields = ["name", "regex", "replacement", "active"]


class ErasureRequestForm(forms.ModelForm):
    class Meta:
        model = ErasureRequest
        fields = ["customer_id", "reason"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                erasure_request_check(customer_id=cleaned["customer_id"], reason=cleaned["reason"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    """Asked for here, approved or rejected by another admin with the actions; carried out by the tickets app."""

    form = ErasureRequestForm
    list_display = ["id", "customer_id", "status", "requested_by", "requested_at", "approved_by", "done_at"]
    list_filter = ["status"]
    search_fields = ["=customer_id", "=id"]
    actions = ["approve", "reject"]
    all_fields = [
        "customer_id",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "approved_by",
        "approved_at",
        "done_at",
        "report",
    ]

    def get_fields(self, request, obj=None):
        return self.all_fields if obj else ["customer_id", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return self.all_fields if obj else []

    def has_add_permission(self, request):
        return super().has_add_permission(request) and getattr(request.user, "role", None) in (Role.ADMIN, Role.LEAD)

    def has_change_permission(self, request, obj=None):
        return False  # requests change only through the services (actions below)

    def has_delete_permission(self, request, obj=None):
        return False  # kept as the record of what was erased and who agreed

    def save_model(self, request, obj, form, change):
        # The one write path: the service checks the requester and audits.
        with audit_request(request):
            created = erasure_request(customer_id=obj.customer_id, reason=obj.reason, actor=request.user)
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def _decide(self, request, queryset, service, verb):
        for erasure in queryset.order_by("pk"):
            try:
                with audit_request(request):
                    service(request=erasure, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"Erasure #{erasure.pk}: {text}", messages.ERROR)
            else:
                self.message_user(request, f"Erasure #{erasure.pk} {verb}.", messages.SUCCESS)

    @admin.action(description="Approve the selected erasure requests")
    def approve(self, request, queryset):
        self._decide(request, queryset, erasure_approve, "approved; it is carried out within a minute")

    @admin.action(description="Reject the selected erasure requests")
    def reject(self, request, queryset):
        self._decide(request, queryset, erasure_reject, "rejected")


@admin.register(IntegrationScope)
class IntegrationScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "note"]
    filter_horizontal = ["regions"]
    autocomplete_fields = ["user"]
