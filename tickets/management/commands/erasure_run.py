from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.models import ErasureRequest
from tickets.retention import customer_erase


class Command(BaseCommand):
    help = "Carry out one approved GDPR erasure request; a request already done is left as it is."

    def add_arguments(self, parser):
        parser.add_argument("request_id", type=int, help="id of the erasure request")

    def handle(self, *args, request_id, **options):
        request = ErasureRequest.objects.filter(pk=request_id).first()
        if request is None:
            raise CommandError(f"There is no erasure request #{request_id}.")
        try:
            outcome = customer_erase(erasure_request=request, now=timezone.now())
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        request, report = outcome.request, outcome.request.report
        if not outcome.changed:
            self.stdout.write(
                f"Erasure #{request.pk} was already carried out at {request.done_at:%Y-%m-%d %H:%M} UTC; "
                "nothing changed."
            )
            return
        self.stdout.write(
            f"Erasure #{request.pk} done: {report['tickets']} tickets, {report['events']} events, "
            f"customer fields {', '.join(report['customer_fields']) or 'none'}"
        )
