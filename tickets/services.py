"""Every change to a ticket goes through one of these functions: UI, API, admin, tasks and commands alike.

Each opens its own transaction, locks the ticket row, writes one timeline event per change,
and brings the SLA fields up to date.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from compliance.redaction import findings_summary, redact, redact_all
from helpdesk.rows import row_insert, row_update
from regions.cache import memo_active, memoized
from regions.models import Rotation
from regions.selectors import team_with_shifts

from .channels.email_out import reply_email_queue
from .collaboration import mentions_find, mentions_record, ticket_grant
from .events import event_record, events_record_bulk
from .events import person_name as _name
from .models import OPEN_STATUSES, Customer, EventKind, Priority, SlaPolicy, SlaSegment, Status, Tag, Ticket
from .notifications import notification_create
from .routing import choose_assignee, choose_team, choose_tier
from .selectors import fill_placeholders
from .signals import ticket_changed
from .sla import policy_for, segment_switch, sla_recompute

SLA_FIELDS = ["sla_policy", "sla_state", "sla_target", "sla_due_at", "sla_next_check_at", "sla_flags"]


def _row(model, pk, *, lock=False):
    """MODEL's row PK (None if gone), locked until the transaction ends with LOCK, by SQL written out; from the
    primary database, where the services write."""
    sql = f"SELECT * FROM {model._meta.db_table} WHERE {model._meta.pk.column} = %s"  # noqa: S608 (names from the model)
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return next(iter(model.objects.raw(sql, [pk], using=connection.alias)), None)


def _lock(ticket, *, with_assignee=False):
    """TICKET's row, locked until the transaction ends, with its customer (name, email) loaded, and its assignee
    WITH_ASSIGNEE; inside a request_memo() block (a simulation) also its team and SLA policy, from the configuration
    read once.

    Every change of a ticket starts here. Two plain reads cost about 0.35 ms where the ORM's select_related query
    costs 0.9 (docs/simulator.md, Performance); elsewhere team and policy are read when first used.
    """
    locked = _row(Ticket, ticket.pk, lock=True)
    if locked is None:
        raise Ticket.DoesNotExist(f"Ticket {ticket.pk} does not exist.")
    related = {"customer": _row(Customer, locked.customer_id)}
    if with_assignee and locked.assignee_id:
        related["assignee"] = _row(get_user_model(), locked.assignee_id)
    if memo_active():
        if locked.team_id:
            related["team"] = team_with_shifts(locked.team_id)
        if locked.sla_policy_id:
            related["sla_policy"] = memoized(
                ("sla_policy", locked.sla_policy_id), lambda: SlaPolicy.objects.get(pk=locked.sla_policy_id)
            )
    for name, value in related.items():
        Ticket._meta.get_field(name).set_cached_value(locked, value)
    return locked


def _save(ticket, now, fields):
    sla_recompute(ticket=ticket, now=now)
    ticket.updated_at = now
    row_update(ticket, [*fields, "updated_at", *SLA_FIELDS])
    return ticket


def _announce(ticket, event):
    """Tell listeners (webhooks) about EVENT once the transaction commits; never inside it."""
    transaction.on_commit(lambda: ticket_changed.send(sender=Ticket, ticket=ticket, event=event))
    return ticket


def customer_get_or_create(*, email, name, country, language="en", **details):
    """The one customer behind EMAIL, created on first contact."""
    customer, _ = Customer.objects.get_or_create(
        email=email.strip().lower(),
        defaults={"name": name, "country": country, "language": language, **details},
    )
    return customer


def _route(ticket, now, actor, why):
    """Give TICKET a team and maybe an agent; every decision goes on the timeline with its reason."""
    team, team_reason = choose_team(tier=ticket.tier, at=now, customer_zone=ticket.customer.residency_zone)
    if team is not None and team.id != ticket.team_id:
        ticket.team = team
        segment_switch(ticket=ticket, at=now)
    event_record(
        ticket=ticket,
        kind=EventKind.ROUTING,
        actor=actor,
        at=now,
        summary=f"{why}: {team_reason}",
        data={"team": team.code if team else None},
    )
    if team is None:
        return
    assignee, agent_reason = choose_assignee(team=team, language=ticket.language, at=now)
    _give_to(
        ticket,
        assignee,
        actor=actor,
        now=now,
        kind=EventKind.ROUTING,
        summary=agent_reason,
        notice=f"{ticket.reference} was routed to you: {ticket.subject}",
    )


def _give_to(ticket, assignee, *, actor, now, kind, summary, notice):
    """Set the assignee, record why, and tell the new assignee (unless they did it themselves)."""
    ticket.assignee = assignee
    event_record(
        ticket=ticket,
        kind=kind,
        actor=actor,
        at=now,
        summary=summary,
        data={"assignee": assignee.username if assignee else None},
    )
    if assignee is not None and assignee != actor:
        notification_create(recipient=assignee, ticket=ticket, kind="assigned", now=now, text=notice)


def _record_customer_message(ticket, body, redacted, now, channel=None):
    """The customer's (already redacted) words on the timeline, and what was redacted from them, counts only.

    The message's CHANNEL (default: the ticket's) is kept in its data, for the badge on the timeline.
    """
    event = event_record(
        ticket=ticket,
        kind=EventKind.CUSTOMER_MESSAGE,
        at=now,
        body=body,
        summary=ticket.customer.name,
        data={"channel": channel or ticket.channel},
    )
    if redacted:
        event_record(
            ticket=ticket,
            kind=EventKind.REDACTION,
            at=now,
            summary=f"Redacted at intake: {findings_summary(redacted)}",
            data={"counts": dict(redacted)},
        )
    return event


def ticket_create(
    *,
    customer,
    subject,
    body,
    channel,
    actor=None,
    priority=Priority.NORMAL,
    tier=None,
    tags=(),
    is_critical=False,
    is_outage=False,
    at=None,
):
    """Open a ticket from a customer's first message, route it and start its SLA clocks."""
    now = at or timezone.now()
    # Card numbers, IBANs and the admin's patterns go before anything is stored; only their counts are kept.
    (subject, body), redacted = redact_all(subject.strip(), body.strip())
    subject = subject[: Ticket._meta.get_field("subject").max_length]
    if not subject:
        raise ValidationError({"subject": "Give the ticket a subject."})
    if not body:
        raise ValidationError({"body": "Say what the customer needs."})
    tag_names = sorted({t.strip().lower() for t in tags if t.strip()})
    with transaction.atomic():
        if tier is None:
            tier, tier_reason = choose_tier(channel=channel, tags=tag_names, priority=priority, customer=customer)
        else:
            tier_reason = f"Tier {tier} set explicitly"
        ticket = row_insert(
            Ticket(
                subject=subject,
                status=Status.NEW,
                priority=priority,
                tier=tier,
                channel=channel,
                customer=customer,
                language=customer.language,
                is_critical=is_critical,
                is_outage=is_outage,
                created_at=now,
                updated_at=now,
                last_customer_message_at=now,
            )
        )
        if tag_names:
            ticket.tags.set([Tag.objects.get_or_create(name=n)[0] for n in tag_names])
        event_record(
            ticket=ticket,
            kind=EventKind.CREATED,
            actor=actor,
            at=now,
            summary=f"Created from {ticket.get_channel_display().lower()}",
            data={"tags": tag_names},
        )
        _record_customer_message(ticket, body, redacted, now)
        event_record(
            ticket=ticket,
            kind=EventKind.ROUTING,
            actor=actor,
            at=now,
            summary=tier_reason,
            data={"tier": tier},
        )
        ticket.sla_policy = policy_for(ticket)
        _route(ticket, now, actor, "Routed on arrival")
        return _announce(_save(ticket, now, ["team", "assignee"]), "ticket.created")


