"""Agents pulling in colleagues without leaving the ticket: @mentions in internal notes, and side conversations with
another team or a whole region (split from services.py by topic; the same rules hold).

Services take the actor, open their own transaction and write each change on the ticket's timeline in it.
Notifications reach people within their shift (tickets.notifications). Who may then open the ticket: a mentioned
person through a per-object grant (as tickets are shared), a mentioned team and the team or region a side
conversation asks through ticket_scope (tickets.selectors).
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.shortcuts import assign_perm

from compliance.audit import audit_record
from compliance.models import AuditAction
from regions.models import Agent, Team
from regions.selectors import team_list, team_on_shift

from .events import event_record, person_name
from .models import EventKind, Mention, Notification, SideConversation, Status, Ticket
from .notifications import leads_on_shift, notification_create, text_for
from .selectors import ticket_scope

# "@agent1.krk" or "@t3-krk": not inside an email address or a word; a trailing full stop is punctuation.
MENTION_PATTERN = re.compile(r"(?<![\w@./-])@([a-z0-9](?:[\w.-]*[a-z0-9_])?)", re.IGNORECASE)
MAX_MENTIONS = 20


def mention_handles(text):
    """The distinct @handles in TEXT, lower-cased, in order of appearance."""
    return list(dict.fromkeys(m.lower() for m in MENTION_PATTERN.findall(text or "")))


@dataclass
class Mentioned:
    """Who the @handles of one note name: workspace users (by username) and teams (by code)."""

    users: list = field(default_factory=list)
    teams: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.users or self.teams)

    @property
    def handles(self):
        return [u.username.lower() for u in self.users] + [t.code.lower() for t in self.teams]

    def data(self, *, urgent):
        """What the note's timeline event keeps: the handles to highlight, and whether it was urgent."""
        return {"mentions": self.handles, "urgent": urgent} if self else {}


def mentions_find(body, *, actor):
    """The people and teams BODY mentions. Unknown handles stay plain text; the author is never mentioned."""
    handles = mention_handles(body)[:MAX_MENTIONS]
    if not handles:
        return Mentioned()
    users = (
        get_user_model()
        .objects.annotate(handle=Lower("username"))
        .filter(handle__in=handles, is_active=True)
        .exclude(pk=actor.pk if actor else None)
        .select_related("agent__team")
    )
    teams = {t.code.lower(): t for t in Team.objects.annotate(handle=Lower("code")).filter(handle__in=handles)}
    people = {u.username.lower(): u for u in users if u.has_perm("helpdesk.use_app")}
    return Mentioned(
        users=[people[h] for h in handles if h in people],
        teams=[teams[h] for h in handles if h in teams and h not in people],
    )


def ticket_grant(*, ticket, user, actor, now, why=""):
    """Let USER see TICKET although it is outside their scope: a per-object grant, on the timeline and audited."""
    assign_perm("tickets.view_ticket", user, ticket)
    event_record(
        ticket=ticket,
        kind=EventKind.ASSIGNEE,
        actor=actor,
        at=now,
        summary=f"Shared with {person_name(user)} by {person_name(actor)}{why}",
        data={"shared_with": user.username},
    )
    audit_record(
        action=AuditAction.PERMISSION_CHANGE,
        actor=actor,
        object_type="ticket",
        object_id=str(ticket.pk),
        summary=f"{ticket.reference} shared with {user.username}",
        details={"user": user.username},
    )


def team_notify(*, team, ticket, kind, text, now, urgent=False, exclude=()):
    """Tell TEAM's agents (but the users in EXCLUDE), each within the team's shift. Urgent while the team is off
    shift: one notice to the leads on shift (the team's, or those of the team covering its tier), not one per agent."""
    if urgent and not team_on_shift(team_list().get(pk=team.pk), now):
        leads = leads_on_shift(team, team.tier, now)
        if leads:
            Notification.objects.bulk_create(
                Notification(
                    recipient=lead,
                    ticket=ticket,
                    kind=kind,
                    text=text_for(lead, ticket, f"Urgent, {team.name} is off shift: {text}")[:300],
                    urgent=True,
                    created_at=now,
                    deliver_at=now,
                )
                for lead in leads
            )
            return
    for agent in Agent.objects.filter(team=team).exclude(user__in=exclude).select_related("user"):
        notification_create(recipient=agent.user, ticket=ticket, kind=kind, text=text, now=now, urgent=urgent)


def mentions_record(*, ticket, event, mentioned, actor, urgent, now):
    """Inside the note's transaction: one Mention per person or team, a grant for a mentioned person who could not
    open the ticket, and the notifications."""

    def said(who):  # not str.format: the subject is free text and may hold braces
        return f"{person_name(actor)} mentioned {who} on {ticket.reference}: {ticket.subject}"

    for user in mentioned.users:
        Mention.objects.create(ticket=ticket, event=event, user=user, urgent=urgent, created_at=now)
        if not ticket_scope(user).filter(pk=ticket.pk).exists():
            ticket_grant(ticket=ticket, user=user, actor=actor, now=now, why=": mentioned in a note")
        agent = getattr(user, "agent", None)
        notification_create(
            recipient=user,
            ticket=ticket,
            kind=Notification.Kind.MENTION,
            text=said("you"),
            now=now,
            urgent=urgent,
            lead_team=agent.team if agent else None,
        )
    for team in mentioned.teams:
        Mention.objects.create(ticket=ticket, event=event, team=team, urgent=urgent, created_at=now)
        team_notify(
            team=team,
            ticket=ticket,
            kind=Notification.Kind.MENTION,
            text=said(team.name),
            now=now,
            urgent=urgent,
            exclude=[actor, *mentioned.users],  # told already, by name
        )


