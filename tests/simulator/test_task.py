"""The task behind the page: claims a queued run once, keeps its progress, stores the report or the error."""

import pytest

from helpdesk.models import SimulationRun
from helpdesk.simulator import services
from helpdesk.simulator.runner import SimulationFailed

pytestmark = pytest.mark.django_db


def _queued():
    return SimulationRun.objects.create(
        scenario_name="s", scenario={"name": "s"}, seed=3, days=2, created_at="2026-03-02T00:00Z"
    )


def test_a_run_keeps_its_progress_and_report_and_runs_once(monkeypatch):
    # given a queued run and a simulation that reports progress
    run, calls, seen = _queued(), [], []

    def simulate(scenario, *, seed, days, on_progress):
        calls.append((scenario, seed, days))
        on_progress(40)
        seen.append(SimulationRun.objects.get(pk=run.pk).progress)
        return {"tickets": {"created": 5}}

    monkeypatch.setattr(services, "simulate", simulate)

    # when the task runs twice (a second delivery)
    services.simulation_execute(run_id=run.pk)
    services.simulation_execute(run_id=run.pk)

    # then it ran once, with the run's inputs, showed its progress, and kept the report
    run.refresh_from_db()
    assert calls == [({"name": "s"}, 3, 2)] and seen == [40]
    assert (run.status, run.progress, run.report) == ("finished", 100, {"tickets": {"created": 5}})
    assert run.started_at and run.finished_at


def test_a_failed_run_says_why(monkeypatch):
    run = _queued()

    def simulate(*args, **kwargs):
        raise SimulationFailed("ValueError: the scenario broke")

    monkeypatch.setattr(services, "simulate", simulate)
    services.simulation_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error, run.report) == ("failed", "ValueError: the scenario broke", None)
