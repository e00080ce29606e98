from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "handoff"

    def ready(self):
        from regions.cache import config_drop_on_change
        from regions.signals import region_status_changed
        from tickets.retention import tickets_anonymised

        from . import receivers
        from .models import HandoffSettings
        from .selectors import SETTINGS_CACHE_KEY

        region_status_changed.connect(receivers.region_status_changed, dispatch_uid="handoff.failover")
        tickets_anonymised.connect(receivers.tickets_anonymised, dispatch_uid="handoff.anonymise")
        config_drop_on_change(SETTINGS_CACHE_KEY, HandoffSettings)