# ---- Side conversations -------------------------------------------------------------------------------------------


def _side_event(conversation, *, action, actor, body, now, summary):
    # The ticket changed: the sync API and the cold-ticket detector see the conversation as activity on it.
    Ticket.objects.filter(pk=conversation.ticket_id).update(updated_at=now)
    return event_record(
        ticket=conversation.ticket,
        kind=EventKind.SIDE_CONVERSATION,
        actor=actor,
        at=now,
        body=body,
        summary=summary,
        data={
            "conversation": conversation.pk,
            "action": action,
            "subject": conversation.subject,
            "with": conversation.target_label,
        },
    )


def _side_notify(conversation, *, text, actor, now):
    """Tell everyone who wrote in CONVERSATION (its starter included) but ACTOR."""
    authors = (
        conversation.ticket.events.filter(kind=EventKind.SIDE_CONVERSATION, data__conversation=conversation.pk)
        .exclude(actor=None)
        .exclude(actor=actor)
        .values_list("actor", flat=True)
        .distinct()
    )
    for user in get_user_model().objects.filter(pk__in=authors).select_related("agent__team"):
        notification_create(
            recipient=user, ticket=conversation.ticket, kind=Notification.Kind.SIDE_CONVERSATION, text=text, now=now
        )


def _required(text, field, message):
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def side_conversation_start(*, ticket, subject, body, actor, team=None, region=None, at=None):
    """Ask TEAM or every team of REGION about TICKET in a thread of its own; they are told within their shift and
    may open the ticket from then on."""
    now = at or timezone.now()
    subject = _required(subject, "subject", "Say in a line what you need.")
    body = _required(body, "body", "Write the question for the other team.")
    if (team is None) == (region is None):
        raise ValidationError({"target": "Choose one team or one region to ask."})
    if len(subject) > SideConversation._meta.get_field("subject").max_length:
        raise ValidationError({"subject": "Keep the subject under 200 characters."})
    agent = getattr(actor, "agent", None)
    if team is not None and agent is not None and agent.team_id == team.pk:
        raise ValidationError({"target": "That is your own team: write an internal note and @mention them."})
    with transaction.atomic():
        if ticket.status == Status.CLOSED:
            raise ValidationError({"body": "The ticket is closed; open a follow-up ticket instead."})
        conversation = SideConversation.objects.create(
            ticket=ticket,
            subject=subject,
            target_team=team,
            target_region=region,
            asking_team=agent.team if agent else None,
            started_by=actor,
            created_at=now,
        )
        _side_event(
            conversation,
            action="start",
            actor=actor,
            body=body,
            now=now,
            summary=f"Side conversation with {conversation.target_label} started by {person_name(actor)}",
        )
        asker = f"{person_name(actor)}{f' ({agent.team.name})' if agent else ''}"
        text = f"{asker} asks on {ticket.reference}: {subject}"
        targets = [team] if team is not None else list(Team.objects.filter(region=region))
        for target in targets:
            kind = Notification.Kind.SIDE_CONVERSATION
            team_notify(team=target, ticket=ticket, kind=kind, text=text, now=now, exclude=[actor])
    return conversation


def _lock_open(conversation):
    conversation = (
        SideConversation.objects.select_for_update(of=("self",))
        .select_related("ticket", "target_team", "target_region")
        .get(pk=conversation.pk)
    )
    if not conversation.is_open:
        raise ValidationError({"body": "This side conversation is closed; start a new one."})
    return conversation


def side_conversation_reply(*, conversation, body, actor, at=None):
    """A message in an open side conversation, by either side."""
    now = at or timezone.now()
    body = _required(body, "body", "Write something before sending.")
    with transaction.atomic():
        conversation = _lock_open(conversation)
        event = _side_event(
            conversation,
            action="message",
            actor=actor,
            body=body,
            now=now,
            summary=f"Side conversation with {conversation.target_label}: message by {person_name(actor)}",
        )
        _side_notify(
            conversation,
            text=f"{person_name(actor)} answered on {conversation.ticket.reference}: {conversation.subject}",
            actor=actor,
            now=now,
        )
    return event


def side_conversation_close(*, conversation, resolution, actor, at=None):
    """Close an open side conversation with its RESOLUTION (what was found or decided)."""
    now = at or timezone.now()
    resolution = _required(resolution, "resolution", "Say what came of it before closing.")
    with transaction.atomic():
        conversation = _lock_open(conversation)
        conversation.status = SideConversation.Status.CLOSED
        conversation.resolution, conversation.closed_at, conversation.closed_by = resolution, now, actor
        conversation.save(update_fields=["status", "resolution", "closed_at", "closed_by"])
        _side_event(
            conversation,
            action="close",
            actor=actor,
            body=resolution,
            now=now,
            summary=f"Side conversation with {conversation.target_label} closed by {person_name(actor)}",
        )
        _side_notify(
            conversation,
            text=f"{person_name(actor)} closed the side conversation on {conversation.ticket.reference}: "
            f"{conversation.subject}",
            actor=actor,
            now=now,
        )
    return conversation
