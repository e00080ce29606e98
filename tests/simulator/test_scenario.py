"""Scenario files: the built-ins load, and each kind of mistake is refused with one line naming the field."""

import pytest
import yaml

from helpdesk.simulator.runner import current_configuration
from helpdesk.simulator.scenario import ScenarioError, builtin_names, scenario_load, scenario_read
from tests.factories import AgentFactory, RegionFactory, TeamFactory, shift_pattern

from .conftest import small_text


def test_the_three_builtins_load_with_their_designs():
    # given the built-in scenarios
    assert builtin_names() == ["follow-the-sun", "follow-the-sun-outage", "three-silos"]
    silos, warm, outage = (
        scenario_load(scenario_read(n)) for n in ("three-silos", "follow-the-sun", "follow-the-sun-outage")
    )

    # then they share teams and traffic, and differ only by the rotation and the outage
    assert silos["teams"] == warm["teams"] == outage["teams"]
    assert silos["arrivals"] == warm["arrivals"]
    assert silos["rotations"] == [] and warm["rotations"][0]["teams"] == ["t1-mnl", "t1-dub", "t1-mex"]
    assert outage["events"] == [{"kind": "outage", "region": "mnl", "start_hour": 31, "end_hour": 55}]
    assert abs(sum(m["share"] for m in warm["arrivals"]["markets"]) - 1) < 1e-9


def test_defaults_are_filled_in():
    scenario = scenario_load(
        """
        name: minimal
        regions: [{code: dub, time_zone: Europe/Dublin, country: IE}]
        teams: [{code: t1, region: dub, tier: 1, agents: 3, shifts: [{start: "08:00", end: "16:00"}]}]
        arrivals: {tickets_per_day: 10, markets: [{code: eu, countries: [IE], time_zone: Europe/Dublin}]}
        """
    )
    assert scenario["regions"][0]["residency_zone"] == "EU"
    assert scenario["teams"][0]["shifts"][0]["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert scenario["agents"]["close_per_touch"] == 0.6
    assert scenario["mix"]["tiers"] == {"1": 1.0}
    assert scenario["sla"]["urgent"] == {"first_response_minutes": 30, "resolution_minutes": 480}


def _broken(path, value):
    """The small follow-the-sun scenario with the field at PATH (a list of keys and indexes) set to VALUE."""
    data = yaml.safe_load(small_text("follow-the-sun"))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["name"], KeyError, "name: is required"),
        (["teams", 1, "tier"], 7, "teams[1].tier: give a whole number from 1 to 3, not 7"),
        (["teams", 0, "shifts", 0, "start"], "25:00", "teams[0].shifts[0].start: give a time as HH:MM, not '25:00'"),
        (["teams", 2, "region"], "bos", "teams[2].region: 'bos' is not one of the scenario's regions"),
        (["regions", 0, "time_zone"], "Mars/Olympus", "regions[0].time_zone: 'Mars/Olympus' is not an IANA"),
        (["rotations", 0, "teams"], ["t1-mnl", "t9"], "rotations[0].teams: 't9' is not one of the scenario's teams"),
        (["arrivals", "markets", 0, "hourly"], [1, 2, 3], "arrivals.markets[0].hourly: give 24 numbers"),
        (["arrivals", "tickets_per_day"], "many", "arrivals.tickets_per_day: give a number, not 'many'"),
        (["mix", "priorities"], {"critical": 1}, "mix.priorities.critical: unknown key"),
        (["mix", "tiers"], {"2": 1}, "mix.tiers.2: no team of the scenario serves tier 2"),
        (["agents", "close_per_touch"], 1.5, "agents.close_per_touch: give a number between 0 and 1, not 1.5"),
        (["agents", "handle_minutes"], {"distribution": "gamma"}, "agents.handle_minutes.distribution: choose one"),
        (["events"], [{"kind": "meteor"}], "events[0].kind: choose one of outage, holiday, surge"),
        (["events"], [{"kind": "outage", "region": "mnl", "start_hour": 5, "end_hour": 2}], "events[0].end_hour"),
        (["colour"], "blue", "colour: unknown field"),
    ],
)
def test_a_mistake_names_its_field(path, value, message):
    with pytest.raises(ScenarioError) as error:
        scenario_load(_broken(path, value))
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("text", ["name: [unclosed", "- just\n- a list", ""])
def test_text_that_is_not_a_scenario_is_refused(text):
    with pytest.raises(ScenarioError):
        scenario_load(text)


def test_an_unknown_name_says_what_exists():
    with pytest.raises(ScenarioError, match="neither a file nor a built-in scenario .*three-silos"):
        scenario_read("four-silos")


def test_use_current_cannot_be_mixed_with_a_configuration():
    data = yaml.safe_load(small_text("follow-the-sun"))
    data["use_current"] = True
    with pytest.raises(ScenarioError, match="^regions: leave it out with use_current"):
        scenario_load(yaml.safe_dump(data))


@pytest.mark.django_db
def test_use_current_reads_the_configuration_of_this_database():
    # given one team of two agents working 09-17 in Dublin
    team = TeamFactory(code="t1-dub", region=RegionFactory(), tier=1)
    shift_pattern(team, "09:00-17:00", weekdays=range(5))
    AgentFactory.create_batch(2, team=team)

    # when the current configuration is read into scenario sections
    current = current_configuration()

    # then it has the region, the team with its size and weekday shifts, and is a valid scenario once completed
    assert [r["code"] for r in current["regions"]] == ["dub"]
    (copied,) = current["teams"]
    assert (copied["code"], copied["agents"], copied["tier"]) == ("t1-dub", 2, 1)
    assert [s["days"] for s in copied["shifts"]] == [["mon"], ["tue"], ["wed"], ["thu"], ["fri"]]
    assert copied["shifts"][0]["start"] == "09:00"
    data = {**yaml.safe_load(small_text("follow-the-sun")), **current}
    data.pop("rotations")
    assert scenario_load(yaml.safe_dump(data))["teams"][0]["code"] == "t1-dub"
