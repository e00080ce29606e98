import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from helpdesk.demo import DEMO_PASSWORD, progress_steps, seed_people, seed_tickets


class Progress:
    """A one-line text progress bar on the command's stderr."""

    WIDTH = 30

    def __init__(self, stream, total):
        self.stream, self.total, self.done = stream, total, 0

    def step(self, label):
        self.done += 1
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        end = "\n" if self.done == self.total else ""
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label:<30}", ending=end)
        self.stream.flush()


class Command(BaseCommand):
    help = "Fill the database with deterministic demo data and print the logins it made."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument(
            "--tickets", type=int, default=2000, help="how many tickets to create (default 2000; 0 for none)"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already has users")

    def handle(self, *args, seed, tickets, if_empty, **options):
        if seed < 0:
            raise CommandError("--seed must be zero or more")
        if tickets < 0:
            raise CommandError("--tickets must be zero or more")
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("The database already has data; seed_demo left it alone.")
            return
        rng = random.Random(seed)
        progress = Progress(self.stderr, progress_steps(tickets))
        with transaction.atomic():
            logins = seed_people(rng, progress.step)
        # Ticket seeding commits batch by batch: 100k tickets do not fit one comfortable transaction.
        summary = seed_tickets(rng, progress.step, tickets)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, detail in logins:
            self.stdout.write(f"  {username:<14} {role:<12} {detail}")
        self.stdout.write(summary)