def ticket_route(*, ticket, actor, at=None):
    """Route again as on arrival (team on shift now, then agent)."""
    now = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        _route(ticket, now, actor, f"Re-routed by {_name(actor)}")
        return _announce(_save(ticket, now, ["team", "assignee"]), "ticket.updated")


def ticket_assign(*, ticket, assignee, actor, at=None):
    """Assign to ASSIGNEE (None: back to the team queue); an agent of another team brings the ticket along."""
    now = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if assignee == ticket.assignee:
            return ticket
        fields = ["assignee"]
        agent = getattr(assignee, "agent", None) if assignee else None
        if assignee is not None and agent is None:
            raise ValidationError({"assignee": f"{_name(assignee)} is not an agent."})
        if agent is not None and agent.team_id != ticket.team_id:
            _move(ticket, agent.team, actor, now, f"Moved with its assignee to {agent.team.name}")
            fields.append("team")
        summary = f"Assigned to {_name(assignee)} by {_name(actor)}" if assignee else f"Unassigned by {_name(actor)}"
        _give_to(
            ticket,
            assignee,
            actor=actor,
            now=now,
            kind=EventKind.ASSIGNEE,
            summary=summary,
            notice=f"{_name(actor)} assigned {ticket.reference} to you: {ticket.subject}",
        )
        return _announce(_save(ticket, now, fields), "ticket.updated")


