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


def simulate_small(scenario, seed):
    return simulate(scenario, seed=seed, days=DAYS)


@pytest.fixture(scope="session")
def small_run():
    """small_run(name, seed=1): the report of built-in NAME shrunk by small(), run for DAYS (cached)."""
    reports = {}

    def run(name, seed=1):
        if (name, seed) not in reports:
            reports[name, seed] = simulate_small(small(name), seed=seed)
        return reports[name, seed]

    return run
