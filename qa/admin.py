from django.contrib import admin

from .models import Criterion, Market, Review, ReviewScore, Rubric


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "survey_kind", "is_default"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    """Read here; drafts are edited and published on /qa/rubrics/ (versioned, audited)."""

    list_display = ["name", "market", "version", "status", "published_at"]
    list_filter = ["market", "status"]
    inlines = [CriterionInline]

    def has_change_permission(self, request, obj=None):
        return False


class ReviewScoreInline(admin.TabularInline):
    model = ReviewScore
    extra = 0
    can_delete = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["ticket", "agent", "reviewer", "rubric", "total", "created_at"]
    list_filter = ["rubric__market"]
    raw_id_fields = ["ticket"]
    inlines = [ReviewScoreInline]

    def has_change_permission(self, request, obj=None):
        return False