def _move(ticket, team, actor, now, summary, kind=EventKind.TEAM, data=None):
    previous = ticket.team
    ticket.team = team
    segment_switch(ticket=ticket, at=now)
    event_record(
        ticket=ticket,
        kind=kind,
        actor=actor,
        at=now,
        summary=summary,
        data={"from": previous.code if previous else None, "to": team.code, **(data or {})},
    )


def ticket_move_to_team(*, ticket, team, actor, reason, at=None):
    """Give the ticket to TEAM (unassigned), saying why."""
    now = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.team_id == team.id:
            return ticket
        _move(ticket, team, actor, now, reason)
        ticket.assignee = None
        return _announce(_save(ticket, now, ["team", "assignee"]), "ticket.updated")


def ticket_set_status(*, ticket, status, actor, at=None, reason=""):
    now = at or timezone.now()
    status = Status(status)
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status == status:
            return ticket
        ticket.check_transition(status)
        ticket = _announce(_save(ticket, now, _change_status(ticket, status, actor, now, reason)), "ticket.updated")
        if status == Status.SOLVED:
            _announce(ticket, "ticket.solved")
        return ticket


def _change_status(ticket, status, actor, now, reason=""):
    """Move TICKET to STATUS with its timeline event and clock segment; returns the fields for the caller's save."""
    previous = Status(ticket.status)
    ticket.status = status
    if status == Status.SOLVED:
        ticket.solved_at = now
    elif status in (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD):
        ticket.solved_at = None
    # The clock stands still while pending the customer and once solved or closed; a change between running
    # and standing still starts a new segment.
    stood_still = previous == Status.PENDING or previous not in OPEN_STATUSES
    if stood_still != (status == Status.PENDING or not ticket.is_open):
        segment_switch(ticket=ticket, at=now)
    summary = f"{previous.label} → {status.label}" + (f" ({reason})" if reason else "")
    event_record(
        ticket=ticket,
        kind=EventKind.STATUS,
        actor=actor,
        at=now,
        summary=summary,
        data={"from": previous.value, "to": status.value},
    )
    if actor is not None:  # an agent moved it along; a customer's reopen is not progress
        ticket.handoffs_since_progress = 0
    return ["status", "solved_at", "handoffs_since_progress"]


def ticket_reply(*, ticket, body, actor, internal=False, urgent=False, status=None, at=None):
    """A public reply to the customer, or an internal note only agents see; with STATUS, the ticket is then set to
    it in the same change ("send and set pending"), as ticket_set_status would.

    A note's @username and @team-code mentions are recorded and notify them (tickets.collaboration); an URGENT
    note's mentions of people off shift reach a lead on shift now.
    """
    now = at or timezone.now()
    status = Status(status) if status else None
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something before sending."})
    if urgent and not internal:
        raise ValidationError({"urgent": "Only an internal note can be urgent: it sends its mentions to a lead now."})
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status == Status.CLOSED:
            raise ValidationError({"body": "The ticket is closed; open a follow-up ticket instead."})
        kind = EventKind.NOTE if internal else EventKind.REPLY
        if not internal:  # placeholders left by a macro (the customer's name, when masked for the agent)
            body = fill_placeholders(body, ticket=ticket, agent=actor)
        mentioned = mentions_find(body, actor=actor) if internal else None
        event = event_record(
            ticket=ticket,
            kind=kind,
            actor=actor,
            at=now,
            body=body,
            summary=_name(actor),
            data=mentioned.data(urgent=urgent) if mentioned else None,
        )
        if mentioned:
            mentions_record(ticket=ticket, event=event, mentioned=mentioned, actor=actor, urgent=urgent, now=now)
        fields = []
        if not internal:
            reply_email_queue(event=event)
            ticket.first_response_at = ticket.first_response_at or now
            ticket.last_public_reply_at = now
            ticket.handoffs_since_progress = 0
            fields += ["first_response_at", "last_public_reply_at", "handoffs_since_progress"]
            if ticket.status == Status.NEW:
                fields += _change_status(ticket, Status.OPEN, actor, now, "first reply")
        if status is not None and status != ticket.status:
            ticket.check_transition(status)
            fields += _change_status(ticket, status, actor, now)
        ticket = _announce(_save(ticket, now, fields), "ticket.updated")
        return _announce(ticket, "ticket.solved") if status == Status.SOLVED else ticket


