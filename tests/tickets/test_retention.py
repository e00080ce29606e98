"""Retention (nightly anonymisation past each zone's days) and GDPR erasure (approved by a second admin)."""

import datetime as dt
import io

import pytest
import time_machine
from celery.schedules import crontab
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from compliance.audit import audit_record
from compliance.models import (
    Anonymisation,
    AuditAction,
    AuditEntry,
    ErasureRequest,
    ErasureStatus,
    RetentionPolicy,
)
from compliance.services import erasure_approve, erasure_reject, erasure_request, retention_days
from tests.factories import AgentFactory, CustomerFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.models import Notification, Status, Ticket, TicketEvent
from tickets.retention import (
    ERASURE_BODY,
    RETENTION_BODY,
    customer_erase,
    erasures_run_approved,
    tickets_anonymise_expired,
)
from tickets.services import (
    ticket_assign,
    ticket_customer_message,
    ticket_reply,
    ticket_set_next_action,
    ticket_set_status,
)
from tickets.tasks import erasures_run_approved_task, retention_run_task

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 6, 1, 2, 30, tzinfo=dt.UTC)


def days_ago(days, now=NOW):
    return now - dt.timedelta(days=days)


@pytest.fixture
def team():
    team = TeamFactory(code="t1-ret", tier=1)
    shift_pattern(team, "00:00-00:00")
    return team


@pytest.fixture
def agent(team):
    return AgentFactory(team=team, user=UserFactory(username="agent-ret", role="agent")).user


@pytest.fixture
def admin():
    return UserFactory(username="root", role="admin")


@pytest.fixture
def other_admin():
    return UserFactory(username="dpo", role="admin")


def customer_in(country, **kwargs):
    kwargs.setdefault("name", "Ann Example")
    kwargs.setdefault("phone", "+353 1 234 5678")
    kwargs.setdefault("address", "1 Main Street, Dublin")
    kwargs.setdefault("account_id", "ACC-123456")
    kwargs.setdefault("payment_card", "4111111111111111")
    return CustomerFactory(country=country, **kwargs)


def worked_ticket(customer, agent, admin, *, solved_days_ago=None, closed_days_ago=None, opened_days_ago=None):
    """A ticket with messages, a Next Action and a notification, then solved (or closed) that many days ago."""
    start = days_ago(max(d for d in (solved_days_ago, closed_days_ago, opened_days_ago, 0) if d is not None) + 2)
    t = ticket(customer=customer, subject="Refund for Ann", body="Hi, I am Ann and I was charged twice.", at=start)
    t = ticket_assign(ticket=t, assignee=agent, actor=admin, at=start)
    t = ticket_reply(ticket=t, body="Hi Ann, refund on its way.", actor=agent, at=start + dt.timedelta(hours=1))
    t = ticket_reply(ticket=t, body="Ann sounded upset", actor=agent, internal=True, at=start + dt.timedelta(hours=2))
    t = ticket_set_next_action(ticket=t, text="Call Ann back", actor=agent, at=start + dt.timedelta(hours=3))
    if solved_days_ago is not None:
        t = ticket_set_status(ticket=t, status="solved", actor=agent, at=days_ago(solved_days_ago), reason="Ann ok")
    if closed_days_ago is not None:
        t = ticket_set_status(ticket=t, status="closed", actor=agent, at=days_ago(closed_days_ago))
    return t


def texts_of(t):
    """Everything people wrote on ticket T, as one string."""
    t.refresh_from_db()
    parts = [t.subject, t.next_action]
    parts += [f"{e.body} {e.summary} {e.data}" for e in t.events.all()]
    parts += list(Notification.objects.filter(ticket=t).values_list("text", flat=True))
    return "\n".join(parts)


def snapshot(t):
    """What anonymisation must keep: counts, statuses, timestamps, SLA fields, team, tier."""
    t.refresh_from_db()
    return {
        "status": t.status,
        "tier": t.tier,
        "team": t.team_id,
        "assignee": t.assignee_id,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "solved_at": t.solved_at,
        "first_response_at": t.first_response_at,
        "last_customer_message_at": t.last_customer_message_at,
        "sla": (t.sla_state, t.sla_due_at, t.sla_target, t.sla_flags),
        "events": sorted(t.events.values_list("kind", "created_at", "actor_id")),
        "notifications": Notification.objects.filter(ticket=t).count(),
    }


# ---- Retention ----------------------------------------------------------------------------------------------------


