"""Start a simulation in a child process (helpdesk.simulator.child) and collect its progress and report.

The caller's process and its database connection stay untouched: the child works in a database of its own.
"""

import json
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

from django.utils import timezone

from regions.models import AgentLanguage, Region, RotationStep, SourcingRule, Team
from tickets.models import SlaPolicy

from .scenario import WEEKDAYS, scenario_load

ROOT = Path(__file__).resolve().parents[2]


class SimulationFailed(RuntimeError):
    """The child process failed; str() is its last line of error output."""


def simulate(scenario, *, seed, days, on_progress=None):
    """Run SCENARIO (validated, see scenario.scenario_load) for DAYS with SEED; returns the report."""
    if scenario["use_current"]:
        # Validated again with the configuration in place: the checks between sections (tiers, regions) run too.
        scenario = scenario_load(json.dumps({**scenario, **current_configuration(), "use_current": False}))
    with tempfile.TemporaryDirectory(prefix="meridian-sim-") as folder:
        output = Path(folder) / "report.json"
        spec = {"scenario": scenario, "seed": seed, "days": days, "output": str(output)}
        child = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.simulator.child"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        last = deque(maxlen=20)
        try:
            child.stdin.write(json.dumps(spec))
            child.stdin.close()
            for line in child.stderr:
                if line.startswith("progress "):
                    if on_progress:
                        on_progress(int(line.split()[1]))
                elif line.strip():
                    last.append(line.strip())
        except BaseException:
            child.kill()  # the caller gave up (e.g. the task's time limit): the child must not run on
            raise
        if child.wait() != 0 or not output.exists():
            raise SimulationFailed(last[-1] if last else f"the simulation process ended with code {child.returncode}")
        return json.loads(output.read_text())


def current_configuration():
    """The scenario sections regions, teams, rotations, sourcing and sla as configured in this database now."""
    today = timezone.now().date()
    teams = []
    for team in Team.objects.select_related("region").prefetch_related("shift_patterns__days", "members"):
        pattern = next((p for p in team.shift_patterns.all() if p.applies_on(today)), None)
        if pattern is None or not team.members.all():
            continue  # a team with no current shifts or nobody in it takes no tickets
        languages = AgentLanguage.objects.filter(agent__team=team).values_list("language", flat=True).distinct()
        teams.append(
            {
                "code": team.code,
                "name": team.name,
                "region": team.region.code,
                "tier": team.tier,
                "agents": len(team.members.all()),
                "languages": sorted(languages) or ["en"],
                "works_public_holidays": pattern.works_public_holidays,
                "shifts": [
                    {"days": [WEEKDAYS[d.weekday]], "start": f"{d.start:%H:%M}", "end": f"{d.end:%H:%M}"}
                    for d in pattern.days.all()
                ],
            }
        )
    codes = {t["code"] for t in teams}
    rotations = {}
    for step in RotationStep.objects.select_related("rotation", "team").order_by("rotation__tier", "position"):
        if step.team.code in codes:
            rotation = rotations.setdefault(
                step.rotation.tier,
                {
                    "tier": step.rotation.tier,
                    "teams": [],
                    "overlap_minutes": step.rotation.min_overlap_minutes,
                    "around_the_clock": step.rotation.around_the_clock,
                },
            )
            rotation["teams"].append(step.team.code)
    sourcing = {}
    for rule in SourcingRule.objects.select_related("region").order_by("tier", "preference"):
        sourcing.setdefault(rule.tier, {"tier": rule.tier, "regions": []})["regions"].append(rule.region.code)
    sla = {
        p.priority: {"first_response_minutes": p.first_response_minutes, "resolution_minutes": p.resolution_minutes}
        for p in SlaPolicy.objects.filter(vip=False)
    }
    return {
        "regions": [
            {
                "code": r.code,
                "name": r.name,
                "time_zone": r.time_zone,
                "country": r.country,
                "residency_zone": r.residency_zone,
            }
            for r in Region.objects.all()
        ],
        "teams": teams,
        "rotations": list(rotations.values()),
        "sourcing": list(sourcing.values()),
        "sla": sla,
    }
