from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .coverage import coverage_check
from .models import (
    Agent,
    AgentLanguage,
    Region,
    RegionHoliday,
    RegionStatus,
    RegionStatusChange,
    Rotation,
    RotationStep,
    ShiftDay,
    ShiftPattern,
    SourcingRule,
    StaffingTarget,
    Team,
    Vendor,
    VolumeForecast,
)
from .services import region_set_status

COVERAGE_WARNING_DAYS = 14
MAX_WARNINGS = 8


def warn_about_coverage(request, tier):
    """Say out loud what a configuration change did to the tier's coverage."""
    issues = coverage_check(tier=tier, start=timezone.now(), days=COVERAGE_WARNING_DAYS)
    zone = timezone.get_current_timezone()
    for issue in issues[:MAX_WARNINGS]:
        when = f"{issue.start.astimezone(zone):%a %d %b %H:%M}–{issue.end.astimezone(zone):%H:%M %Z}"
        messages.warning(request, f"Coverage: {issue.message}, {when}.")
    if len(issues) > MAX_WARNINGS:
        messages.warning(request, f"…and {len(issues) - MAX_WARNINGS} more coverage problems; see the coverage page.")
    if not issues:
        messages.info(request, f"Tier {tier} is covered for the next {COVERAGE_WARNING_DAYS} days.")


class RegionForm(forms.ModelForm):
    new_status = forms.ChoiceField(choices=RegionStatus.choices, label="Status")
    status_change_reason = forms.CharField(
        required=False,
        max_length=300,
        help_text="Required when the status changes; kept in the region's history.",
    )

    class Meta:
        model = Region
        fields = ["code", "name", "time_zone", "country", "residency_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_status"].initial = self.instance.status

    def clean(self):
        cleaned = super().clean()
        changing = self.instance.pk and cleaned.get("new_status") != self.instance.status
        if changing and not cleaned.get("status_change_reason", "").strip():
            self.add_error("status_change_reason", "Say why the region's status changes.")
        return cleaned


class RegionHolidayInline(admin.TabularInline):
    model = RegionHoliday
    extra = 0


class RegionStatusChangeInline(admin.TabularInline):
    model = RegionStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["changed_at", "from_status", "to_status", "reason", "changed_by"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    list_display = ["code", "name", "time_zone", "country", "residency_zone", "status", "status_since"]
    list_filter = ["status", "residency_zone"]
    inlines = [RegionHolidayInline, RegionStatusChangeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "time_zone", "country", "residency_zone"]}),
        ("Operational status", {"fields": ["new_status", "status_change_reason"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        new_status = form.cleaned_data["new_status"]
        if change and new_status != obj.status:
            try:
                region_set_status(
                    region=obj,
                    status=new_status,
                    reason=form.cleaned_data["status_change_reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "tier", "vendor", "min_headcount", "meeting_url"]
    list_filter = ["tier", "region", "vendor"]
    filter_horizontal = ["leads"]
    # A stand-up link typed without its scheme is taken as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ["region", "vendor"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warn_about_coverage(request, obj.tier)


class AgentLanguageInline(admin.TabularInline):
    model = AgentLanguage
    extra = 1


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "tier", "capacity", "presence"]
    list_filter = ["tier", "team", "presence"]
    list_select_related = ["user", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    inlines = [AgentLanguageInline]


class ShiftDayInline(admin.TabularInline):
    model = ShiftDay
    extra = 1


@admin.register(ShiftPattern)
class ShiftPatternAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "valid_from", "valid_to", "works_public_holidays"]
    list_filter = ["team__tier", "team"]
    list_select_related = ["team"]
    inlines = [ShiftDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_about_coverage(request, form.instance.team.tier)


class RotationStepInline(admin.TabularInline):
    model = RotationStep
    extra = 1


@admin.register(Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["tier", "min_overlap_minutes"]
    inlines = [RotationStepInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_about_coverage(request, form.instance.tier)


@admin.register(SourcingRule)
class SourcingRuleAdmin(admin.ModelAdmin):
    list_display = ["tier", "preference", "region", "note"]
    list_filter = ["tier"]


@admin.register(StaffingTarget)
class StaffingTargetAdmin(admin.ModelAdmin):
    list_display = [
        "tier",
        "average_handle_seconds",
        "target_service_level",
        "answer_seconds",
        "max_occupancy",
    ]


@admin.register(VolumeForecast)
class VolumeForecastAdmin(admin.ModelAdmin):
    list_display = ["tier", "weekday", "hour", "tickets"]
    list_filter = ["tier", "weekday"]
