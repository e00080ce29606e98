"""Simulations started from the app: one row per run, audited, executed by a Celery task with progress."""

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance.audit import audit_record
from compliance.models import AuditAction

from ..models import SimulationRun
from .runner import SimulationFailed, simulate


def simulation_start(*, scenario, seed, days, actor):
    """Queue a run of SCENARIO (validated) for DAYS with SEED; audited as ACTOR's admin action."""
    with transaction.atomic():
        run = SimulationRun.objects.create(
            scenario_name=scenario["name"],
            scenario=scenario,
            seed=seed,
            days=days,
            started_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            action=AuditAction.ADMIN_ACTION,
            actor=actor,
            summary=f"Simulation {run.pk} started: {run.scenario_name}, {days} days, seed {seed}",
            object_type=SimulationRun._meta.label_lower,
            object_id=run.pk,
            details={"scenario": run.scenario_name, "days": days, "seed": seed},
        )
        transaction.on_commit(lambda: _task().apply_async(args=[run.pk], queue=settings.SIMULATION_QUEUE))
    return run


def _task():
    from ..tasks import simulation_run_task

    return simulation_run_task


def simulation_execute(*, run_id):
    """Run a queued simulation, keeping its progress on the row; claimed once, so a second delivery does nothing."""
    if not SimulationRun.objects.filter(pk=run_id, status=SimulationRun.Status.QUEUED).update(
        status=SimulationRun.Status.RUNNING, started_at=timezone.now()
    ):
        return
    run = SimulationRun.objects.get(pk=run_id)
    rows = SimulationRun.objects.filter(pk=run_id)
    try:
        report = simulate(run.scenario, seed=run.seed, days=run.days, on_progress=lambda pct: rows.update(progress=pct))
    except (SimulationFailed, SoftTimeLimitExceeded) as exc:
        rows.update(
            status=SimulationRun.Status.FAILED,
            error=(str(exc) or "the time limit was reached")[:300],
            finished_at=timezone.now(),
        )
        return
    rows.update(status=SimulationRun.Status.FINISHED, progress=100, report=report, finished_at=timezone.now())
