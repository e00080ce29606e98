from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "handoff"

    def ready(self):
        from regions.signals import region_status_changed

        from . import receivers

        region_status_changed.connect(receivers.region_status_changed, dispatch_uid="handoff.failover")
