from celery import shared_task
from django.utils import timezone

from .knowledge import acknowledgement_reminders_send
from .notifications import notifications_deliver_due, notifications_email
from .retention import erasures_run_approved, tickets_anonymise_expired
from .sla import sla_check_due


@shared_task
def sla_check_due_task():
    return sla_check_due(now=timezone.now())


@shared_task
def notifications_deliver_due_task():
    return notifications_deliver_due(now=timezone.now())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notifications_email_task(ids):
    notifications_email(ids=ids, now=timezone.now())


@shared_task
def retention_run_task():
    """Nightly: anonymise solved and closed tickets past retention (batched; safe to run twice)."""
    return tickets_anonymise_expired(now=timezone.now())


@shared_task
def erasures_run_approved_task():
    """Every minute: carry out the erasure requests admins have approved (a done request is left alone)."""
    return erasures_run_approved(now=timezone.now())


@shared_task
def acknowledgement_reminders_send_task():
    """Every minute: remind agents on shift of the articles they still have to acknowledge (at most every 8 h)."""
    return acknowledgement_reminders_send(now=timezone.now())
