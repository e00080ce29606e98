"""Small runs of the built-in scenarios, made once per test session and shared by the tests that read them."""

import pytest
import yaml

from helpdesk.simulator.runner import simulate
from helpdesk.simulator.scenario import scenario_load, scenario_read

DAYS = 3  # the outage starts at hour 31: the night it leaves uncovered is on day 3


def small_text(name, per_day=24, agents=2):
    """Built-in scenario NAME's YAML at PER_DAY tickets a day with AGENTS per team: a few seconds to run."""
    data = yaml.safe_load(scenario_read(name))
    data["arrivals"]["tickets_per_day"] = per_day
    data["step_minutes"] = 10
    for team in data["teams"]:
        team["agents"] = agents
    return yaml.safe_dump(data)


def small(name, **kwargs):
    return scenario_load(small_text(name, **kwargs))


def simulate_in_memory(scenario, seed):
    """simulate() with the child process on an in-memory SQLite database: the engine's behaviour does not depend on
    the database, and this is the quickest (test_command.py covers a run on PostgreSQL)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", "sqlite:///:memory:")
        return simulate(scenario, seed=seed, days=DAYS)


@pytest.fixture(scope="session")
def small_run():
    """small_run(name, seed=1): the report of built-in NAME shrunk by small(), run for DAYS (cached)."""
    reports = {}

    def run(name, seed=1):
        if (name, seed) not in reports:
            reports[name, seed] = simulate_in_memory(small(name), seed=seed)
        return reports[name, seed]

    return run
