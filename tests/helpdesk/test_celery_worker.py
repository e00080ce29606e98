"""A real Celery worker process, a real Redis broker, and the effect seen in PostgreSQL."""

import time

import pytest

from helpdesk.models import Heartbeat
from helpdesk.tasks import heartbeat_record_task
from tests.workers import worker_start, worker_stop


@pytest.fixture
def worker_queue():
    """Start `celery -A helpdesk worker` on a queue of its own; yield the queue name."""
    process, queue = worker_start()
    yield queue
    worker_stop(process)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_runs_task_and_writes_to_database(worker_queue):
    heartbeat_record_task.apply_async(kwargs={"name": "integration"}, queue=worker_queue)

    deadline = time.monotonic() + 60
    while not Heartbeat.objects.filter(name="integration").exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
        time.sleep(0.2)
    assert Heartbeat.objects.get(name="integration").seen_at is not None
