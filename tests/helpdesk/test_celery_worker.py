"""A real Celery worker process, a real Redis broker, and the effect seen in PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from helpdesk.models import Heartbeat
from helpdesk.tasks import heartbeat_record_task

ROOT = Path(__file__).resolve().parents[2]


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    """Start `celery -A helpdesk worker` on a queue of its own; yield the queue name."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test", "DATABASE_URL": _database_url()}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool=solo", "-Q", queue]
        + ["--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    output, _ = process.communicate(timeout=30)
    assert "Traceback" not in output, output


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