def test_retention_days_default_per_zone_and_admin_policy_wins():
    assert (retention_days("EU"), retention_days("AMER"), retention_days("APAC")) == (365, 730, 730)
    RetentionPolicy.objects.create(residency_zone="EU", days=30)
    assert retention_days("EU") == 30


def test_only_solved_and_closed_tickets_past_retention_are_anonymised(team, agent, admin):
    # given an EU customer's tickets: solved 400 and 300 days ago, closed unsolved 400 days ago, open for 1000 days
    customer = customer_in("IE")
    old = worked_ticket(customer, agent, admin, solved_days_ago=400)
    recent = worked_ticket(customer, agent, admin, solved_days_ago=300)
    closed = worked_ticket(customer, agent, admin, closed_days_ago=400)
    still_open = worked_ticket(customer, agent, admin, opened_days_ago=1000)
    kept = {t.pk: snapshot(t) for t in (old, recent, closed, still_open)}
    # when the retention job runs
    counts = tickets_anonymise_expired(now=NOW)
    # then the two past retention are anonymised and keep their counts, statuses, timestamps and SLA fields
    assert counts["tickets"] == 2 and counts["customers"] == 0
    for t in (old, closed):
        assert snapshot(t) == kept[t.pk]
        t.refresh_from_db()
        assert (t.subject, t.next_action) == ("[removed]", "")
        assert "Ann" not in texts_of(t)
        bodies = set(t.events.filter(kind__in=["customer_message", "reply", "note"]).values_list("body", flat=True))
        assert bodies == {RETENTION_BODY}
    old.refresh_from_db()
    assert old.events.get(kind="status", data__to="solved").summary == "Open → Solved"
    # and the others are untouched
    for t in (recent, still_open):
        assert snapshot(t) == kept[t.pk]
        assert "Call Ann back" in texts_of(t) and "I am Ann" in texts_of(t)


def test_retention_follows_each_zones_days(team, agent, admin):
    # given tickets solved 400 and 800 days ago in the EU, AMER and APAC, and an EU policy of 30 days
    RetentionPolicy.objects.create(residency_zone="EU", days=30)
    eu = worked_ticket(customer_in("IE"), agent, admin, solved_days_ago=40)
    amer_400 = worked_ticket(customer_in("US"), agent, admin, solved_days_ago=400)
    amer_800 = worked_ticket(customer_in("US"), agent, admin, solved_days_ago=800)
    apac_400 = worked_ticket(customer_in("AU"), agent, admin, solved_days_ago=400)
    apac_800 = worked_ticket(customer_in("AU"), agent, admin, solved_days_ago=800)
    # when the job runs
    counts = tickets_anonymise_expired(now=NOW)
    # then each ticket is judged by its customer's zone
    removed = set(Ticket.objects.filter(subject="[removed]").values_list("pk", flat=True))
    assert removed == {eu.pk, amer_800.pk, apac_800.pk}
    assert {amer_400.pk, apac_400.pk}.isdisjoint(removed)
    assert counts["tickets"] == 3
    entry = AuditEntry.objects.get(action=AuditAction.RETENTION)
    assert entry.details["zones"] == {"EU": 1, "AMER": 1, "APAC": 1}


def test_customer_is_anonymised_only_when_all_their_tickets_are_past_retention(team, agent, admin):
    # given a customer with one ticket past retention and one not, and one whose only ticket is past it
    both = customer_in("IE", email="both@example.org")
    worked_ticket(both, agent, admin, solved_days_ago=400)
    younger = worked_ticket(both, agent, admin, solved_days_ago=100)
    alone = customer_in("IE", email="alone@example.org")
    worked_ticket(alone, agent, admin, solved_days_ago=400)
    # when the job runs
    counts = tickets_anonymise_expired(now=NOW)
    # then only the customer with nothing left is anonymised
    both.refresh_from_db()
    alone.refresh_from_db()
    assert (both.name, both.email, both.payment_card) == ("Ann Example", "both@example.org", "4111111111111111")
    assert counts["customers"] == 1
    assert (alone.name, alone.email) == (f"Anonymised customer {alone.pk}", f"anonymised-{alone.pk}@invalid")
    assert (alone.phone, alone.address, alone.account_id, alone.payment_card) == ("", "", "", "")
    assert alone.country == "IE"  # the zone and metrics by country stay
    # when the last ticket passes retention a year later
    later = NOW + dt.timedelta(days=300)
    assert tickets_anonymise_expired(now=later)["customers"] == 1
    # then the customer goes too
    both.refresh_from_db()
    younger.refresh_from_db()
    assert younger.subject == "[removed]" and both.email == f"anonymised-{both.pk}@invalid"


