"""Small runs through the real services: deterministic per seed, and the designs differ the way they should."""

import json

import yaml

from helpdesk.simulator.scenario import scenario_load

from .conftest import simulate_small, small, small_text


def test_the_same_seed_gives_the_same_report_and_another_seed_another(small_run):
    # given the same scenario run twice with seed 1 (the cache is bypassed for the second run)
    first = small_run("follow-the-sun", seed=1)
    again = simulate_small(small("follow-the-sun"), seed=1)

    # then the reports are identical, byte for byte, and seed 2 gives another
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert small_run("follow-the-sun", seed=2) != first


def test_the_run_went_through_the_services(small_run):
    report = small_run("follow-the-sun")

    # tickets were created, routed, answered and solved; SLA clocks ran; handoffs happened at the boundaries
    assert 40 <= report["tickets"]["created"] <= 110  # 24 a day for 3 days, Poisson
    assert report["tickets"]["unrouted"] == 0
    assert report["tickets"]["solved"] > report["tickets"]["created"] / 2
    assert report["first_response_minutes"]["count"] > 0
    assert set(report["sla"]["by_priority"]) <= {"urgent", "high", "normal", "low"}
    assert report["handoffs"]["shift_runs"] >= 5 and report["handoffs"]["moved"] > 0
    assert len(report["occupancy"]["hours"]) == 24
    assert all(h["erlang_c_agents"] >= 0 for h in report["occupancy"]["hours"])
    # nothing left the process: the reply emails and surveys were held back and counted
    assert report["outbound_held_back"]["tickets.tasks.reply_email_send_task"] > 0


def test_follow_the_sun_leaves_fewer_cold_queue_hours_than_three_silos(small_run):
    silos, warm = small_run("three-silos"), small_run("follow-the-sun")

    # the same tickets arrive in both (same seed), but only the rotation moves them on at shift end
    assert silos["tickets"]["created"] == warm["tickets"]["created"]
    assert silos["handoffs"]["moved"] == 0 and warm["handoffs"]["moved"] > 0
    assert warm["cold_queue"]["hours_total"] < silos["cold_queue"]["hours_total"]
    assert warm["cold_queue"]["per_ticket_p95_hours"] < silos["cold_queue"]["per_ticket_p95_hours"]
    assert warm["cold_queue"]["tickets_cold"] < silos["cold_queue"]["tickets_cold"]


def test_the_outage_fails_tickets_over_and_costs_cold_hours(small_run):
    warm, outage = small_run("follow-the-sun"), small_run("follow-the-sun-outage")

    # Manila goes down at hour 31 (Dublin on shift): its open tickets fail over, and the night it leaves
    # uncovered (no team from Mexico City's end at 00:00 to Dublin's start at 07:00 UTC) is cold-queue time
    assert outage["handoffs"]["failover_runs"] == 1
    assert outage["handoffs"]["failed_over"] > 0
    assert warm["handoffs"]["failed_over"] == 0
    assert outage["cold_queue"]["hours_total"] > warm["cold_queue"]["hours_total"]


def test_a_surge_and_a_holiday_change_the_run(small_run):
    # given follow-the-sun with traffic tripled throughout and Manila (not working holidays) off on day 1
    data = yaml.safe_load(small_text("follow-the-sun"))
    data["events"] = [
        {"kind": "surge", "start_hour": 0, "end_hour": 72, "factor": 3},
        {"kind": "holiday", "region": "mnl", "day": 1, "name": "Simulated holiday"},
    ]
    data["teams"][0]["works_public_holidays"] = False
    baseline = small_run("follow-the-sun")

    # when it runs
    report = simulate_small(scenario_load(yaml.safe_dump(data)), seed=1)

    # then about three times the tickets arrive, and the uncovered holiday shift adds cold-queue time
    assert 2 * baseline["tickets"]["created"] < report["tickets"]["created"] < 4 * baseline["tickets"]["created"]
    assert report["cold_queue"]["by_team"]["t1-mex"] > baseline["cold_queue"]["by_team"].get("t1-mex", 0)
