from celery import shared_task

from .services import heartbeat_record


@shared_task
def heartbeat_record_task(name="scheduler"):
    heartbeat_record(name=name)
