from django.contrib import admin

from .models import AuditEntry, ResidencyRestriction


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
