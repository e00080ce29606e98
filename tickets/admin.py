from django.contrib import admin

from .models import Customer, Macro, RoutingRule, SlaPolicy, Tag, Ticket, TicketEvent


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
