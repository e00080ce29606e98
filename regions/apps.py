from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "regions"

    def ready(self):
        from .cache import config_drop_on_change, memo_drop_on_change
        from .models import (
            Agent,
            AgentLanguage,
            Region,
            RegionHoliday,
            Rotation,
            RotationStep,
            ShiftDay,
            ShiftPattern,
            SourcingRule,
            Team,
            Vendor,
        )
        from .selectors import TEAMS_CACHE_KEY

        config_drop_on_change(TEAMS_CACHE_KEY, Region, RegionHoliday, Vendor, Team, Agent, ShiftPattern, ShiftDay)
        memo_drop_on_change(Rotation, RotationStep, SourcingRule, AgentLanguage)
