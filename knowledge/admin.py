"""Raw configuration in the Django admin. Articles are written through the knowledge pages and API (versions,
publishing and acknowledgements go through knowledge.services); here they are read, and categories are managed."""

from django.contrib import admin

from .models import Acknowledgement, Article, ArticleVersion, Category, Deflection, SearchMiss, Translation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "title", "change_note", "author", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ["slug", "status", "audience", "category", "owner_team", "language", "view_count", "updated_at"]
    list_filter = ["status", "audience", "category", "language"]
    search_fields = ["slug"]
    inlines = [VersionInline]


@admin.register(Translation)
class TranslationAdmin(ReadOnlyAdmin):
    list_display = ["article", "locale", "source_version", "is_outdated", "updated_at"]
    list_filter = ["locale"]
    list_select_related = ["article", "source_version"]

    @admin.display(boolean=True, description="Outdated")
    def is_outdated(self, obj):
        return obj.is_outdated


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "created_at", "acknowledged_at", "reminded_at"]
    list_filter = ["acknowledged_at"]
    list_select_related = ["user", "version"]


@admin.register(SearchMiss)
class SearchMissAdmin(ReadOnlyAdmin):
    list_display = ["query", "locale", "user", "at"]
    search_fields = ["query"]


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    list_display = ["article", "language", "country", "channel", "at"]
    list_filter = ["channel", "language"]
    list_select_related = ["article__published_version"]
