import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.management.commands.seed_demo import Progress
from helpdesk.simulator.render import html_document, text_comparison, text_report
from helpdesk.simulator.runner import SimulationFailed, simulate
from helpdesk.simulator.scenario import MAX_DAYS, ScenarioError, builtin_names, scenario_load, scenario_read


class Command(BaseCommand):
    help = (
        "Replay synthetic traffic through the real routing, SLA and handoff code on simulated time, in a database "
        "of its own, and report what customers would have experienced (docs/simulator.md)."
    )

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--scenario", help=f"a YAML or JSON file, or a built-in: {', '.join(builtin_names())}")
        what.add_argument("--compare", nargs="+", metavar="SCENARIO", help="run several and print them side by side")
        parser.add_argument("--days", type=int, default=7, help=f"simulated days, 1 to {MAX_DAYS} (default 7)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same report")
        parser.add_argument(
            "--json", type=Path, dest="json_path", metavar="PATH", help="also write the report as JSON to this file"
        )
        parser.add_argument(
            "--html", type=Path, dest="html_path", metavar="PATH", help="also write the report as an HTML page"
        )

    def handle(self, *args, scenario, compare, days, seed, json_path, html_path, **options):
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days: give 1 to {MAX_DAYS}, not {days}")
        if seed < 0:
            raise CommandError(f"--seed: give 0 or more, not {seed}")
        scenarios = []
        for name in compare or [scenario]:
            try:
                scenarios.append(scenario_load(scenario_read(name)))
            except ScenarioError as exc:
                raise CommandError(str(exc) if exc.field == "scenario" else f"scenario {name}: {exc}") from None
        reports = [self._run(s, seed=seed, days=days) for s in scenarios]
        self.stdout.write(text_comparison(reports) if compare else text_report(reports[0]))
        if json_path:
            document = {"scenarios": reports} if compare else reports[0]
            json_path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
            self.stderr.write(f"JSON report: {json_path}")
        if html_path:
            html_path.write_text(html_document(reports))
            self.stderr.write(f"HTML report: {html_path}")

    def _run(self, scenario, *, seed, days):
        bar = Progress(self.stderr, 100)

        def on_progress(pct):
            while bar.done < pct:
                bar.step(scenario["name"])

        started = time.monotonic()
        try:
            report = simulate(scenario, seed=seed, days=days, on_progress=on_progress)
        except SimulationFailed as exc:
            raise CommandError(f"the simulation of {scenario['name']} failed: {exc}") from None
        self.stderr.write(f"{scenario['name']}: {days} simulated days in {time.monotonic() - started:.0f} s")
        return report