def test_customer_with_an_open_ticket_is_kept(team, agent, admin):
    customer = customer_in("IE", email="open@example.org")
    worked_ticket(customer, agent, admin, solved_days_ago=800)
    worked_ticket(customer, agent, admin, opened_days_ago=800)
    tickets_anonymise_expired(now=NOW)
    customer.refresh_from_db()
    assert customer.email == "open@example.org"


def test_retention_is_idempotent_and_audited_with_counts_only(team, agent, admin):
    # given two old tickets of one customer
    customer = customer_in("IE", email="ann@example.org")
    first = worked_ticket(customer, agent, admin, solved_days_ago=400)
    worked_ticket(customer, agent, admin, closed_days_ago=500)
    # when the job runs in batches of one, then again
    counts = tickets_anonymise_expired(now=NOW, batch_size=1)
    events_after_first = list(TicketEvent.objects.order_by("pk").values_list("pk", "body", "summary", "data"))
    again = tickets_anonymise_expired(now=NOW, batch_size=1)
    # then the second run changes nothing and writes no audit entry
    assert counts["tickets"] == 2 and counts["customers"] == 1 and counts["events"] > 0
    assert again == {"tickets": 0, "customers": 0, "events": 0, "notifications": 0}
    assert list(TicketEvent.objects.order_by("pk").values_list("pk", "body", "summary", "data")) == events_after_first
    assert Anonymisation.objects.filter(object_type="tickets.ticket").count() == 2
    # and each batch is one audit entry with counts and ids, never the customer's name or email
    entries = list(AuditEntry.objects.filter(action=AuditAction.RETENTION).order_by("pk"))
    assert len(entries) == 2
    assert entries[0].details["tickets"] == 1 and entries[0].details["first_ticket"] == first.pk
    assert sum(e.details["customers"] for e in entries) == 1
    for entry in AuditEntry.objects.all():
        assert "ann@example.org" not in f"{entry.summary} {entry.details}"
        assert "Ann Example" not in f"{entry.summary} {entry.details}"


def test_a_reopened_ticket_is_anonymised_again_once_past_retention(team, agent, admin):
    # given a ticket anonymised by retention
    t = worked_ticket(customer_in("IE"), agent, admin, solved_days_ago=400)
    tickets_anonymise_expired(now=NOW)
    # when the customer writes again, which reopens it, and the job runs the next night
    ticket_customer_message(ticket=t, body="It broke again, Ann here", at=NOW + dt.timedelta(hours=1))
    assert tickets_anonymise_expired(now=NOW + dt.timedelta(days=1))["tickets"] == 0
    # then the new message stays while the ticket is open; solved and past retention again, it goes
    ticket_set_status(ticket=t, status="solved", actor=agent, at=NOW + dt.timedelta(days=2))
    assert tickets_anonymise_expired(now=NOW + dt.timedelta(days=400))["tickets"] == 1
    assert "Ann" not in texts_of(t)


def test_retention_command_and_nightly_task(team, agent, admin, settings):
    t = worked_ticket(customer_in("IE"), agent, admin, solved_days_ago=400)
    out = io.StringIO()
    call_command("retention_run", "--now", NOW.isoformat(), stdout=out)
    assert out.getvalue().startswith("Anonymised 1 tickets")
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("retention_run", "--now", "yesterday")
    # the beat entry runs the task nightly at 02:30 UTC; the task acts at the current time
    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry["task"] == "tickets.tasks.retention_run_task"
    assert entry["schedule"] == crontab(hour=2, minute=30)
    assert settings.CELERY_TIMEZONE == "UTC"
    other = worked_ticket(customer_in("IE"), agent, admin, solved_days_ago=10)
    with time_machine.travel(NOW + dt.timedelta(days=400), tick=False):
        assert retention_run_task()["tickets"] == 1
    other.refresh_from_db()
    assert other.subject == "[removed]"
    t.refresh_from_db()
    assert t.status == Status.SOLVED


# ---- Erasure ------------------------------------------------------------------------------------------------------


def test_erasure_request_needs_a_reason_and_an_admin_or_lead(admin, agent):
    with pytest.raises(PermissionDenied):
        erasure_request(customer_id=1, reason="asked by email", actor=agent)
    with pytest.raises(ValidationError, match="Say why"):
        erasure_request(customer_id=1, reason="  ", actor=admin)
    request = erasure_request(customer_id=1, reason="asked by email", actor=admin)
    assert (request.status, request.requested_by) == (ErasureStatus.REQUESTED, admin)
    with pytest.raises(ValidationError, match="already has an open erasure request"):
        erasure_request(customer_id=1, reason="again", actor=admin)


