"""Erlang C staffing, checked against figures computed independently of regions.staffing.

Three references, none sharing code with the module under test:
- call-center-tools (PyPI, test-only): its own Erlang C and its own search for the agent count;
- the textbook formula A**N / N! ... in exact rational arithmetic (no recursion, no floats);
- two well-known worked examples, re-derived with that exact formula.
"""

import io
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from call_center_tools import calc_staffing
from django.core.management import call_command
from django.core.management.base import CommandError

from regions.staffing import (
    StaffingResult,
    average_speed_of_answer,
    probability_of_waiting,
    required_agents,
    service_level,
    staffing_for,
    traffic_intensity,
)

ROOT = Path(__file__).resolve().parents[2]
HALF_HOUR = 1800


def exact_probability_of_waiting(traffic: Fraction, agents: int) -> Fraction:
    """Erlang C straight from its textbook definition, in fractions so nothing overflows or rounds."""
    term, below = Fraction(1), Fraction(0)  # term is A**k / k!
    for k in range(agents):
        below += term
        term = term * traffic / (k + 1)
    queued = term * agents / (agents - traffic)
    return queued / (below + queued)


# call-center-tools divides by zero when the traffic is a whole number of Erlangs,
# so the volumes are chosen to avoid that.
@pytest.mark.parametrize("volume", [1, 7, 31, 97, 361, 1009, 1999])
@pytest.mark.parametrize(
    ("aht", "target_sl", "answer_time", "max_occupancy"),
    [
        (180, 0.8, 20, 1.0),
        (300, 0.9, 15, 1.0),
        (600, 0.95, 30, 1.0),
        (240, 0.8, 20, 0.85),
        (90, 0.7, 60, 0.9),
    ],
)
def test_required_agents_match_call_center_tools(volume, aht, target_sl, answer_time, max_occupancy):
    # given
    reference = calc_staffing(
        calls_per_hour=volume * 3600 / HALF_HOUR,
        aht=aht,
        max_occupancy=max_occupancy,
        target_answer_time=answer_time,
        target_service_level=target_sl,
    )

    # when
    result = required_agents(
        volume=volume,
        aht=aht,
        interval=HALF_HOUR,
        target_sl=target_sl,
        answer_time=answer_time,
        max_occupancy=max_occupancy,
    )

    # then
    assert result.agents == reference.agents
    assert result.service_level == pytest.approx(reference.service_level, rel=1e-9)
    assert result.average_speed_of_answer == pytest.approx(reference.average_speed_of_answer, rel=1e-9)
    assert result.occupancy == pytest.approx(reference.occupancy, rel=1e-9)
    assert result.traffic == pytest.approx(reference.traffic_intensity, rel=1e-12)


@pytest.mark.parametrize(
    ("traffic", "agents"),
    [
        (Fraction(1, 10), 1),
        (Fraction(10), 14),
        (Fraction(48), 55),
        (Fraction(2000, 3), 693),
        (Fraction(1500), 1540),
    ],
)
def test_probability_of_waiting_matches_exact_formula_even_for_hundreds_of_agents(traffic, agents):
    # given
    expected = float(exact_probability_of_waiting(traffic, agents))

    # when
    waiting = probability_of_waiting(traffic=float(traffic), agents=agents)

    # then
    assert waiting == pytest.approx(expected, rel=1e-9)


def test_worked_example_100_contacts_in_half_an_hour():
    # Scenario of Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example":
    # 100 calls in 30 minutes, AHT 3 minutes, target 80% answered in 20 s. The figures asserted
    # were re-derived with exact_probability_of_waiting: A = 10, Pw(14) = 0.17413, SL = 0.88835,
    # ASA = 7.836 s, and 13 agents reach only SL = 0.79559.
    # given
    example = {"volume": 100, "aht": 180, "interval": HALF_HOUR, "answer_time": 20}

    # when
    result = required_agents(**example, target_sl=0.8)

    # then
    assert result.traffic == 10
    assert result.agents == 14
    assert result.service_level == pytest.approx(0.88835, abs=1e-5)
    assert result.average_speed_of_answer == pytest.approx(7.836, abs=1e-3)
    assert result.occupancy == pytest.approx(10 / 14)
    assert staffing_for(**example, agents=13).service_level == pytest.approx(0.79559, abs=1e-5)


def test_worked_example_360_contacts_on_55_agents():
    # Scenario of Westbay Engineers, "The Erlang-C Formula": 360 calls per half hour, 4-minute calls,
    # 55 agents, answer target 15 s. Re-derived with exact_probability_of_waiting: A = 48,
    # occupancy 0.8727, Pw = 0.23870, ASA = 8.184 s, SL(15 s) = 0.84588.
    # given
    example = {"volume": 360, "aht": 240, "interval": HALF_HOUR, "answer_time": 15}

    # when
    result = staffing_for(**example, agents=55)

    # then
    assert result.traffic == 48
    assert result.occupancy == pytest.approx(0.8727, abs=1e-4)
    assert probability_of_waiting(traffic=48, agents=55) == pytest.approx(0.23870, abs=1e-5)
    assert result.average_speed_of_answer == pytest.approx(8.184, abs=1e-3)
    assert result.service_level == pytest.approx(0.84588, abs=1e-5)


