from celery import shared_task
from django.utils import timezone

from .services import WebhookRetryableError, webhook_deliver, webhook_deliveries_resend_stale

MAX_RETRIES = 5


# Backoff: countdown 2**retries seconds (1, 2, 4, 8, 16), no jitter; 4xx other than 429 is never retried.
@shared_task(
    bind=True,
    autoretry_for=(WebhookRetryableError,),
    max_retries=MAX_RETRIES,
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=False,
    acks_late=True,
)
def webhook_deliver_task(self, delivery_id):
    # The last allowed attempt settles the delivery as failed instead of raising.
    webhook_deliver(delivery_id=delivery_id, final=self.request.retries >= self.max_retries)


@shared_task
def webhook_deliveries_resend_stale_task():
    return webhook_deliveries_resend_stale(now=timezone.now())
