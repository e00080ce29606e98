"""Scenario files (YAML or JSON): loading, validation with one clear error, and the built-in scenarios.

`scenario_load(text)` returns a plain dict with every default filled in (JSON-serialisable, so it can be stored on a
run and handed to the engine's process). A mistake raises ScenarioError naming the field, e.g.
`teams[1].shifts[0].start: give a time as HH:MM, not '25:00'`.
"""

import datetime as dt
import json
import math
import zoneinfo
from pathlib import Path

import holidays
import yaml

from regions.models import ResidencyZone, residency_zone_for

MAX_DAYS = 90
BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PRIORITIES = ["low", "normal", "high", "urgent"]
DISTRIBUTIONS = ["fixed", "exponential", "lognormal"]
EVENT_KINDS = ["outage", "holiday", "surge"]
# A working day's shape (local hours) when a market gives none: quiet at night, busiest late morning.
DEFAULT_HOURLY = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 2, 1]
DEFAULT_WEEKLY = [1.1, 1.05, 1.0, 1.0, 0.95, 0.5, 0.4]
DEFAULT_SLA = {
    "low": {"first_response_minutes": 1440, "resolution_minutes": 7200},
    "normal": {"first_response_minutes": 480, "resolution_minutes": 2880},
    "high": {"first_response_minutes": 120, "resolution_minutes": 1440},
    "urgent": {"first_response_minutes": 30, "resolution_minutes": 480},
}


class ScenarioError(ValueError):
    """A scenario that cannot run; str() is one line naming the field."""

    def __init__(self, field, message):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


def builtin_names():
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def scenario_read(name_or_path):
    """The text of built-in scenario NAME, or of the file at a path; ScenarioError when there is neither."""
    if name_or_path in builtin_names():
        return (BUILTIN_DIR / f"{name_or_path}.yaml").read_text()
    path = Path(name_or_path)
    if not path.is_file():
        choices = ", ".join(builtin_names())
        raise ScenarioError("scenario", f"{name_or_path!r} is neither a file nor a built-in scenario ({choices})")
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("scenario", f"cannot read {name_or_path}: {exc}") from exc