def test_approval_must_come_from_another_admin(admin, other_admin):
    lead = UserFactory(username="lead", role="lead")
    request = erasure_request(customer_id=7, reason="GDPR art. 17 request of 1 May", actor=admin)
    with pytest.raises(ValidationError, match="Another admin"):
        erasure_approve(request=request, actor=admin)
    with pytest.raises(PermissionDenied):
        erasure_approve(request=request, actor=lead)
    request = erasure_approve(request=request, actor=other_admin)
    assert (request.status, request.approved_by) == (ErasureStatus.APPROVED, other_admin)
    assert request.approved_at is not None
    with pytest.raises(ValidationError, match="approved, not requested"):
        erasure_reject(request=request, actor=other_admin)


def test_erasure_is_not_carried_out_before_approval(team, agent, admin, other_admin):
    customer = customer_in("IE")
    t = worked_ticket(customer, agent, admin, opened_days_ago=1)
    request = erasure_request(customer_id=customer.pk, reason="asked by email", actor=admin)
    with pytest.raises(ValidationError, match="an admin must approve it first"):
        customer_erase(erasure_request=request, now=NOW)
    erasure_reject(request=request, actor=other_admin)
    with pytest.raises(ValidationError, match="rejected"):
        customer_erase(erasure_request=request, now=NOW)
    assert "Call Ann back" in texts_of(t)


def test_erasure_anonymises_everything_of_the_customer_reports_and_is_idempotent(team, agent, admin, other_admin):
    # given a customer with an open ticket and an old solved one, and an old audit entry quoting their email
    customer = customer_in("US", email="ann@example.org")
    other = worked_ticket(customer_in("US", email="bob@example.org", name="Bob"), agent, admin, opened_days_ago=1)
    open_ticket = worked_ticket(customer, agent, admin, opened_days_ago=1)
    solved = worked_ticket(customer, agent, admin, solved_days_ago=3)
    audit_record(action=AuditAction.EXPORT, summary="Exported ann@example.org (written before the ids-only rule)")
    kept = {t.pk: snapshot(t) for t in (open_ticket, solved)}
    other_text = texts_of(other)
    request = erasure_request(customer_id=customer.pk, reason="asked by email", actor=admin)
    erasure_approve(request=request, actor=other_admin)
    # when the erasure is carried out
    outcome = customer_erase(erasure_request=request, actor=None, now=NOW)
    # then every ticket of the customer, open or solved, keeps its facts and loses what was written
    assert outcome.changed
    for t in (open_ticket, solved):
        assert snapshot(t) == kept[t.pk]
        assert "Ann" not in texts_of(t)
        bodies = set(t.events.filter(kind__in=["customer_message", "reply", "note"]).values_list("body", flat=True))
        assert bodies == {ERASURE_BODY}
    customer.refresh_from_db()
    assert (customer.name, customer.email) == (
        f"Anonymised customer {customer.pk}",
        f"anonymised-{customer.pk}@invalid",
    )
    assert (customer.phone, customer.address, customer.account_id, customer.payment_card) == ("", "", "", "")
    # and nobody else's
    assert texts_of(other) == other_text
    # and the request is done with a report of what changed (counts and field names only)
    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE and request.done_at == NOW
    report = request.report
    assert report["tickets"] == 2
    # per ticket: customer message, reply, note, Next Action and the reason of "New → Open (first reply)";
    # and the solved one's "Open → Solved (Ann ok)"
    assert report["events"] == 2 * 5 + 1
    assert report["customer_fields"] == ["name", "email", "phone", "address", "account_id", "payment_card"]
    assert report["audit"]["entries_mentioning_email"] == 1
    assert "append-only" in report["audit"]["note"]
    # and request, approval and erasure are audited by id, never by email or name
    erasures = AuditEntry.objects.filter(action=AuditAction.ERASURE).order_by("pk")
    assert [e.summary for e in erasures] == [
        f"Erasure #{request.pk} of customer {customer.pk} requested",
        f"Erasure #{request.pk} of customer {customer.pk} approved",
        f"Erasure #{request.pk} of customer {customer.pk} carried out",
    ]
    assert erasures.last().details["report"]["tickets"] == 2
    for entry in AuditEntry.objects.exclude(action=AuditAction.EXPORT):
        assert "ann@example.org" not in f"{entry.summary} {entry.details}"
        assert "Ann" not in f"{entry.summary} {entry.details}"
    # when it is run again, nothing changes and it says so
    entries, events = AuditEntry.objects.count(), list(TicketEvent.objects.values_list("pk", "body", "summary"))
    again = customer_erase(erasure_request=request, now=NOW + dt.timedelta(days=1))
    assert not again.changed
    assert again.request.report == report and again.request.done_at == NOW
    assert AuditEntry.objects.count() == entries
    assert list(TicketEvent.objects.values_list("pk", "body", "summary")) == events


