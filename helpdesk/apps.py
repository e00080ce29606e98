from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Meridian"

    def ready(self):
        from regions.cache import memo_drop_on_change

        from .webhooks import receivers
        from .webhooks.models import WebhookSubscription

        receivers.connect()
        memo_drop_on_change(WebhookSubscription)
