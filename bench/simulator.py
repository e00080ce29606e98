"""Benchmark: the follow-the-sun simulator at 2,000 tickets a day for 30 days (docs/simulator.md, Performance).

    .venv/bin/python bench/simulator.py [--days 30] [--scenario bench/simulator-2000.yaml]

Runs the scenario as `manage.py simulate` does (a child process with an in-memory database of its own), prints the
wall time at every tenth of the run, the tickets, the time per ticket and the child's peak memory, and records them
in docs/performance.md.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, record, setup_django  # noqa: E402

TARGET_SECONDS = 600  # the target for 30 days at 2,000 tickets a day on 2 cores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scenario", default=str(ROOT / "bench" / "simulator-2000.yaml"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    setup_django("sqlite:///:memory:", migrate=False)  # this process only waits; the child has its own database

    from helpdesk.simulator.runner import simulate
    from helpdesk.simulator.scenario import scenario_load, scenario_read

    scenario = scenario_load(scenario_read(args.scenario))
    started = time.monotonic()
    marks = {}

    def on_progress(pct):
        if pct and pct % 10 == 0 and pct not in marks:
            marks[pct] = time.monotonic() - started
            print(f"{pct:3d} %  {marks[pct]:7.1f} s", flush=True)

    report = simulate(scenario, seed=args.seed, days=args.days, on_progress=on_progress)
    seconds = time.monotonic() - started
    tickets = report["tickets"]["created"]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = "met" if args.days >= 30 and seconds < TARGET_SECONDS else "not met"
    lines = [
        f"scenario: {scenario['name']} ({Path(args.scenario).name}), {args.days} days, seed {args.seed}, "
        "database: in-memory SQLite",
        f"tickets created: {tickets:,}; solved by the end: {report['tickets']['solved']:,}",
        f"wall time: {seconds:.0f} s ({seconds / 60:.1f} min), {1000 * seconds / tickets:.1f} ms per ticket "
        f"(every reply, status, Next Action, handoff and SLA check included)",
        f"peak memory of the simulation process: {peak_mb:.0f} MB",
        "elapsed at each tenth of the simulated time: "
        + ", ".join(f"{pct} % {marks[pct]:.0f} s" for pct in sorted(marks)),
        f"target: 30 days in under {TARGET_SECONDS // 60} minutes on 2 cores: {verdict}",
    ]
    print("\n".join(lines))
    if not args.no_record:
        record("simulator.py", "The follow-the-sun simulator", "\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    main()
