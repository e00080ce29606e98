from celery import shared_task

from .services import heartbeat_record
from .simulator.services import simulation_execute


@shared_task
def heartbeat_record_task(name="scheduler"):
    heartbeat_record(name=name)


# Longer than other tasks may run (settings.CELERY_TASK_TIME_LIMIT): a month at 2,000 tickets a day takes a while. It is
# acknowledged on receipt, so the broker's visibility timeout never redelivers it, and the run is claimed only once.
@shared_task(time_limit=4 * 60 * 60, soft_time_limit=4 * 60 * 60 - 60)
def simulation_run_task(run_id):
    simulation_execute(run_id=run_id)
