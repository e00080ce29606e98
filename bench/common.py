"""What the benchmarks share: a fresh PostgreSQL database, Django on it, the record in docs/performance.md."""

import datetime as dt
import os
import platform
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/meridian_bench"


def recreate_database(url):
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


# As docs/deployment.md sets up production: a shared Redis cache (throttles, sessions) of its own database.
BENCH_CACHE_URL = "redis://127.0.0.1:6379/9"


def setup_django(url, *, migrate=True):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("CACHE_URL", BENCH_CACHE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def machine():
    from django.db import connection

    if connection.vendor == "sqlite":
        database = f"SQLite {connection.Database.sqlite_version}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    return (
        f"Measured {dt.date.today():%Y-%m-%d} on this machine ({os.cpu_count()} cores, {platform.machine()}), "
        f"{database}, Python {sys.version.split()[0]}."
    )


def record(script, title, body):
    """Put BODY (markdown) under TITLE in docs/performance.md, replacing what SCRIPT recorded before."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n\nFigures measured by the scripts in `bench/`.\n"
    start, end = f"<!-- bench/{script} -->", f"<!-- /bench/{script} -->"
    block = f"{start}\n## {title} (`bench/{script}`)\n\n{machine()}\n\n{body.strip()}\n{end}"
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
