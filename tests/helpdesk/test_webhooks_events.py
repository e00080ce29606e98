"""The lower apps' announcements reach webhooks: SLA breaches and handoff runs, after commit."""

import datetime as dt
import json

import pytest

from handoff.services import handoff_run
from helpdesk.webhooks import tasks
from helpdesk.webhooks.services import webhook_subscription_create
from regions.models import Rotation
from tests.factories import AgentFactory, RegionFactory, TeamFactory, shift_pattern, ticket
from tests.handoff.conftest import BOUNDARY, sun  # noqa: F401  (the handoff tests' rotation fixture)
from tests.helpdesk.test_webhooks import Receiver
from tickets.models import SlaPolicy
from tickets.services import ticket_move_to_team
from tickets.sla import sla_check_due

pytestmark = pytest.mark.django_db


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda pk: tasks.webhook_deliver_task.apply(args=[pk]))
    server = Receiver()
    yield server
    server.close()


def test_sla_breach_is_sent_once(receiver, django_capture_on_commit_callbacks):
    # given a ticket on an around-the-clock team with a 4 h first-response target
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=240, next_response_minutes=60, resolution_minutes=1440
    )
    team = TeamFactory(code="t1-dub", region=RegionFactory(code="dub"), tier=1)
    shift_pattern(team, "00:00-00:00", works_public_holidays=True)
    Rotation.objects.create(tier=1, around_the_clock=True)
    t = ticket(at=utc(2026, 3, 2, 8))
    webhook_subscription_create(url=receiver.url, events=["sla.breached"], actor=None)

    # when the check runs after the target has passed, twice
    with django_capture_on_commit_callbacks(execute=True):
        sla_check_due(now=utc(2026, 3, 2, 13))
    with django_capture_on_commit_callbacks(execute=True):
        sla_check_due(now=utc(2026, 3, 2, 14))

    # then one sla.breached event naming the ticket and the target
    assert receiver.events() == ["sla.breached"]
    data = json.loads(receiver.requests[0]["body"])["data"]
    assert data["target"] == "first_response"
    assert data["ticket"]["id"] == t.id
    assert data["ticket"]["team"] == "t1-dub"


def test_finished_handoff_run_is_sent(receiver, django_capture_on_commit_callbacks):
    # given a business-hours team (no rotation): its run finishes with nothing to hand off
    team = TeamFactory(code="t3-dub", tier=3)
    shift_pattern(team, "09:00-17:00")
    webhook_subscription_create(url=receiver.url, events=["handoff.completed", "handoff.blocked"], actor=None)

    with django_capture_on_commit_callbacks(execute=True):
        run = handoff_run(team=team, boundary_at=utc(2026, 3, 2, 17), now=utc(2026, 3, 2, 17, 1))

    # then handoff.completed (and no handoff.blocked: nothing was blocked)
    assert run.finished_at is not None
    assert receiver.events() == ["handoff.completed"]
    data = json.loads(receiver.requests[0]["body"])["data"]["run"]
    assert data["id"] == run.id
    assert data["team"] == "t3-dub"
    assert data["blocked"] == 0


def test_blocked_handoff_is_sent_with_completed(receiver, sun, django_capture_on_commit_callbacks):  # noqa: F811
    # given a Dublin ticket without a Next Action at Dublin's shift end
    AgentFactory(team=sun["dub"])
    before = BOUNDARY - dt.timedelta(hours=2)
    t = ticket_move_to_team(ticket=ticket(at=before), team=sun["dub"], actor=None, reason="setup", at=before)
    webhook_subscription_create(url=receiver.url, events=["handoff.blocked", "handoff.completed"], actor=None)

    # when the handoff runs and commits
    with django_capture_on_commit_callbacks(execute=True):
        run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)

    # then both events went out, counting the blocked ticket
    assert run.blocked == 1
    assert sorted(receiver.events()) == ["handoff.blocked", "handoff.completed"]
    for request in receiver.requests:
        data = json.loads(request["body"])["data"]["run"]
        assert (data["team"], data["arriving_team"], data["blocked"]) == ("t1-dub", "t1-mex", 1)
    assert t.team_id == sun["dub"].id