def test_erasure_after_retention_counts_only_what_it_changed(team, agent, admin, other_admin):
    # given a customer with one ticket anonymised by retention and one still kept
    customer = customer_in("IE")
    worked_ticket(customer, agent, admin, solved_days_ago=400)
    worked_ticket(customer, agent, admin, solved_days_ago=100)
    assert tickets_anonymise_expired(now=NOW)["tickets"] == 1
    request = erasure_request(customer_id=customer.pk, reason="asked by email", actor=admin)
    erasure_approve(request=request, actor=other_admin)
    # when the erasure runs
    report = customer_erase(erasure_request=request, now=NOW).request.report
    # then both tickets are covered, but only the kept one's 6 written events had anything left to change
    assert (report["tickets"], report["events"]) == (2, 6)
    assert set(TicketEvent.objects.filter(kind="customer_message").values_list("body", flat=True)) == {
        RETENTION_BODY,
        ERASURE_BODY,
    }
    assert report["customer_fields"] == ["name", "email", "phone", "address", "account_id", "payment_card"]


def test_hourly_task_carries_out_approved_erasures(admin, other_admin):
    customer = customer_in("IE")
    approved = erasure_request(customer_id=customer.pk, reason="asked by email", actor=admin)
    erasure_approve(request=approved, actor=other_admin)
    waiting = erasure_request(customer_id=customer.pk + 1000, reason="asked by phone", actor=admin)
    assert erasures_run_approved_task() == [approved.pk]
    assert erasures_run_approved(now=NOW) == []
    waiting.refresh_from_db()
    assert waiting.status == ErasureStatus.REQUESTED


@pytest.mark.django_db(transaction=True)
def test_erasure_run_command_exit_codes(capsys, admin, other_admin):
    customer = customer_in("IE")
    request = erasure_request(customer_id=customer.pk, reason="asked by email", actor=admin)

    def run(*args):
        with pytest.raises(SystemExit) as exit_:
            execute_from_command_line(["manage.py", "erasure_run", *args])
        return exit_.value.code

    def run_ok(*args):
        execute_from_command_line(["manage.py", "erasure_run", *args])
        return capsys.readouterr().out

    # not approved: a one-line error and a non-zero exit, nothing done
    assert run(str(request.pk)) != 0
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert f"Erasure #{request.pk} is requested: an admin must approve it first." in err
    assert run("999999") != 0
    assert "no erasure request #999999" in capsys.readouterr().err
    # approved: carried out; a second run says nothing changed
    erasure_approve(request=request, actor=other_admin)
    assert run_ok(str(request.pk)).startswith(f"Erasure #{request.pk} done: 0 tickets")
    assert "nothing changed" in run_ok(str(request.pk))
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.DONE


def test_admin_requests_and_approves_through_the_services(client, admin, other_admin):
    customer = customer_in("IE")
    # an admin asks for an erasure in the Django admin
    client.force_login(admin)
    response = client.post(
        "/admin/compliance/erasurerequest/add/", {"customer_id": customer.pk, "reason": "asked by email"}
    )
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert (request.requested_by, request.status) == (admin, ErasureStatus.REQUESTED)
    # their own approval is refused
    changelist = "/admin/compliance/erasurerequest/"
    client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert request.status == ErasureStatus.REQUESTED
    # another admin approves
    client.force_login(other_admin)
    client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert (request.status, request.approved_by) == (ErasureStatus.APPROVED, other_admin)


def test_retention_policy_changes_in_the_admin_are_audited(client, admin):
    client.force_login(admin)
    response = client.post("/admin/compliance/retentionpolicy/add/", {"residency_zone": "EU", "days": "180"})
    assert response.status_code == 302
    assert retention_days("EU") == 180
    entry = AuditEntry.objects.get(action=AuditAction.POLICY_CHANGE, object_type="compliance.retentionpolicy")
    assert entry.details == {"after": {"residency_zone": "EU", "days": 180}}