def test_traffic_intensity_is_volume_times_aht_over_interval():
    # given / when
    traffic = traffic_intensity(volume=360, aht=240, interval=HALF_HOUR)

    # then
    assert traffic == 48


@pytest.mark.parametrize("agents", [0, 9, 10])
def test_too_few_agents_never_drain_the_queue(agents):
    # given
    traffic = 10.0

    # when / then
    assert probability_of_waiting(traffic=traffic, agents=agents) == 1.0
    assert service_level(traffic=traffic, agents=agents, aht=180, answer_time=20) == 0.0
    assert average_speed_of_answer(traffic=traffic, agents=agents, aht=180) == math.inf


def test_max_occupancy_forces_more_agents():
    # given: 48 Erlangs reach 80/15 with 55 agents, at 87% occupancy
    example = {"volume": 360, "aht": 240, "interval": HALF_HOUR, "target_sl": 0.8, "answer_time": 15}
    assert required_agents(**example).agents == 55

    # when
    capped = required_agents(**example, max_occupancy=0.8)

    # then: 48 / 60 is exactly 0.8, 48 / 59 is above it
    assert capped.agents == 60
    assert capped.occupancy == 0.8
    assert capped.service_level > 0.8


def test_no_contacts_need_no_agents():
    # given / when
    result = required_agents(volume=0, aht=180, interval=HALF_HOUR, target_sl=0.8, answer_time=20)

    # then
    assert result == StaffingResult(
        agents=0, service_level=1.0, average_speed_of_answer=0.0, occupancy=0.0, traffic=0.0
    )


def test_a_single_contact_still_needs_an_agent():
    # given / when
    result = required_agents(volume=1, aht=60, interval=HALF_HOUR, target_sl=0.8, answer_time=20)

    # then
    assert result.agents == 1


VALID = {"volume": 100, "aht": 180, "interval": HALF_HOUR, "target_sl": 0.8, "answer_time": 20}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("volume", -1),
        ("volume", math.nan),
        ("volume", math.inf),
        ("aht", 0),
        ("aht", -180),
        ("interval", 0),
        ("interval", -1800),
        ("target_sl", 0),
        ("target_sl", 1),
        ("target_sl", 1.2),
        ("answer_time", -1),
        ("max_occupancy", 0),
        ("max_occupancy", 1.01),
    ],
)
def test_bad_input_is_rejected_naming_the_parameter(name, value):
    # given
    arguments = {**VALID, name: value}

    # when / then
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        required_agents(**arguments)


def _argv(**options):
    """Command-line arguments from keywords: target_sl=0.8 gives --target-sl 0.8."""
    return [arg for name, value in options.items() for arg in (f"--{name.replace('_', '-')}", str(value))]


def _staffing_command(argv):
    out = io.StringIO()
    call_command("staffing", *argv, stdout=out)
    return out.getvalue()


def test_command_prints_agents_service_level_and_asa():
    # given
    argv = _argv(volume=100, aht=180, interval=1800, target_sl=0.8, answer_time=20)

    # when
    out = _staffing_command(argv)

    # then
    assert out == "required_agents: 14\nservice_level: 0.8884\naverage_speed_of_answer: 7.8\n"


def test_command_applies_max_occupancy():
    # given
    argv = _argv(volume=360, aht=240, interval=1800, target_sl=0.8, answer_time=15, max_occupancy=0.8)

    # when
    out = _staffing_command(argv)

    # then
    assert out.splitlines()[0] == "required_agents: 60"


@pytest.mark.parametrize(
    ("volume", "message"),
    [("-5", "volume must be a finite number >= 0, got -5.0"), ("lots", "invalid float value: 'lots'")],
)
def test_command_rejects_bad_input_in_one_line(volume, message):
    # given
    argv = _argv(volume=volume, aht=180, interval=1800, target_sl=0.8, answer_time=20)

    # when
    with pytest.raises(CommandError) as raised:
        _staffing_command(argv)

    # then
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("volume", ["-5", "lots"])
def test_command_line_reports_bad_input_on_one_stderr_line(volume):
    # given
    argv = _argv(volume=volume, aht=180, interval=1800, target_sl=0.8, answer_time=20)

    # when
    done = subprocess.run(
        [sys.executable, "manage.py", "staffing", *argv],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "volume" in done.stderr
