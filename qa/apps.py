from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "Quality"

    def ready(self):
        from tickets.signals import ticket_changed

        from . import receivers

        ticket_changed.connect(receivers.on_ticket_changed, dispatch_uid="qa.survey_on_solve")
