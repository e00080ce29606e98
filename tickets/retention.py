"""Retention and erasure of ticket data, applying compliance's decisions (days per residency zone, approved erasures).

Anonymising keeps every row, count, status, timestamp, SLA field, team, tier and metric; it replaces what people
wrote and who the customer is. What was anonymised is recorded in compliance.Anonymisation, which is how a second
run knows to leave it alone. Copies held by apps above tickets (handoff snapshots, briefings, surveys) are theirs to
clear: they listen to `tickets_anonymised` and `customers_anonymised`, sent inside the same transaction.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.dispatch import Signal

from compliance.audit import audit_record
from compliance.models import Anonymisation, AnonymisationReason, AuditAction, ErasureRequest, ErasureStatus
from compliance.services import anonymisations_record, audit_mentions_count, erasure_complete, retention_days
from regions.models import ResidencyZone, residency_zone_for

from .models import Customer, EventKind, Notification, SideConversation, Status, Ticket, TicketEvent

RETENTION_BODY = "[removed under retention policy]"
ERASURE_BODY = "[removed at the customer's request]"
REMOVED_BODIES = [RETENTION_BODY, ERASURE_BODY]
REMOVED_SUBJECT = "[removed]"
REMOVED_NEXT_ACTION = "Next Action (removed)"
REMOVED_NOTICE = ": details removed"

TICKET = Ticket._meta.label_lower
CUSTOMER = Customer._meta.label_lower
# The customer's personal fields, in the order reports list them; country, language and time zone stay for metrics.
CUSTOMER_FIELDS = ["name", "email", "phone", "address", "account_id", "payment_card"]

# Sent inside the anonymising transaction with ticket_ids / customer_ids and reason ("retention" or "erasure").
tickets_anonymised = Signal()
customers_anonymised = Signal()


def _anonymised(object_type):
    """Rows of OBJECT_TYPE anonymised since they last changed (a ticket reopened afterwards counts as not)."""
    done = Anonymisation.objects.filter(object_type=object_type, object_id=OuterRef("pk"))
    if object_type == TICKET:
        done = done.filter(at__gte=OuterRef("updated_at"))
    return Exists(done)


def _anonymise_tickets(ids, *, body, reason, now):
    """Replace what was written on tickets IDS; returns (events changed, notifications changed)."""
    if not ids:
        return 0, 0
    Ticket.objects.filter(pk__in=ids).update(subject=REMOVED_SUBJECT, next_action="", next_action_due_at=None)
    events = TicketEvent.objects.filter(ticket_id__in=ids)
    changed = (
        events.filter(kind=EventKind.CUSTOMER_MESSAGE)
        .exclude(body__in=REMOVED_BODIES, summary="")
        .update(body=body, summary="", data={})
    )
    changed += (
        events.filter(kind__in=[EventKind.REPLY, EventKind.NOTE]).exclude(body__in=REMOVED_BODIES).update(body=body)
    )
    changed += (
        events.filter(kind=EventKind.NEXT_ACTION)
        .exclude(summary__in=[REMOVED_NEXT_ACTION, "Next Action cleared"])
        .update(summary=REMOVED_NEXT_ACTION, data={})
    )
    # A status change's reason is free text: keep "Solved → Closed", drop the "(...)" after it.
    reasoned = list(events.filter(kind=EventKind.STATUS, summary__contains=" (").only("pk", "summary"))
    for event in reasoned:
        event.summary = event.summary.split(" (", 1)[0]
    TicketEvent.objects.bulk_update(reasoned, ["summary"], batch_size=500)
    changed += len(reasoned)
    # Side conversations: their subjects, messages and resolutions are free text too.
    SideConversation.objects.filter(ticket_id__in=ids).update(subject=REMOVED_SUBJECT, resolution="")
    side = list(events.filter(kind=EventKind.SIDE_CONVERSATION).exclude(body__in=REMOVED_BODIES).only("pk", "data"))
    for event in side:
        event.body, event.data = body, {**event.data, "subject": REMOVED_SUBJECT}
    TicketEvent.objects.bulk_update(side, ["body", "data"], batch_size=500)
    changed += len(side)
    # Notification texts quote the subject and the customer's name.
    notice = Concat(Value(Ticket.REFERENCE_PREFIX), Cast("ticket_id", CharField()), Value(REMOVED_NOTICE))
    notifications = (
        Notification.objects.filter(ticket_id__in=ids).exclude(text__endswith=REMOVED_NOTICE).update(text=notice)
    )
    anonymisations_record(object_type=TICKET, object_ids=ids, at=now, reason=reason)
    tickets_anonymised.send(sender=Ticket, ticket_ids=list(ids), reason=reason)
    return changed, notifications


def _anonymise_customers(ids, *, reason, now):
    """Replace the personal fields of customers IDS; returns the names of the fields that held something."""
    if not ids:
        return []
    held = set()
    for values in Customer.objects.filter(pk__in=ids).values(*CUSTOMER_FIELDS, "pk"):
        anonymous = _anonymous_values(values["pk"])
        held.update(f for f in CUSTOMER_FIELDS if values[f] != anonymous[f])
    pk = Cast("pk", CharField())
    Customer.objects.filter(pk__in=ids).update(
        name=Concat(Value("Anonymised customer "), pk),
        email=Concat(Value("anonymised-"), pk, Value("@invalid")),
        phone="",
        address="",
        account_id="",
        payment_card="",
    )
    anonymisations_record(object_type=CUSTOMER, object_ids=ids, at=now, reason=reason)
    customers_anonymised.send(sender=Customer, customer_ids=list(ids), reason=reason)
    return [f for f in CUSTOMER_FIELDS if f in held]


def _anonymous_values(pk):
    return {
        "name": f"Anonymised customer {pk}",
        "email": f"anonymised-{pk}@invalid",
        "phone": "",
        "address": "",
        "account_id": "",
        "payment_card": "",
    }


def _due(cutoff):
    """Solved or closed before CUTOFF: solved_at, or updated_at for a ticket closed without being solved."""
    return Q(status__in=[Status.SOLVED, Status.CLOSED], solved_at__lt=cutoff) | Q(
        status=Status.CLOSED, solved_at__isnull=True, updated_at__lt=cutoff
    )


def tickets_anonymise_expired(*, now, batch_size=500):
    """Anonymise solved and closed tickets past their customer's zone's retention, then customers with nothing left.

    Works in batches of BATCH_SIZE tickets in id order, each in its own transaction and audited with its counts;
    tickets another transaction holds are skipped until the next run. Safe to rerun: recorded tickets are skipped.
    Returns the counts of this run.
    """
    cutoffs = {zone: now - dt.timedelta(days=retention_days(zone)) for zone in ResidencyZone}
    # Every ticket older than the latest cutoff may be due; its own zone decides.
    candidates = Ticket.objects.filter(_due(max(cutoffs.values()))).exclude(_anonymised(TICKET))
    totals = Counter()
    after = 0
    while True:
        with transaction.atomic():
            rows = list(
                candidates.filter(pk__gt=after)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", "solved_at", "updated_at", "customer_id", "customer__country")[:batch_size]
            )
            if not rows:
                break
            after = rows[-1][0]
            due, zones = [], Counter()
            for pk, solved_at, updated_at, _customer, country in rows:
                zone = residency_zone_for(country)
                if (solved_at or updated_at) < cutoffs[zone]:
                    due.append(pk)
                    zones[zone] += 1
            if due:
                totals.update(_retention_batch(due, zones, now=now))
        if len(rows) < batch_size:
            break
    return {key: totals[key] for key in ("tickets", "customers", "events", "notifications")}


def _retention_batch(ids, zones, *, now):
    reason = AnonymisationReason.RETENTION
    events, notifications = _anonymise_tickets(ids, body=RETENTION_BODY, reason=reason, now=now)
    touched = set(Ticket.objects.filter(pk__in=ids).values_list("customer_id", flat=True))
    # A customer goes only once every ticket of theirs is past retention (and so anonymised).
    waiting = Ticket.objects.filter(customer_id__in=touched).exclude(_anonymised(TICKET)).values_list("customer_id")
    customers = sorted(
        Customer.objects.filter(pk__in=touched)
        .exclude(pk__in=waiting)
        .exclude(_anonymised(CUSTOMER))
        .values_list("pk", flat=True)
    )
    _anonymise_customers(customers, reason=reason, now=now)
    counts = {"tickets": len(ids), "customers": len(customers), "events": events, "notifications": notifications}
    audit_record(
        action=AuditAction.RETENTION,
        summary=f"Retention: {len(ids)} tickets and {len(customers)} customers anonymised",
        object_type=TICKET,
        details={**counts, "zones": dict(zones), "first_ticket": ids[0], "last_ticket": ids[-1], "now": now},
    )
    return counts


@dataclass(frozen=True)
class ErasureOutcome:
    request: ErasureRequest
    changed: bool


def customer_erase(*, erasure_request, actor=None, now):
    """Carry out an approved erasure: all the customer's tickets (any status), messages and personal fields.

    The audit log is append-only and cannot be rewritten; its entries hold ids, not emails or names, and the report
    says how many entries mention the email all the same. Rerunning a done request changes nothing.
    """
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=erasure_request.pk)
        if request.status == ErasureStatus.DONE:
            return ErasureOutcome(request=request, changed=False)
        if request.status != ErasureStatus.APPROVED:
            raise ValidationError(
                f"Erasure #{request.pk} is {request.get_status_display().lower()}: an admin must approve it first."
            )
        reason = AnonymisationReason.ERASURE
        customer = Customer.objects.select_for_update().filter(pk=request.customer_id).first()
        ids, events, notifications, fields, mentions = [], 0, 0, [], 0
        if customer is not None:
            mentions = audit_mentions_count(text=customer.email)
            ids = list(
                Ticket.objects.filter(customer=customer)
                .select_for_update(of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            events, notifications = _anonymise_tickets(ids, body=ERASURE_BODY, reason=reason, now=now)
            fields = _anonymise_customers([customer.pk], reason=reason, now=now)
        report = {
            "tickets": len(ids),
            "events": events,
            "notifications": notifications,
            "customer_fields": fields,
            "customer_found": customer is not None,
            "audit": {
                "entries_mentioning_email": mentions,
                "note": "Audit entries are append-only and were not changed; they record ids, not emails or names.",
            },
        }
        request = erasure_complete(request=request, report=report, actor=actor, now=now)
    return ErasureOutcome(request=request, changed=True)


def erasures_run_approved(*, now, actor=None):
    """Carry out every approved erasure request; returns their ids."""
    done = []
    for request in ErasureRequest.objects.filter(status=ErasureStatus.APPROVED).order_by("pk"):
        if customer_erase(erasure_request=request, actor=actor, now=now).changed:
            done.append(request.pk)
    return done
