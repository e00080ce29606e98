from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Meridian"

    def ready(self):
        from .webhooks import receivers

        receivers.connect()
