import datetime as dt

import pytest

from handoff.models import Briefing, HandoffRun, HandoffSettings, NoteRule
from handoff.selectors import bouncing_tickets, cold_tickets, readiness, run_metrics
from handoff.services import (
    briefing_acknowledge,
    briefings_alert_unacknowledged,
    briefings_prepare_due,
    handoff_failover,
    handoff_run,
    note_problem,
    tickets_lacking_note,
)
from regions.services import region_set_status
from tests.factories import CustomerFactory, UserFactory, ticket
from tickets.models import Notification, Ticket
from tickets.services import (
    ticket_move_to_team,
    ticket_reply,
    ticket_set_escalation,
    ticket_set_next_action,
    tickets_hand_over,
)

from .conftest import BOUNDARY

pytestmark = pytest.mark.django_db
BEFORE = BOUNDARY - dt.timedelta(hours=2)


def owned_by(team, *, note="", **kwargs):
    t = ticket(at=BEFORE, **kwargs)
    t = ticket_move_to_team(ticket=t, team=team, actor=None, reason="setup", at=BEFORE)
    if note:
        t = ticket_set_next_action(ticket=t, text=note, actor=None, at=BEFORE + dt.timedelta(minutes=1))
    return t


def test_failover_moves_everything_and_marks_tickets_without_context(sun):
    with_note = owned_by(sun["dub"], note="Check the refund")
    bare = owned_by(sun["dub"])
    now = BOUNDARY - dt.timedelta(hours=1)  # 16:00: Dublin and Mexico City are both on shift
    runs = handoff_failover(region=sun["dub"].region, now=now)
    assert [(r.kind, r.failed_over, r.arriving_team) for r in runs] == [("failover", 2, sun["mex"])]
    assert Ticket.objects.filter(team=sun["mex"]).count() == 2
    assert not Ticket.objects.get(pk=with_note.pk).moved_without_context
    assert Ticket.objects.get(pk=bare.pk).moved_without_context
    # writing a note clears the flag
    t = ticket_set_next_action(ticket=Ticket.objects.get(pk=bare.pk), text="Now known", actor=None)
    assert not t.moved_without_context


def test_region_down_triggers_failover_and_coming_back_moves_nothing_back(
    sun, django_capture_on_commit_callbacks, monkeypatch
):
    owned_by(sun["dub"], note="x")
    calls = []
    monkeypatch.setattr("handoff.tasks.handoff_failover_task.delay", lambda region_id: calls.append(region_id))
    with django_capture_on_commit_callbacks(execute=True):
        region_set_status(region=sun["dub"].region, status="down", reason="Power cut", actor=None)
    assert calls == [sun["dub"].region.pk]
    with django_capture_on_commit_callbacks(execute=True):
        region_set_status(region=sun["dub"].region, status="operational", reason="Power back", actor=None)
    assert calls == [sun["dub"].region.pk]  # nothing moves back


def test_failover_with_no_taker_blocks_and_alerts_admins(sun):
    owned_by(sun["dub"], note="x")
    UserFactory(username="ada", role="admin")
    for code in ("mex", "mnl"):
        region_set_status(region=sun[code].region, status="down", reason="outage", actor=None)
    runs = handoff_failover(region=sun["dub"].region, now=BOUNDARY - dt.timedelta(hours=1))
    assert runs[0].blocked == 1 and runs[0].arriving_team is None
    assert Notification.objects.filter(recipient__username="ada", kind="handoff_blocked").exists()


def test_down_arriving_region_is_skipped_at_a_boundary(sun):
    owned_by(sun["dub"], note="x")
    UserFactory(username="ada", role="admin")
    region_set_status(region=sun["mex"].region, status="down", reason="storm", actor=None)
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    # Manila starts at 23:00, beyond the 60 min overlap: nobody can take the ticket.
    assert (run.arriving_team, run.blocked) == (None, 1)
    assert "no team of the rotation" in run.note
    assert Notification.objects.get(recipient__username="ada").text.endswith(
        "no team of the rotation is on shift in an operational region"
    )


def test_briefing_prepared_within_the_overlap_with_its_lists(sun):
    critical = owned_by(sun["dub"], note="Engineering on it")
    ticket_set_escalation(ticket=critical, critical=True, outage=True, actor=None)
    vip = owned_by(sun["dub"], customer=CustomerFactory(vip=True))
    assert briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=61)) == []
    [briefing] = briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=60))
    assert (briefing.team, briefing.departing_team, briefing.boundary_at) == (sun["mex"], sun["dub"], BOUNDARY)
    content = briefing.content
    assert [r["id"] for r in content["critical"]] == [critical.pk] == [r["id"] for r in content["outage"]]
    assert [r["id"] for r in content["vip"]] == [vip.pk]
    assert [r["id"] for r in content["will_block"]] == [vip.pk] and content["will_block_count"] == 1
    assert briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=30)) == []  # once


def test_acknowledgement_and_alert_when_nobody_acknowledges(sun):
    owned_by(sun["dub"], note="x")
    [briefing] = briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=30))
    UserFactory(username="ada", role="admin")
    assert briefings_alert_unacknowledged(now=BOUNDARY + dt.timedelta(minutes=29)) == 0
    assert briefings_alert_unacknowledged(now=BOUNDARY + dt.timedelta(minutes=30)) == 1
    assert briefings_alert_unacknowledged(now=BOUNDARY + dt.timedelta(minutes=31)) == 0  # once
    assert Notification.objects.get(recipient__username="ada").text.endswith(
        "is not acknowledged by Mexico City T1's lead"
    )

    lead = UserFactory(role="lead")
    briefing = briefing_acknowledge(briefing=briefing, attendees=[lead], standup_held=True, actor=lead)
    assert briefing.acknowledged_by == lead and briefing.standup_held_at is not None
    assert list(Briefing.objects.get().attendees.all()) == [lead]


