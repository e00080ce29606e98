from django.contrib import admin

from .models import ResidencyRestriction


@admin.register(ResidencyRestriction)
class ResidencyRestrictionAdmin(admin.ModelAdmin):
    list_display = ["data_zone", "handling_zone", "note"]
