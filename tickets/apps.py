from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self):
        from regions.cache import memo_drop_on_change

        from .channels import retention as channels_retention
        from .models import SlaPolicy
        from .retention import tickets_anonymised

        tickets_anonymised.connect(channels_retention.tickets_anonymised, dispatch_uid="tickets.channels.anonymise")
        memo_drop_on_change(SlaPolicy)
