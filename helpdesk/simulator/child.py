"""The simulation's own process: `python -m helpdesk.simulator.child`, fed a JSON spec on stdin by runner.simulate.

It creates `<database>_sim_<pid>` on PostgreSQL (an in-memory database on SQLite), migrates it, runs the scenario,
writes the report to the spec's output file and drops the database. Progress goes to stderr as `progress <percent>`.
"""

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import django

django.setup()

from django.db import connection  # noqa: E402  (after setup)
from django.test.utils import override_settings  # noqa: E402

from .engine import Engine  # noqa: E402
from .report import report_build  # noqa: E402

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "simulation"}}


@contextmanager
def simulation_database():
    """Point this process's default connection at a new, migrated database; drop it afterwards."""
    postgres = connection.vendor == "postgresql"
    test = connection.settings_dict["TEST"]
    test["NAME"] = f"{connection.settings_dict['NAME']}_sim_{os.getpid()}" if postgres else None
    # Tables straight from the models, as Django's test runner does with MIGRATE False: seconds instead of a
    # replay of every migration. Only what migrations add besides tables is missing (the audit log's trigger,
    # knowledge search indexes), none of which a simulation uses.
    test["MIGRATE"] = False
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if postgres:
            with connection.cursor() as cursor:
                # A throwaway database needs no durability: commits stop waiting for the disk.
                cursor.execute("SET synchronous_commit TO OFF")
        yield
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


def main():
    spec = json.loads(sys.stdin.read())
    # A cache of its own too: the installation's shared cache (CACHE_URL) holds the real configuration.
    with override_settings(CACHES=LOCAL_CACHE), simulation_database():
        engine = Engine(
            spec["scenario"],
            seed=spec["seed"],
            days=spec["days"],
            progress=lambda pct: print(f"progress {pct}", file=sys.stderr, flush=True),
        ).run()
        report = report_build(engine)
    Path(spec["output"]).write_text(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
