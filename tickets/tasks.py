from celery import shared_task
from django.utils import timezone

from .channels.email_out import acknowledgement_send, reply_email_failed, reply_email_send
from .channels.imap import mailboxes_fetch
from .channels.retention import quarantine_purge
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


# ---- Channels (tickets/channels/) -----------------------------------------------------------------------------------

# SMTP refusals and timeouts are OSErrors (smtplib.SMTPException included): they can pass, so retry with backoff.
EMAIL_RETRIES = 5


@shared_task(bind=True, max_retries=EMAIL_RETRIES)
def reply_email_send_task(self, event_id):
    """Email an agent's public reply; after the last failed retry the timeline says it did not go out."""
    try:
        reply_email_send(event_id=event_id, now=timezone.now())
    except OSError as exc:
        if self.request.retries >= self.max_retries:
            reply_email_failed(
                event_id=event_id, error=type(exc).__name__, attempts=self.request.retries + 1, now=timezone.now()
            )
            return
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=EMAIL_RETRIES)
def acknowledgement_send_task(ticket_id):
    acknowledgement_send(ticket_id=ticket_id, now=timezone.now())


@shared_task
def mailboxes_fetch_task():
    """Every minute: read the enabled IMAP mailboxes (nothing to do while none is enabled)."""
    return mailboxes_fetch()


@shared_task
def quarantine_purge_task():
    """Nightly: delete quarantined mail past its 30 days (personal data no ticket holds)."""
    return quarantine_purge()
