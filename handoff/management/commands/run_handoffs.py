import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from handoff.services import due_boundaries, handoff_run, run_due_handoffs
from regions.models import Team


class Command(BaseCommand):
    help = "Run due handoffs now (the scheduled job), or the handoff of one team at one boundary."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO 8601 instant: the boundary (with --team) or the time to act as 'now'")
        parser.add_argument("--team", help="team code: run only this team's handoff")

    def handle(self, *args, at=None, team=None, **options):
        now = timezone.now()
        if at:
            try:
                now = dt.datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at must be an ISO 8601 instant, not {at!r}") from None
            if timezone.is_naive(now):
                raise CommandError("--at needs a time zone, e.g. 2026-11-23T17:00:00+00:00")
        if team:
            try:
                team_obj = Team.objects.get(code=team)
            except Team.DoesNotExist:
                raise CommandError(f"no team with code {team!r}") from None
            boundaries = [end for t, end in due_boundaries(now=now) if t.pk == team_obj.pk] or [now]
            for boundary in boundaries:
                run = handoff_run(team=team_obj, boundary_at=boundary, now=max(now, boundary))
                self.stdout.write(
                    f"{run}: moved {run.moved}, blocked {run.blocked}, skipped {run.skipped} "
                    f"{('(' + run.note + ')') if run.note else ''}".rstrip()
                )
            return
        result = run_due_handoffs(now=now)
        self.stdout.write(f"{len(result['runs'])} runs, {result['moved_after_block']} moved after a block")
