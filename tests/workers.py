"""A real `celery -A helpdesk worker` for tests about tasks: on a queue of its own, against the test database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def worker_start(prefix="test", queue=None):
    """(process, queue): a solo worker consuming QUEUE only (default: a new queue named PREFIX-<random>); its
    output is kept."""
    db = connection.settings_dict
    queue = queue or f"{prefix}-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h"]
        + ["--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, queue


def worker_stop(process, timeout=60):
    """Stop the worker and fail if it logged a traceback."""
    process.terminate()
    output, _ = process.communicate(timeout=timeout)
    assert "Traceback" not in output, output
