"""Benchmark at scale: load N tickets (1,000,000 by default) into PostgreSQL, then time the agent's pages, the lead's
dashboard, the API and the API's throughput under gunicorn, and record one table in docs/performance.md.

    .venv/bin/python bench/scale.py [--tickets 1000000] [--database-url postgres://…/meridian_bench] [--keep]

Pages and endpoints are requested in-process through Django's test client (5 warm-up requests, then 50 timed
ones; p50 / p95 / max and the queries of one request). Throughput: gunicorn with 2 workers on loopback, driven for
a fixed time by a load generator of 8 threads with keep-alive connections. `--keep` reuses a database already
loaded by an earlier run with the same --tickets.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DEFAULT_URL, ROOT, record, recreate_database, setup_django  # noqa: E402

WARMUP, REPEAT = 5, 50
PAGE_TARGET_MS, API_TARGET_MS, MAX_QUERIES = 100, 50, 12


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, url, **headers):
    """(p50, p95, max) in ms and the queries of one request, for GET URL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(url, **headers)
            times.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
    return statistics.median(times), percentile(times, 0.95), max(times), queries


def deep_cursor(client, url, pages, **headers):
    """The URL of page PAGES of a cursor-paginated list (following `next`)."""
    for _ in range(pages):
        url = client.get(url, **headers).json()["next"]
    return url


def scenario():
    """[(name, kind, client, url, headers)]: kind is "page" or "api"."""
    from django.test import Client
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    from compliance.models import Role
    from compliance.services import role_grant
    from regions.models import Agent
    from tickets.models import Ticket

    agent = Agent.objects.select_related("user", "team").get(user__username="agent1")
    lead = agent.team.leads.get()
    Ticket.objects.filter(pk__lte=20).update(team=agent.team)  # the 100-event tickets, in the agent's scope
    browser_agent, browser_lead, api = Client(), Client(), Client()
    browser_agent.force_login(agent.user)
    browser_lead.force_login(lead)
    bot, _ = type(agent.user).objects.get_or_create(username="api.bench")
    role_grant(user=bot, role=Role.INTEGRATION)
    token = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=bot)[0].key}"}
    middle = Ticket.objects.order_by("updated_at").values_list("updated_at", "id")[Ticket.objects.count() // 2]
    tickets = "/api/v1/tickets/?view=all&page_size=50"
    depth = min(200, Ticket.objects.count() // 100)  # 10,000 tickets deep at a million
    return [
        ("Queue page, default view", "page", browser_agent, reverse("queue"), {}),
        (
            "Queue page, filtered (team, open, high)",
            "page",
            browser_agent,
            "/queue/?view=team&status=open&priority=high",
            {},
        ),
        ("Ticket page, 100 timeline events", "page", browser_agent, reverse("ticket", args=[1]), {}),
        ("Lead handoff dashboard", "page", browser_lead, reverse("handoff-dashboard"), {}),
        ("Coverage page", "page", browser_lead, reverse("coverage"), {}),
        ("API ticket list, first page of 50", "api", api, tickets, token),
        (
            f"API ticket list, page {depth + 1} ({depth * 50:,} deep)",
            "api",
            api,
            deep_cursor(api, tickets, depth, **token),
            token,
        ),
        ("API ticket list, filtered (open, high)", "api", api, tickets + "&status=open&priority=high", token),
        ("API ticket retrieve", "api", api, f"/api/v1/tickets/{depth * 50 + 7}/", token),
        ("API knowledge search", "search", api, "/api/v1/articles/search/?q=refund+invoice", token),
        ("Knowledge search page", "search", browser_agent, "/knowledge/?q=refund+invoice", {}),
        (
            "API sync, 100 from the middle",
            "api",
            api,
            f"/api/v1/tickets/sync/?limit=100&since_updated_at={middle[0].isoformat().replace('+00:00', 'Z')}"
            f"&since_id={middle[1]}",
            token,
        ),
    ], token


def throughput(database_url, token, seconds=20, threads=8):
    """Requests per second and latency of the API ticket list under gunicorn (2 workers) on loopback."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    port = 8765
    server = subprocess.Popen(  # noqa: S603 - fixed arguments, no input
        [sys.executable, "-m", "gunicorn", "helpdesk.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    path, headers = "/api/v1/tickets/?view=all&page_size=50", {"Authorization": token["HTTP_AUTHORIZATION"]}
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        latencies, errors, stop = [], [], time.monotonic() + seconds

        def drive():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while time.monotonic() < stop:
                started = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                (latencies if response.status == 200 else errors).append((time.perf_counter() - started) * 1000)

        workers = [threading.Thread(target=drive) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return len(latencies) / seconds, statistics.median(latencies), percentile(latencies, 0.95), len(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_URL.replace("meridian_bench", "meridian_scale"))
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL")
    if not args.keep:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from bench.load import load

    lines = []
    if not args.keep:
        counts, seconds = load(tickets=args.tickets, seed=args.seed)
        lines.append(
            f"Data: {counts['tickets']:,} tickets, {counts['events']:,} timeline events, {counts['customers']:,} "
            f"customers, {counts['agents']:,} agents in {counts['teams']} teams of 3 regions, {counts['articles']:,} "
            f"knowledge articles; loaded (COPY, articles through the services) in {seconds / 60:.1f} min."
        )
        print(lines[-1])
    else:
        from tickets.models import Ticket, TicketEvent

        lines.append(
            f"Data: {Ticket.objects.count():,} tickets, {TicketEvent.objects.count():,} timeline events, loaded by an "
            "earlier run (`--keep`)."
        )
    rows, token = scenario()
    table = [
        "| Measure | p50 ms | p95 ms | max ms | queries | target | met |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, kind, client, url, headers in rows:
        p50, p95, worst, queries = measure(client, url, **headers)
        target = API_TARGET_MS if kind == "api" else PAGE_TARGET_MS
        met = p95 < target and queries <= MAX_QUERIES
        table.append(
            f"| {name} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {queries} | p95 < {target} ms, ≤ {MAX_QUERIES} "
            f"queries | {'yes' if met else '**no**'} |"
        )
        print(table[-1])
    rate, p50, p95, errors = throughput(args.database_url, token)
    table.append(
        f"| API ticket list under gunicorn (2 workers, 8 client threads, 20 s): {rate:.0f} requests/s, "
        f"{errors} errors | {p50:.1f} | {p95:.1f} | | | | |"
    )
    print(table[-1])
    if not args.no_record:
        body = "\n".join(lines) + "\n\n" + "\n".join(table) + "\n\nReproduce: `make bench` (PostgreSQL on 127.0.0.1)."
        record("scale.py", f"{args.tickets:,} tickets", body)


if __name__ == "__main__":
    main()
