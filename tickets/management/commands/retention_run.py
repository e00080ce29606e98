import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets.retention import tickets_anonymise_expired


class Command(BaseCommand):
    help = "Anonymise solved and closed tickets past retention now (the nightly job); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 instant to act as 'now', e.g. 2027-01-01T02:30:00+00:00")
        parser.add_argument("--batch-size", type=int, default=500, help="tickets per transaction (default 500)")

    def handle(self, *args, now=None, batch_size=500, **options):
        at = timezone.now()
        if now:
            try:
                at = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now must be an ISO 8601 instant, not {now!r}") from None
            if timezone.is_naive(at):
                raise CommandError("--now needs a time zone, e.g. 2027-01-01T02:30:00+00:00")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        counts = tickets_anonymise_expired(now=at, batch_size=batch_size)
        self.stdout.write(
            f"Anonymised {counts['tickets']} tickets ({counts['events']} events, "
            f"{counts['notifications']} notifications) and {counts['customers']} customers"
        )
