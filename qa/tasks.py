from celery import shared_task
from django.utils import timezone

from .sampling import samples_run
from .surveys import survey_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def survey_send_task(ticket_id):
    """Create the solved ticket's survey and email it; safe to run twice (one survey, one email per ticket)."""
    survey_send(ticket_id=ticket_id, now=timezone.now())


@shared_task
def samples_run_task():
    """Weekly (Monday 00:30 UTC): queue last week's sample of solved tickets for review."""
    return samples_run(now=timezone.now())
