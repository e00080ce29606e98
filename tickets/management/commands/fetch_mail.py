from django.core.management.base import BaseCommand

from tickets.channels.imap import mailboxes_fetch


class Command(BaseCommand):
    help = "Read the enabled IMAP mailboxes once (beat runs this every minute as tickets.tasks.mailboxes_fetch_task)."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", action="append", help="Only this mailbox (by name), even if disabled")

    def handle(self, *args, mailbox=None, **options):
        outcomes = mailboxes_fetch(names=mailbox)
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "no new mail"
        self.stdout.write(f"fetch_mail: {summary}")