def scenario_load(text):
    """Parse TEXT (YAML, of which JSON is a subset) and validate it; returns the scenario with its defaults."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        raise ScenarioError("", f"the file is not valid YAML or JSON{line}") from exc
    return _Validator(data).scenario()


def scenario_dumps(scenario):
    return json.dumps(scenario, sort_keys=True)


class _Validator:
    def __init__(self, data):
        if not isinstance(data, dict):
            raise ScenarioError("", "the file must hold a mapping of fields (name, regions, teams, arrivals, ...)")
        self.data = data

    # ---- small typed readers: each raises ScenarioError with the field's path ----------------------------------

    @staticmethod
    def _get(obj, key, path, default=..., kind=None):
        if key not in obj or obj[key] is None:
            if default is ...:
                raise ScenarioError(f"{path}.{key}".lstrip("."), "is required")
            return default
        value = obj[key]
        if kind is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is not bool):
            names = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a mapping"}
            label = names.get(kind, "a number") if not isinstance(kind, tuple) else "a number"
            raise ScenarioError(f"{path}.{key}".lstrip("."), f"give {label}, not {value!r}")
        return value

    def _number(self, obj, key, path, default=..., low=None, high=None):
        value = self._get(obj, key, path, default, (int, float))
        field = f"{path}.{key}".lstrip(".")
        if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ScenarioError(field, f"give a number {bounds}, not {value!r}")
        return value

    def _int(self, obj, key, path, default=..., low=None, high=None):
        value = self._get(obj, key, path, default, int)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise ScenarioError(f"{path}.{key}".lstrip("."), f"give a whole number {bounds}, not {value!r}")
        return value

    def _list(self, obj, key, path, default=...):
        value = self._get(obj, key, path, default, list)
        if default is ... and not value:
            raise ScenarioError(f"{path}.{key}".lstrip("."), "give at least one entry")
        return value

    @staticmethod
    def _mapping(value, field):
        if not isinstance(value, dict):
            raise ScenarioError(field, f"give a mapping of fields, not {value!r}")
        return value

    @staticmethod
    def _unknown(obj, allowed, path):
        extra = sorted(set(obj) - set(allowed))
        if extra:
            field = f"{path}.{extra[0]}".lstrip(".")
            raise ScenarioError(field, f"unknown field (expected one of: {', '.join(sorted(allowed))})")

    def _weights(self, obj, key, path, keys, default):
        """{key: share} with shares >= 0 summing to more than 0, normalised to 1."""
        field = f"{path}.{key}".lstrip(".")
        raw = obj.get(key, default)
        self._mapping(raw, field)
        weights = {}
        for name, share in raw.items():
            name = str(name)
            if keys is not None and name not in keys:
                raise ScenarioError(f"{field}.{name}", f"unknown key (expected one of: {', '.join(keys)})")
            if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0 or not math.isfinite(share):
                raise ScenarioError(f"{field}.{name}", f"give a share of at least 0, not {share!r}")
            weights[name] = share
        total = sum(weights.values())
        if total <= 0:
            raise ScenarioError(field, "the shares must add up to more than 0")
        return {name: share / total for name, share in weights.items()}

    @staticmethod
    def _time(value, field):
        try:
            return dt.time.fromisoformat(str(value)).strftime("%H:%M")
        except ValueError:
            raise ScenarioError(field, f"give a time as HH:MM, not {value!r}") from None

    @staticmethod
    def _zone(value, field):
        if not isinstance(value, str) or value not in zoneinfo.available_timezones():
            raise ScenarioError(field, f"{value!r} is not an IANA time zone name (e.g. Europe/Dublin)")
        return value

    @staticmethod
    def _country(value, field):
        if not isinstance(value, str) or value not in holidays.list_supported_countries():
            raise ScenarioError(field, f"{value!r} is not an ISO 3166 country code (e.g. IE)")
        return value

    def _distribution(self, obj, key, path, default):
        field = f"{path}.{key}"
        raw = {**default, **self._mapping(obj.get(key, {}), field)}
        self._unknown(raw, ["distribution", "mean", "sd"], field)
        if raw["distribution"] not in DISTRIBUTIONS:
            raise ScenarioError(f"{field}.distribution", f"choose one of {', '.join(DISTRIBUTIONS)}")
        return {
            "distribution": raw["distribution"],
            "mean": self._number(raw, "mean", field, low=0.1),
            "sd": self._number(raw, "sd", field, 0, low=0),
        }

    # ---- sections -------------------------------------------------------------------------------------------------

    def scenario(self):
        d = self.data
        self._unknown(
            d,
            [
                "name", "description", "start", "step_minutes", "use_current", "regions", "teams", "rotations",
                "sourcing", "sla", "arrivals", "mix", "agents", "staffing", "events",
            ],
            "",
        )  # fmt: skip
        name = self._get(d, "name", "", kind=str).strip()
        if not name:
            raise ScenarioError("name", "give the scenario a name")
        try:
            start = dt.date.fromisoformat(str(self._get(d, "start", "", "2026-03-02")))
        except ValueError:
            raise ScenarioError("start", f"give a date as YYYY-MM-DD, not {d['start']!r}") from None
        use_current = self._get(d, "use_current", "", False, bool)
        scenario = {
            "name": name,
            "description": str(d.get("description") or ""),
            "start": start.isoformat(),
            "step_minutes": self._int(d, "step_minutes", "", 5, low=1, high=60),
            "use_current": use_current,
        }
        if use_current:
            for key in ("regions", "teams", "rotations", "sourcing", "sla"):
                if key in d:
                    raise ScenarioError(key, "leave it out with use_current: true (the current configuration is used)")
            scenario.update(regions=[], teams=[], rotations=[], sourcing=[], sla=DEFAULT_SLA)
        else:
            scenario["regions"] = self._regions()
            scenario["teams"] = self._teams({r["code"] for r in scenario["regions"]})
            teams = {t["code"]: t for t in scenario["teams"]}
            scenario["rotations"] = self._rotations(teams)
            scenario["sourcing"] = self._sourcing({r["code"] for r in scenario["regions"]})
            scenario["sla"] = self._sla()
        scenario["arrivals"] = self._arrivals()
        scenario["mix"] = self._mix({t["tier"] for t in scenario["teams"]} if not use_current else None)
        scenario["agents"] = self._agents()
        scenario["staffing"] = self._staffing()
        scenario["events"] = self._events(scenario)
        return scenario

    def _regions(self):
        regions, seen = [], set()
        for i, raw in enumerate(self._list(self.data, "regions", "")):
            path = f"regions[{i}]"
            self._mapping(raw, path)
            self._unknown(raw, ["code", "name", "time_zone", "country", "residency_zone"], path)
            code = self._get(raw, "code", path, kind=str)
            if code in seen:
                raise ScenarioError(f"{path}.code", f"{code!r} is used twice")
            seen.add(code)
            country = self._country(self._get(raw, "country", path), f"{path}.country")
            zone = raw.get("residency_zone") or residency_zone_for(country)
            if zone not in ResidencyZone.values:
                raise ScenarioError(f"{path}.residency_zone", f"choose one of {', '.join(ResidencyZone.values)}")
            regions.append(
                {
                    "code": code,
                    "name": str(raw.get("name") or code),
                    "time_zone": self._zone(self._get(raw, "time_zone", path), f"{path}.time_zone"),
                    "country": country,
                    "residency_zone": zone,
                }
            )
        return regions

    def _teams(self, region_codes):
        teams, seen = [], set()
        for i, raw in enumerate(self._list(self.data, "teams", "")):
            path = f"teams[{i}]"
            self._mapping(raw, path)
            self._unknown(
                raw, ["code", "name", "region", "tier", "agents", "languages", "works_public_holidays", "shifts"], path
            )
            code = self._get(raw, "code", path, kind=str)
            if code in seen:
                raise ScenarioError(f"{path}.code", f"{code!r} is used twice")
            seen.add(code)
            region = self._get(raw, "region", path, kind=str)
            if region not in region_codes:
                raise ScenarioError(f"{path}.region", f"{region!r} is not one of the scenario's regions")
            languages = self._list(raw, "languages", path, ["en"])
            if not languages or not all(isinstance(lang, str) and 2 <= len(lang) <= 8 for lang in languages):
                raise ScenarioError(f"{path}.languages", "give a list of ISO 639-1 codes, e.g. [en, es]")
            teams.append(
                {
                    "code": code,
                    "name": str(raw.get("name") or code),
                    "region": region,
                    "tier": self._int(raw, "tier", path, low=1, high=3),
                    "agents": self._int(raw, "agents", path, low=1, high=500),
                    "languages": languages,
                    "works_public_holidays": self._get(raw, "works_public_holidays", path, False, bool),
                    "shifts": self._shifts(raw, path),
                }
            )
        return teams

    def _shifts(self, team, path):
        shifts, days_used = [], set()
        for j, raw in enumerate(self._list(team, "shifts", path)):
            field = f"{path}.shifts[{j}]"
            self._mapping(raw, field)
            self._unknown(raw, ["days", "start", "end"], field)
            days = raw.get("days", "all")
            if isinstance(days, str):
                days = {"all": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekend": WEEKDAYS[5:]}.get(days, days)
            if not isinstance(days, list) or not days or any(day not in WEEKDAYS for day in days):
                raise ScenarioError(f"{field}.days", f"give all, weekdays, weekend or a list of {', '.join(WEEKDAYS)}")
            if days_used & set(days):
                raise ScenarioError(f"{field}.days", "a team has one shift per weekday")
            days_used |= set(days)
            start = self._time(self._get(raw, "start", field), f"{field}.start")
            end = self._time(self._get(raw, "end", field), f"{field}.end")
            shifts.append({"days": [d for d in WEEKDAYS if d in days], "start": start, "end": end})
        return shifts

    def _rotations(self, teams):
        rotations, tiers = [], set()
        for i, raw in enumerate(self._list(self.data, "rotations", "", [])):
            path = f"rotations[{i}]"
            self._mapping(raw, path)
            self._unknown(raw, ["tier", "teams", "overlap_minutes", "around_the_clock"], path)
            tier = self._int(raw, "tier", path, low=1, high=3)
            if tier in tiers:
                raise ScenarioError(f"{path}.tier", f"tier {tier} has one rotation")
            tiers.add(tier)
            codes = self._list(raw, "teams", path)
            for code in codes:
                if code not in teams:
                    raise ScenarioError(f"{path}.teams", f"{code!r} is not one of the scenario's teams")
                if teams[code]["tier"] != tier:
                    raise ScenarioError(f"{path}.teams", f"{code!r} serves tier {teams[code]['tier']}, not {tier}")
            if len(set(codes)) != len(codes):
                raise ScenarioError(f"{path}.teams", "a team appears once in a rotation")
            rotations.append(
                {
                    "tier": tier,
                    "teams": codes,
                    "overlap_minutes": self._int(raw, "overlap_minutes", path, 60, low=0, high=720),
                    "around_the_clock": self._get(raw, "around_the_clock", path, True, bool),
                }
            )
        return rotations

    def _sourcing(self, region_codes):
        sourcing = []
        for i, raw in enumerate(self._list(self.data, "sourcing", "", [])):
            path = f"sourcing[{i}]"
            self._mapping(raw, path)
            self._unknown(raw, ["tier", "regions"], path)
            regions = self._list(raw, "regions", path)
            for code in regions:
                if code not in region_codes:
                    raise ScenarioError(f"{path}.regions", f"{code!r} is not one of the scenario's regions")
            sourcing.append({"tier": self._int(raw, "tier", path, low=1, high=3), "regions": regions})
        return sourcing

    def _sla(self):
        raw = self._mapping(self.data.get("sla", DEFAULT_SLA), "sla")
        sla = {}
        for priority in PRIORITIES:
            targets = self._mapping(raw.get(priority, DEFAULT_SLA[priority]), f"sla.{priority}")
            self._unknown(targets, ["first_response_minutes", "resolution_minutes"], f"sla.{priority}")
            sla[priority] = {
                key: self._int(targets, key, f"sla.{priority}", DEFAULT_SLA[priority][key], low=1)
                for key in ("first_response_minutes", "resolution_minutes")
            }
        self._unknown(raw, PRIORITIES, "sla")
        return sla

    def _arrivals(self):
        raw = self._mapping(self._get(self.data, "arrivals", ""), "arrivals")
        self._unknown(raw, ["tickets_per_day", "markets"], "arrivals")
        markets, seen = [], set()
        for i, market in enumerate(self._list(raw, "markets", "arrivals")):
            path = f"arrivals.markets[{i}]"
            self._mapping(market, path)
            self._unknown(market, ["code", "share", "countries", "time_zone", "hourly", "weekly", "languages"], path)
            code = self._get(market, "code", path, kind=str)
            if code in seen:
                raise ScenarioError(f"{path}.code", f"{code!r} is used twice")
            seen.add(code)
            countries = self._list(market, "countries", path)
            for country in countries:
                self._country(country, f"{path}.countries")
            hourly = self._list(market, "hourly", path, DEFAULT_HOURLY)
            weekly = self._list(market, "weekly", path, DEFAULT_WEEKLY)
            for key, values, size in (("hourly", hourly, 24), ("weekly", weekly, 7)):
                ok = len(values) == size and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in values
                )
                if not ok or not sum(values):
                    raise ScenarioError(f"{path}.{key}", f"give {size} numbers of at least 0, not all 0")
            markets.append(
                {
                    "code": code,
                    "share": self._number(market, "share", path, 1, low=0),
                    "countries": countries,
                    "time_zone": self._zone(self._get(market, "time_zone", path), f"{path}.time_zone"),
                    "hourly": hourly,
                    "weekly": weekly,
                    "languages": self._weights(market, "languages", path, None, {"en": 1}),
                }
            )
        total = sum(m["share"] for m in markets)
        if total <= 0:
            raise ScenarioError("arrivals.markets", "the markets' shares must add up to more than 0")
        for market in markets:
            market["share"] /= total
        return {
            "tickets_per_day": self._number(raw, "tickets_per_day", "arrivals", low=1, high=100000),
            "markets": markets,
        }

    def _mix(self, tiers_with_teams):
        raw = self._mapping(self.data.get("mix", {}), "mix")
        self._unknown(raw, ["tiers", "priorities", "vip_share"], "mix")
        tiers = self._weights(raw, "tiers", "mix", ["1", "2", "3"], {"1": 1})
        if tiers_with_teams is not None:
            for tier, share in tiers.items():
                if share and int(tier) not in tiers_with_teams:
                    raise ScenarioError(f"mix.tiers.{tier}", f"no team of the scenario serves tier {tier}")
        return {
            "tiers": tiers,
            "priorities": self._weights(
                raw, "priorities", "mix", PRIORITIES, {"low": 0.2, "normal": 0.55, "high": 0.2, "urgent": 0.05}
            ),
            "vip_share": self._number(raw, "vip_share", "mix", 0.05, low=0, high=1),
        }

    def _agents(self):
        raw = self._mapping(self.data.get("agents", {}), "agents")
        allowed = ["handle_minutes", "close_per_touch", "next_action_before_shift_end", "customer_reply_minutes"]
        self._unknown(raw, allowed, "agents")
        return {
            "handle_minutes": self._distribution(
                raw, "handle_minutes", "agents", {"distribution": "lognormal", "mean": 12, "sd": 6}
            ),
            "close_per_touch": self._number(raw, "close_per_touch", "agents", 0.6, low=0, high=1),
            "next_action_before_shift_end": self._number(
                raw, "next_action_before_shift_end", "agents", 0.9, low=0, high=1
            ),
            "customer_reply_minutes": self._distribution(
                raw, "customer_reply_minutes", "agents", {"distribution": "exponential", "mean": 240, "sd": 0}
            ),
        }

    def _staffing(self):
        raw = self._mapping(self.data.get("staffing", {}), "staffing")
        self._unknown(raw, ["target_service_level", "answer_seconds", "max_occupancy"], "staffing")
        return {
            "target_service_level": self._number(raw, "target_service_level", "staffing", 0.8, low=0.01, high=0.99),
            "answer_seconds": self._int(raw, "answer_seconds", "staffing", 3600, low=1),
            "max_occupancy": self._number(raw, "max_occupancy", "staffing", 0.85, low=0.1, high=1),
        }

    def _events(self, scenario):
        regions = {r["code"] for r in scenario["regions"]}
        markets = {m["code"] for m in scenario["arrivals"]["markets"]}
        events = []
        for i, raw in enumerate(self._list(self.data, "events", "", [])):
            path = f"events[{i}]"
            self._mapping(raw, path)
            kind = self._get(raw, "kind", path)
            if kind not in EVENT_KINDS:
                raise ScenarioError(f"{path}.kind", f"choose one of {', '.join(EVENT_KINDS)}")
            event = {"kind": kind}
            if kind in ("outage", "holiday"):
                event["region"] = self._get(raw, "region", path, kind=str)
                if regions and event["region"] not in regions:
                    raise ScenarioError(f"{path}.region", f"{event['region']!r} is not one of the scenario's regions")
            if kind == "holiday":
                self._unknown(raw, ["kind", "region", "day", "name"], path)
                event["day"] = self._int(raw, "day", path, low=0)
                event["name"] = str(raw.get("name") or "Simulated holiday")
            else:
                allowed = ["kind", "region", "start_hour", "end_hour"] + (
                    ["market", "factor"] if kind == "surge" else []
                )
                self._unknown(raw, allowed, path)
                event["start_hour"] = self._number(raw, "start_hour", path, low=0)
                event["end_hour"] = self._number(raw, "end_hour", path, low=0)
                if event["end_hour"] <= event["start_hour"]:
                    raise ScenarioError(f"{path}.end_hour", "must be later than start_hour")
            if kind == "surge":
                event["factor"] = self._number(raw, "factor", path, low=0)
                event["market"] = raw.get("market")
                if event["market"] is not None and event["market"] not in markets:
                    raise ScenarioError(f"{path}.market", f"{event['market']!r} is not one of the markets")
            events.append(event)
        return events