def ticket_customer_message(*, ticket, body, at=None, channel=None):
    """The customer wrote again (through CHANNEL, default the ticket's): on the timeline, SLA next-response clock,
    reopen if pending or solved."""
    now = at or timezone.now()
    body, redacted = redact(body.strip())
    if not body:
        raise ValidationError({"body": "The message is empty."})
    with transaction.atomic():
        ticket = _lock(ticket, with_assignee=True)  # the assignee is told
        if ticket.status == Status.CLOSED:
            raise ValidationError({"body": "The ticket is closed; a new message opens a follow-up ticket."})
        _record_customer_message(ticket, body, redacted, now, channel)
        ticket.last_customer_message_at = now
        fields = ["last_customer_message_at"]
        if ticket.status in (Status.PENDING, Status.SOLVED, Status.ON_HOLD):
            fields += _change_status(ticket, Status.OPEN, None, now, "customer replied")
        if ticket.assignee is not None:
            notification_create(
                recipient=ticket.assignee,
                ticket=ticket,
                kind="customer_reply",
                now=now,
                text=f"{ticket.customer.name} replied on {ticket.reference}",
                urgent=ticket.priority == Priority.URGENT,
            )
        return _announce(_save(ticket, now, fields), "ticket.updated")


def ticket_set_priority(*, ticket, priority, actor, at=None):
    now = at or timezone.now()
    priority = Priority(priority)
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.priority == priority:
            return ticket
        previous = Priority(ticket.priority)
        ticket.priority = priority
        ticket.sla_policy = policy_for(ticket)
        event_record(
            ticket=ticket,
            kind=EventKind.PRIORITY,
            actor=actor,
            at=now,
            summary=f"{previous.label} → {priority.label}",
            data={"from": previous.value, "to": priority.value},
        )
        return _announce(_save(ticket, now, ["priority"]), "ticket.updated")


def ticket_set_tags(*, ticket, tags, actor, at=None):
    """Replace the ticket's tags."""
    now = at or timezone.now()
    names = sorted({t.strip().lower() for t in tags if t.strip()})
    with transaction.atomic():
        ticket = _lock(ticket)
        before = sorted(ticket.tags.values_list("name", flat=True))
        if before == names:
            return ticket
        ticket.tags.set([Tag.objects.get_or_create(name=n)[0] for n in names])
        added, removed = sorted(set(names) - set(before)), sorted(set(before) - set(names))
        parts = [f"+{n}" for n in added] + [f"−{n}" for n in removed]
        event_record(
            ticket=ticket,
            kind=EventKind.TAGS,
            actor=actor,
            at=now,
            summary=" ".join(parts),
            data={"added": added, "removed": removed},
        )
        return _announce(_save(ticket, now, []), "ticket.updated")


def ticket_set_next_action(*, ticket, text, actor, due_at=None, at=None):
    """Write, confirm or clear (empty TEXT) the Next Action the next agent will follow."""
    now = at or timezone.now()
    text = text.strip()
    if due_at is not None and not text:
        raise ValidationError({"due_at": "A due time needs a Next Action to go with it."})
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.next_action, ticket.next_action_due_at = text, due_at
        ticket.next_action_set_by, ticket.next_action_set_at = (actor, now) if text else (None, None)
        ticket.moved_without_context = ticket.moved_without_context and not text
        event_record(
            ticket=ticket,
            kind=EventKind.NEXT_ACTION,
            actor=actor,
            at=now,
            summary=f"Next Action: {text}" if text else "Next Action cleared",
            data={"text": text, "due_at": due_at.isoformat() if due_at else None},
        )
        fields = ["next_action", "next_action_due_at", "next_action_set_by", "next_action_set_at"]
        return _announce(_save(ticket, now, fields), "ticket.updated")


def ticket_set_escalation(*, ticket, critical=None, outage=None, actor, at=None):
    """Set the critical / outage-related flags; None leaves a flag as it is (read under the row lock)."""
    now = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        critical = ticket.is_critical if critical is None else critical
        outage = ticket.is_outage if outage is None else outage
        if (ticket.is_critical, ticket.is_outage) == (critical, outage):
            return ticket
        ticket.is_critical, ticket.is_outage = critical, outage
        flags = [f for f, on in (("critical", critical), ("outage-related", outage)) if on]
        event_record(
            ticket=ticket,
            kind=EventKind.ESCALATION,
            actor=actor,
            at=now,
            summary="Flags: " + (", ".join(flags) or "none"),
            data={"critical": critical, "outage": outage},
        )
        return _announce(_save(ticket, now, ["is_critical", "is_outage"]), "ticket.updated")


BULK_ACTIONS = {"assign", "status", "priority", "tag"}


