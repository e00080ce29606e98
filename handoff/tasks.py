import datetime as dt

from celery import shared_task
from django.utils import timezone

from regions.models import Region, Team

from .services import BATCH_SIZE, handoff_failover, handoff_run, run_due_handoffs


@shared_task
def run_due_handoffs_task():
    """Every minute: due handoffs (with catch-up), blocked retries, briefings. Idempotent."""
    return run_due_handoffs(now=timezone.now())


@shared_task(acks_late=True)
def handoff_failover_task(region_id):
    region = Region.objects.get(pk=region_id)
    run_ids = [run.pk for run in handoff_failover(region=region, now=timezone.now())]
    return run_ids


@shared_task(acks_late=True)
def handoff_run_task(team_id, boundary_at, batch_size=BATCH_SIZE):
    """One team's handoff at one boundary (ISO 8601), e.g. triggered by an admin; idempotent."""
    run = handoff_run(
        team=Team.objects.get(pk=team_id), boundary_at=dt.datetime.fromisoformat(boundary_at), batch_size=batch_size
    )
    return run.pk
