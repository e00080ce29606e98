from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self):
        from regions.cache import memo_drop_on_change

        from . import audit, services
        from .models import PiiPolicy, RedactionPattern, ResidencyRestriction

        # Sign-ins, role changes, residency restrictions and region status changes land in the audit log.
        audit.connect_signals()
        memo_drop_on_change(PiiPolicy, RedactionPattern, ResidencyRestriction)

        # Permissions exist only after every app has migrated, so the role groups
        # are brought in line after each migrate run (idempotent).
        post_migrate.connect(services.roles_sync_from_signal, dispatch_uid="compliance.roles_sync")
