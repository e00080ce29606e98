"""`manage.py simulate`: reports in three forms, a one-line error and exit code 1 on bad input, and the
database it is configured with left exactly as it was."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection

from regions.models import Region, Team
from tests.factories import RegionFactory, TeamFactory, ticket
from tickets.models import Ticket, TicketEvent

from .conftest import small_text

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", "simulate", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--scenario", "four-silos"], "CommandError: scenario: 'four-silos' is neither a file nor a built-in"),
        (["--scenario", "three-silos", "--days", "0"], "CommandError: --days: give 1 to 90, not 0"),
        (["--scenario", "{bad}"], "CommandError: scenario {bad}: teams[0].tier: give a whole number from 1 to 3"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_1(tmp_path, args, error):
    # given a scenario file with a tier that does not exist
    data = yaml.safe_load(small_text("three-silos"))
    data["teams"][0]["tier"] = 7
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    args = [str(bad) if a == "{bad}" else a for a in args]

    # when the command runs, then it exits 1 with exactly one line on stderr, naming the field
    result = _manage(*args, env={"DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(error.replace("{bad}", str(bad)))


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _snapshot():
    return (
        list(Region.objects.order_by("pk").values_list("pk", "code", "status")),
        list(Team.objects.order_by("pk").values_list("pk", "code")),
        list(Ticket.objects.order_by("pk").values_list("pk", "team_id", "status", "updated_at")),
        TicketEvent.objects.count(),
    )


def _simulation_databases():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{connection.settings_dict['NAME']}_sim_%"]
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_writes_its_reports_and_leaves_the_configured_database_alone(tmp_path, monkeypatch):
    # given a configured database with a region of the same code as the scenario's, a team and a ticket (committed)
    RegionFactory(code="dub", name="Dublin (production)")
    TeamFactory(code="t1-dub")
    ticket()
    before = _snapshot()
    scenario = tmp_path / "small.yaml"
    scenario.write_text(small_text("follow-the-sun", per_day=30))
    monkeypatch.setenv("DATABASE_URL", _database_url())  # the child process is configured with this database

    # when a simulation runs with every output
    call_command(
        "simulate", "--scenario", str(scenario), "--days", "1", "--json", str(tmp_path / "r.json"),
        "--html", str(tmp_path / "r.html"),
    )  # fmt: skip

    # then the configured database is exactly as it was, and no database was made on the server (the run was in
    # memory)
    assert _snapshot() == before
    assert _simulation_databases() == []
    # and the reports are there: JSON with the figures, HTML with charts and no script
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["scenario"]["name"] == "follow-the-sun" and report["tickets"]["created"] > 0
    html = (tmp_path / "r.html").read_text()
    assert "<svg" in html and "Cold queue" in html and "<script" not in html
