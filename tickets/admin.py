from django import forms
from django.contrib import admin

from .models import (
    AcknowledgementTemplate,
    Customer,
    Macro,
    Mailbox,
    QuarantinedMail,
    RoutingRule,
    SlaPolicy,
    Tag,
    Ticket,
    TicketEvent,
)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "company", "country", "language", "vip"]
    list_filter = ["vip", "country", "language"]
    search_fields = ["name", "email", "company"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "kind", "actor", "summary", "body"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: every change goes through the ticket services (ticket page or API)."""

    list_display = [
        "id",
        "subject",
        "status",
        "priority",
        "tier",
        "team",
        "assignee",
        "sla_state",
        "sla_due_at",
    ]
    list_filter = ["status", "priority", "tier", "channel", "sla_state"]
    list_select_related = ["team", "assignee"]
    search_fields = ["subject", "customer__email"]
    inlines = [TicketEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "vip",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
    ]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "channel", "tag", "priority", "vip_only", "tier"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]


admin.site.register(Tag)


# ---- Channels (docs/channels.md) ------------------------------------------------------------------------------------


class MailboxForm(forms.ModelForm):
    """The password is never shown again; leave it empty to keep the stored one."""

    password = forms.CharField(widget=forms.PasswordInput, required=False, help_text="Empty: keep the current one")

    class Meta:
        model = Mailbox
        fields = ["name", "host", "port", "username", "password", "folder", "use_ssl", "enabled"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password and not self.instance.pk:
            raise forms.ValidationError("Give the mailbox password.")
        return password or self.instance.password


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "username", "host", "folder", "enabled", "last_fetched_at", "last_error"]
    list_filter = ["enabled"]


@admin.register(QuarantinedMail)
class QuarantinedMailAdmin(admin.ModelAdmin):
    """Read-only: the raw message is kept as received, to be looked at or fed to the webhook again."""

    list_display = ["received_at", "kind", "reason", "source", "message_id"]
    list_filter = ["kind", "source"]
    search_fields = ["reason", "message_id"]
    readonly_fields = ["received_at", "kind", "reason", "source", "message_id", "raw_text"]
    exclude = ["raw"]

    @admin.display(description="Raw message")
    def raw_text(self, obj):
        return bytes(obj.raw).decode("utf-8", errors="replace")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AcknowledgementTemplate)
class AcknowledgementTemplateAdmin(admin.ModelAdmin):
    list_display = ["market", "language", "subject"]
    list_filter = ["market", "language"]