def test_readiness_lists_what_would_block(sun):
    ready = owned_by(sun["dub"], note="x")
    bare = owned_by(sun["dub"])
    count, rows = readiness(sun["dub"])
    assert count == 1 and [(t.pk, t.problem) for t in rows] == [(bare.pk, "no Next Action")]
    assert ready.pk not in [t.pk for t in rows]


@pytest.mark.parametrize("rule", NoteRule.values)
def test_the_sql_rule_blocks_exactly_what_note_problem_blocks(sun, rule):
    """tickets_lacking_note (dashboard, briefing) and note_problem (the sweep) must never disagree."""
    hour = dt.timedelta(hours=1)
    owned_by(sun["dub"])
    written = owned_by(sun["dub"], note="Call back")
    set_at = written.next_action_set_at
    cases = [(None, None), (set_at + hour, None), (set_at - hour, None), (None, set_at + hour), (None, set_at - hour)]
    for customer_at, handed_at in cases:
        t = owned_by(sun["dub"], note="Refund sent")
        Ticket.objects.filter(pk=t.pk).update(
            next_action_set_at=set_at, last_customer_message_at=customer_at, last_handed_off_at=handed_at
        )
    tickets = Ticket.objects.filter(team=sun["dub"])
    expected = {
        t.pk: why
        for t in tickets
        if (
            why := note_problem(
                rule,
                next_action=t.next_action,
                set_at=t.next_action_set_at,
                last_customer_message_at=t.last_customer_message_at,
                last_handed_off_at=t.last_handed_off_at,
            )
        )
    }
    assert {t.pk: t.problem for t in tickets_lacking_note(tickets, rule)} == expected
    assert len(expected) == {"any": 1, "fresh_customer": 2, "fresh_handoff": 2}[rule]


def test_cold_when_team_off_shift_or_quiet_for_the_configured_time(sun):
    t = owned_by(sun["dub"], note="x")
    tickets = Ticket.objects.all()
    assert list(cold_tickets(tickets, now=BOUNDARY - dt.timedelta(hours=1))) == []  # on shift, active
    assert list(cold_tickets(tickets, now=BOUNDARY + dt.timedelta(hours=1))) == [t]  # Dublin off shift
    HandoffSettings.objects.create(team=sun["dub"], cold_after_hours=1)
    assert list(cold_tickets(tickets, now=BOUNDARY - dt.timedelta(minutes=30))) == [t]  # quiet for 1.5 h


def test_bouncing_after_three_handoffs_without_progress(sun):
    agent = UserFactory(role="agent")
    t = owned_by(sun["dub"], note="x")
    at = BOUNDARY
    for team in ("mex", "mnl", "dub"):
        Ticket.objects.filter(pk=t.pk).update(next_action_set_at=at)
        tickets_hand_over(ticket_ids=[t.pk], team=sun[team], at=at, summary="test")
        at += dt.timedelta(hours=8)
    assert list(bouncing_tickets(Ticket.objects.all())) == [Ticket.objects.get(pk=t.pk)]
    ticket_reply(ticket=Ticket.objects.get(pk=t.pk), body="Progress!", actor=agent)
    assert list(bouncing_tickets(Ticket.objects.all())) == []


def test_metrics_share_blocked_first_touch_and_untouched(sun):
    agent = UserFactory(role="agent")
    touched = owned_by(sun["dub"], note="x")
    untouched = owned_by(sun["dub"], note="y")
    owned_by(sun["dub"])
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    ticket_reply(ticket=touched, body="On it", actor=agent, at=BOUNDARY + dt.timedelta(minutes=12))
    [m] = run_metrics([run], now=BOUNDARY + dt.timedelta(hours=2))
    assert round(m["blocked_share"], 2) == 0.33
    assert m["median_first_touch_minutes"] == 12
    assert m["untouched_after_hour"] == 1  # the untouched one
    assert HandoffRun.objects.get().moved == 2 and untouched.events.filter(kind="handoff").exists()


def test_ticket_page_shows_cold_and_bouncing_badges(client, sun):
    t = owned_by(sun["dub"], note="x")
    Ticket.objects.filter(pk=t.pk).update(handoffs_since_progress=3)
    client.force_login(UserFactory(role="admin"))
    page = client.get(f"/tickets/{t.pk}/").content.decode()
    assert "Bouncing</span>" in page
    Ticket.objects.filter(pk=t.pk).update(handoffs_since_progress=0)
    assert "Bouncing</span>" not in client.get(f"/tickets/{t.pk}/").content.decode()


def test_anonymised_tickets_leave_no_text_in_handoff_records(sun):
    from handoff.models import Handoff
    from tickets.retention import tickets_anonymised

    t = owned_by(sun["dub"], note="Refund card 4111 for Mr X")
    handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    [briefing] = briefings_prepare_due(now=BOUNDARY + dt.timedelta(hours=6, minutes=30))
    assert Handoff.objects.get(ticket=t).next_action_snapshot
    tickets_anonymised.send(sender=Ticket, ticket_ids=[t.pk], reason="erasure")
    assert Handoff.objects.get(ticket=t).next_action_snapshot == ""
    briefing.refresh_from_db()
    subjects = [
        row["subject"]
        for rows in briefing.content.values()
        if isinstance(rows, list)
        for row in rows
        if isinstance(row, dict) and row.get("id") == t.pk
    ]
    assert subjects and set(subjects) == {"[removed]"}
