"""Celery settings that the handoff design relies on."""

from django.conf import settings

from helpdesk.celery import app

# Tasks that may be redelivered after a crash: each must be safe to run twice.
IDEMPOTENT = {
    "handoff.tasks.handoff_run_task",
    "handoff.tasks.handoff_failover_task",
    # marks its delivery done only while still pending; receivers drop repeats by the delivery id
    "helpdesk.webhooks.tasks.webhook_deliver_task",
}


def test_acks_late_only_for_idempotent_tasks():
    app.loader.import_default_modules()
    late = {name for name, task in app.tasks.items() if getattr(task, "acks_late", False)}
    assert late == IDEMPOTENT
    assert app.conf.task_acks_late is False


def test_visibility_timeout_outlives_any_task():
    assert settings.CELERY_VISIBILITY_TIMEOUT > settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT
    if settings.REDIS_URL:
        assert app.conf.broker_transport_options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT


# Anonymising old tickets, deleting old quarantined mail: once a night is the job; a lost night is made good the next.
NIGHTLY = {"retention", "quarantine-purge"}
# Weekly: the QA sample of last week (idempotent per agent and week, so a rerun queues nothing twice).
WEEKLY = {"qa-sampling"}


def test_every_periodic_job_is_a_registered_task_and_runs_every_minute():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks
        if name not in NIGHTLY | WEEKLY:
            assert entry["schedule"] == 60.0  # the reconcile loop: a lost message is made good a minute later