def tickets_bulk_update(*, tickets, action, value, actor):
    """Apply one change to many tickets through the single-ticket services: one event per ticket.

    Returns ({ticket pk: ticket}, {ticket pk: error message}); one ticket's refusal stops no other.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": f"Choose one of {', '.join(sorted(BULK_ACTIONS))}."})
    done, errors = {}, {}
    for ticket in tickets:
        try:
            if action == "assign":
                done[ticket.pk] = ticket_assign(ticket=ticket, assignee=value, actor=actor)
            elif action == "status":
                done[ticket.pk] = ticket_set_status(ticket=ticket, status=value, actor=actor)
            elif action == "priority":
                done[ticket.pk] = ticket_set_priority(ticket=ticket, priority=value, actor=actor)
            else:
                current = list(ticket.tags.values_list("name", flat=True))
                done[ticket.pk] = ticket_set_tags(ticket=ticket, tags=[*current, value], actor=actor)
        except ValidationError as exc:
            errors[ticket.pk] = "; ".join(exc.messages)
    return done, errors


def tickets_hand_over(*, ticket_ids, team, at, summary, assignees=None, without_context=(), actor=None, from_team=None):
    """Move many tickets to TEAM at once (handoffs and failovers): set-based, one event each.

    The caller holds the row locks. ASSIGNEES: {ticket id: user}; the rest go to the team queue.
    WITHOUT_CONTEXT: ids moved without a valid Next Action (failover), flagged for the arriving lead.
    FROM_TEAM: the team every ticket leaves, when the caller knows it (saves a read per batch).
    Segments and events are written with INSERT ... SELECT per group of tickets, so a sweep of
    100,000 tickets costs a few statements per thousand rather than a thousand objects.
    """
    assignees = assignees or {}
    if not ticket_ids:
        return
    groups = {}
    if from_team is not None:
        leaving = [(ticket_id, from_team.code) for ticket_id in ticket_ids]
    else:
        leaving = Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "team__code")
    for ticket_id, previous in leaving:
        groups.setdefault((previous, assignees.get(ticket_id)), []).append(ticket_id)
    for (_, assignee), ids in groups.items():
        Ticket.objects.filter(pk__in=ids).update(
            team=team,
            assignee=assignee,
            updated_at=Greatest("updated_at", Value(at)),
            last_handed_off_at=at,
            handoffs_since_progress=F("handoffs_since_progress") + 1,
        )
    if without_context:
        Ticket.objects.filter(pk__in=without_context).update(moved_without_context=True)
    tickets, segments = Ticket._meta.db_table, SlaSegment._meta.db_table
    for (previous, assignee), ids in groups.items():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {segments} (ticket_id, team_id, region_id, started_at, paused) "  # noqa: S608
                f"SELECT id, %s, %s, %s, status = %s FROM {tickets} WHERE id IN ({', '.join(['%s'] * len(ids))})",
                [team.pk, team.region_id, at, Status.PENDING, *ids],
            )
        where = f", assigned to {_name(assignee)}" if assignee else ", to the team queue"
        events_record_bulk(
            ticket_ids=ids,
            kind=EventKind.HANDOFF,
            actor=actor,
            at=at,
            summary=f"{summary} → {team.name}{where}",
            data={"from": previous, "to": team.code, "assignee": assignee.username if assignee else None},
        )
    # Around-the-clock tiers keep their deadlines across a move; business-hours calendars need a recompute.
    if not Rotation.objects.filter(tier=team.tier, around_the_clock=True).exists():
        for ticket in Ticket.objects.select_related("customer", "team__region", "sla_policy").filter(pk__in=ticket_ids):
            _save(ticket, at, [])


def ticket_viewer_ping(*, ticket, user, typing, at=None):
    """USER has TICKET open (and is typing a reply if TYPING); read by ticket_viewers for collision notices."""
    now = at or timezone.now()
    viewer, _ = ticket.viewers.update_or_create(user=user, defaults={"typing": bool(typing), "seen_at": now})
    return viewer


def notification_mark_read(*, notification, actor, at=None):
    """Mark one of ACTOR's own notifications read; marking someone else's is refused."""
    if notification.recipient_id != actor.pk:
        raise ValidationError("Only the recipient can mark a notification read.")
    now = at or timezone.now()
    if notification.read_at is None:
        type(notification).objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, actor, at=None):
    """Mark every due notification of ACTOR read; returns how many changed."""
    now = at or timezone.now()
    return actor.notifications.filter(deliver_at__lte=now, read_at__isnull=True).update(read_at=now)


def ticket_share(*, ticket, user, actor, at=None):
    """Let USER see TICKET although it is outside their scope (e.g. a specialist asked for help); audited."""
    now = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if not user.has_perm("helpdesk.use_app"):
            raise ValidationError({"user": f"{_name(user)} does not work in the browser workspace."})
        ticket_grant(ticket=ticket, user=user, actor=actor, now=now)
    return ticket
