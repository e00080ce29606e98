"""Every curl example in docs/api.md and docs/webhooks.md runs, as written, against a live server.

Each ```sh block with a curl in it runs in bash with MERIDIAN (the server), TOKEN and ADMIN_TOKEN (an admin's
token) and TICKET (a closed ticket) set. A curl whose next line is a comment starting with a status ("# 409 ...")
must get that status; any other curl must get a 2xx.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import CustomerFactory, UserFactory, ticket
from tickets.services import ticket_set_status

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["docs/api.md", "docs/webhooks.md"]
# Prints each answer's status on a line of its own after the body.
PRELUDE = "set -euo pipefail\ncurl() { command curl --silent --show-error -w '\\n@@status %{http_code}\\n' \"$@\"; }\n"


def examples():
    found = []
    for doc in DOCS:
        blocks = [b for b in re.findall(r"```sh\n(.*?)```", (ROOT / doc).read_text(), re.S) if "curl " in b]
        found += [pytest.param(block, id=f"{doc}#{number}") for number, block in enumerate(blocks, 1)]
    return found


def expected_statuses(block):
    """One entry per curl whose answer is not piped on: the status its comment names, or None for any 2xx."""
    lines = block.replace("\\\n", " ").splitlines()
    expected = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("curl ") and "|" not in line:
            comment = re.match(r"#\s*(\d{3})\b", lines[i + 1].strip()) if i + 1 < len(lines) else None
            expected.append(int(comment.group(1)) if comment else None)
    return expected


def test_the_docs_have_examples():
    assert len(examples()) >= 8


@pytest.mark.parametrize("block", examples())
def test_shell_example_runs(block, live_server, transactional_db):
    # given an admin's token and a closed ticket
    admin = UserFactory(username="integration-crm", role="admin")
    token = Token.objects.create(user=admin).key
    closed = ticket(customer=CustomerFactory(email="ana@example.org"))
    ticket_set_status(ticket=closed, status="solved", actor=admin)
    ticket_set_status(ticket=closed, status="closed", actor=admin)
    env = {
        **os.environ,
        "MERIDIAN": live_server.url,
        "TOKEN": token,
        "ADMIN_TOKEN": token,
        "TICKET": str(closed.pk),
    }

    # when the example runs as written
    result = subprocess.run(["bash", "-c", PRELUDE + block], env=env, capture_output=True, text=True, timeout=60)

    # then it succeeds, and each answer has the status the docs say
    assert result.returncode == 0, result.stderr + result.stdout
    statuses = [int(s) for s in re.findall(r"^@@status (\d{3})$", result.stdout, re.M)]
    expected = expected_statuses(block)
    assert len(statuses) == len(expected), result.stdout
    for got, want in zip(statuses, expected, strict=True):
        assert got == want if want else 200 <= got < 300, result.stdout
