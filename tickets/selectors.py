"""Reads shared by pages, API and tasks. Every ticket read starts from ticket_scope(user)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.shortcuts import get_object_or_404

from compliance.models import IntegrationScope, Role
from regions.models import Region, Team
from regions.selectors import agent_for, led_team_ids

from .models import OPEN_STATUSES, EventKind, Mention, SideConversation, Ticket, TicketShare

QUEUE_VIEWS = {
    "mine": "My tickets",
    "mentioned": "Mentioned me",
    "team": "My team",
    "unassigned": "Unassigned",
    "region": "Region",
    "all": "All I may see",
}


def _agent(user):
    return agent_for(user)


def ticket_scope(user):
    """The tickets USER may see, as one filter inside the query (fast at a million tickets).

    Admins: all. Integrations: all, or the regions of their IntegrationScope. Anyone else needs the workspace
    permission and then sees tickets assigned to them, shared with them (a per-object grant), of the teams they
    lead, and, as an agent, of their own team and of the teams of their tier in their region. A team (and every
    team of a region) asked in a side conversation, and a team @mentioned in a note, see that ticket too.
    Everything else is out of scope: 404, never a hint.
    """
    tickets = Ticket.objects.all()
    if not user.is_authenticated:
        return tickets.none()
    if user.role == Role.ADMIN:
        return tickets
    if user.role == Role.INTEGRATION:
        # An integration without a scope row reaches every ticket; with one, only its regions' teams' tickets.
        scope = IntegrationScope.objects.filter(user=user).first()
        return tickets if scope is None else tickets.filter(team__region__in=scope.regions.values("pk"))
    if not user.has_perm("helpdesk.use_app"):
        return tickets.none()
    shared = TicketShare.objects.filter(user=user, permission__codename="view_ticket").values("content_object_id")
    visible = Q(assignee=user) | Q(pk__in=shared)
    led = led_team_ids(user)
    if led:
        visible |= Q(team_id__in=led) | _asked(teams=led, regions=Team.objects.filter(pk__in=led).values("region_id"))
    agent = _agent(user)
    if agent is not None:
        own_region = Team.objects.filter(pk=agent.team_id).values("region_id")  # a subquery, not another read
        visible |= Q(team_id=agent.team_id) | Q(team__region_id__in=own_region, tier=agent.tier)
        visible |= _asked(teams=[agent.team_id], regions=own_region)
    return tickets.filter(visible)


def _asked(*, teams, regions):
    """Tickets that asked TEAMS (ids) in a side conversation or @mentioned them in a note, or asked REGIONS (ids, or
    a subquery of them) in a side conversation."""
    side = SideConversation.objects.filter(Q(target_team_id__in=teams) | Q(target_region_id__in=regions))
    mentions = Mention.objects.filter(team_id__in=teams)
    return Q(pk__in=side.values("ticket_id")) | Q(pk__in=mentions.values("ticket_id"))


def ticket_get_for(user, pk):
    """The ticket PK if USER may see it, else 404."""
    queryset = ticket_scope(user).select_related(
        "customer", "team__region", "assignee", "next_action_set_by", "sla_policy"
    )
    return get_object_or_404(queryset.prefetch_related("tags"), pk=pk)


def _view_filter(user, view):
    agent = _agent(user)
    open_only = Q(status__in=OPEN_STATUSES)
    if view == "mine":
        return open_only & Q(assignee=user)
    if view == "mentioned":
        mentions = Mention.objects.filter(Q(user=user) | Q(team_id=agent.team_id) if agent else Q(user=user))
        return open_only & Q(pk__in=mentions.values("ticket_id"))
    if view == "team":
        return open_only & Q(team_id=agent.team_id) if agent else Q(pk__in=[])
    if view == "unassigned":
        return open_only & Q(assignee__isnull=True)
    if view == "region":
        return open_only & Q(team__region_id=agent.team.region_id) if agent else Q(pk__in=[])
    return Q()


# A queue tab counts at most this many tickets and then shows "1,000+": every count stops at the cap, so a tab costs
# the same for a scope of a thousand tickets or of a million; the list pages through the first QUEUE_COUNT_CAP.
QUEUE_COUNT_CAP = 1000


def capped_counts(querysets):
    """{key: number of rows of QUERYSET, counted up to QUEUE_COUNT_CAP + 1} for {key: queryset}, in one query."""
    parts, params = [], []
    for i, queryset in enumerate(querysets.values()):
        try:
            sql, values = queryset.order_by().values("pk")[: QUEUE_COUNT_CAP + 1].query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (pk__in=[]) compiles to no SQL at all
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{i})")  # noqa: S608 - Django-compiled SQL, values as params
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def queue_counts(user, *, listed=None):
    """{view: open tickets of the view (all tickets for "all"), up to QUEUE_COUNT_CAP + 1} in one query, with
    "listed": the rows of LISTED (a filtered list) when given."""
    scope = ticket_scope(user)
    querysets = {view: scope.filter(_view_filter(user, view)) for view in QUEUE_VIEWS}
    if listed is not None:
        querysets["listed"] = listed
    return capped_counts(querysets)


def ticket_queue(
    user,
    *,
    view="mine",
    status=None,
    priority=None,
    tier=None,
    channel=None,
    sla_due_within=None,
    missing_next_action=False,
    language=None,
    q="",
    now=None,
):
    """A queue view with filters and an optional search Q, most urgent SLA first; rows carry what a row shows."""
    tickets = ticket_scope(user).filter(_view_filter(user, view))
    if q and q.strip():
        tickets = tickets.filter(_search(q.strip()))
    if status:
        tickets = tickets.filter(status=status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if tier:
        tickets = tickets.filter(tier=tier)
    if channel:
        tickets = tickets.filter(channel=channel)
    if language:
        tickets = tickets.filter(language=language)
    if sla_due_within is not None and now is not None:
        tickets = tickets.filter(sla_due_at__lte=now + dt.timedelta(minutes=sla_due_within))
    if missing_next_action:
        tickets = tickets.filter(next_action="")
    return (
        tickets.select_related("customer", "team__region", "assignee")
        .prefetch_related("tags")
        .order_by(F("sla_due_at").asc(nulls_last=True), "id")
    )


def _search(q):
    """A reference (MER-123), words of the subject, or a customer's whole email address.

    The email must match exactly (case aside): people who see emails masked can find a customer by the address
    they were given, but cannot probe for addresses by fragments.
    """
    match = Q(subject__icontains=q)
    pk = Ticket.pk_from_reference(q)
    if pk is not None:
        match |= Q(pk=pk)
    if "@" in q:
        match |= Q(customer__email=q.lower())
    return match


def ticket_timeline(ticket):
    return ticket.events.select_related("actor").order_by("created_at", "id")


def customer_other_tickets(ticket, user, limit=10):
    return (
        ticket_scope(user).filter(customer_id=ticket.customer_id).exclude(pk=ticket.pk).order_by("-created_at")[:limit]
    )


def queue_languages():
    """The languages tickets are written in, for the queue's language filter.

    On PostgreSQL a loose index scan (ticket_language): one index probe per language instead of reading every ticket.
    """
    if connection.vendor != "postgresql":
        return list(Ticket.objects.order_by("language").values_list("language", flat=True).distinct())
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE languages(language) AS (
                    (SELECT language FROM {table} ORDER BY language LIMIT 1)
                    UNION ALL
                    SELECT (SELECT t.language FROM {table} t WHERE t.language > languages.language
                            ORDER BY t.language LIMIT 1)
                    FROM languages WHERE languages.language IS NOT NULL
                ) SELECT language FROM languages WHERE language IS NOT NULL"""  # noqa: S608 - the model's table
        )
        return [row[0] for row in cursor.fetchall()]


def assignable_agents(user):
    """Agents USER may hand a ticket to from the queue: their own team's and the teams they lead."""
    from regions.models import Agent

    agents = Agent.objects.select_related("user", "team").order_by("user__first_name", "user__last_name")
    if user.role == Role.ADMIN:
        return agents
    team_ids = set(led_team_ids(user)) if user.role == Role.LEAD else set()
    agent = _agent(user)
    if agent is not None:
        team_ids.add(agent.team_id)
    return agents.filter(team_id__in=team_ids)


def ticket_assignee_choices(ticket):
    """The agents of the ticket's owning team, who it can be assigned to without moving it."""
    from regions.models import Agent

    return (
        Agent.objects.filter(team_id=ticket.team_id)
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )


def macro_list_for(ticket):
    """Macros for everyone plus those of the ticket's team."""
    from .models import Macro

    return Macro.objects.filter(Q(team__isnull=True) | Q(team_id=ticket.team_id)).order_by("name")


def fill_placeholders(text, *, ticket, agent, with_customer=True):
    """TEXT with {agent_name}, {reference} and (WITH_CUSTOMER) {customer_name} filled (plain replacement)."""
    values = {"{agent_name}": agent.get_full_name() or agent.username, "{reference}": ticket.reference}
    if with_customer:
        values["{customer_name}"] = ticket.customer.name
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def macro_text(macro, *, ticket, agent, with_customer=True):
    """The macro's body for TICKET; an agent who sees the customer's name masked keeps {customer_name}, which
    ticket_reply fills when the reply is sent."""
    return fill_placeholders(macro.body, ticket=ticket, agent=agent, with_customer=with_customer)


def ticket_last_event_id(ticket):
    return ticket.events.order_by("-id").values_list("id", flat=True).first()


def ticket_viewers(ticket, user, now):
    """Other people who had TICKET open within TicketViewer.FRESH of NOW (collision detection)."""
    fresh = ticket.viewers.model.FRESH
    return (
        ticket.viewers.filter(seen_at__gte=now - fresh)
        .exclude(user=user)
        .select_related("user")
        .order_by("-typing", "user__first_name", "user__username")
    )


def notification_list(user, now):
    """USER's own notifications that are due (deliver_at has come), newest first."""
    return user.notifications.filter(deliver_at__lte=now).select_related("ticket").order_by("-deliver_at", "-id")


def notification_unread_count(user, now):
    return user.notifications.filter(deliver_at__lte=now, read_at__isnull=True).count()


# ---- Mentions and side conversations --------------------------------------------------------------------------------


def side_conversation_threads(timeline):
    """The side conversations of a ticket, grouped from its timeline events (which hold their text) in the order
    they started: [{"id", "subject", "with", "open", "events", "resolution"}]; no query of its own."""
    threads = {}
    for event in sorted(timeline, key=lambda e: (e.created_at, e.pk)):
        if event.kind != EventKind.SIDE_CONVERSATION:
            continue
        data = event.data
        thread = threads.setdefault(
            data["conversation"],
            {"id": data["conversation"], "subject": data["subject"], "with": data["with"], "open": True, "events": []},
        )
        thread["events"].append(event)
        if data["action"] == "close":
            thread["open"], thread["resolution"] = False, event
    return list(threads.values())


def side_conversation_list(user, *, open_only=True):
    """Side conversations of the tickets USER may see, newest first; each knows whether it asks USER's team or
    region (`asks_me`)."""
    conversations = SideConversation.objects.filter(ticket__in=ticket_scope(user))
    if open_only:
        conversations = conversations.filter(status=SideConversation.Status.OPEN)
    agent = _agent(user)
    asks_me = Q(pk__in=[])
    if agent is not None:
        asks_me = Q(target_team_id=agent.team_id) | Q(target_region_id=agent.team.region_id)
    led = led_team_ids(user)
    if led:
        asks_me |= Q(target_team_id__in=led)
    return (
        conversations.annotate(asks_me=ExpressionWrapper(asks_me, output_field=BooleanField()))
        .select_related("ticket", "target_team", "target_region", "asking_team", "started_by")
        .order_by("-asks_me", "-created_at", "-id")
    )


def side_conversation_get_for(ticket, pk):
    """The side conversation PK of TICKET (a ticket the caller may see, from ticket_get_for), else 404."""
    return get_object_or_404(
        SideConversation.objects.select_related("ticket", "target_team", "target_region"), pk=pk, ticket=ticket
    )


def side_conversation_targets():
    """(teams, regions) a side conversation can ask, for the form that starts one."""
    return Team.objects.select_related("region").order_by("tier", "name"), Region.objects.order_by("name")


MENTION_SUGGESTIONS = 8


def mention_suggestions(prefix):
    """Up to MENTION_SUGGESTIONS agents and leads, then teams, whose username, first or last name, or code or name
    starts with PREFIX: [{"handle", "label", "kind"}] for the composer's @ autocomplete."""
    prefix = prefix.strip().lstrip("@")
    if not prefix:
        return []
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(agent__isnull=False) | Q(led_teams__isnull=False))
        .filter(Q(username__istartswith=prefix) | Q(first_name__istartswith=prefix) | Q(last_name__istartswith=prefix))
        .select_related("agent__team")
        .distinct()
        .order_by("username")[:MENTION_SUGGESTIONS]
    )
    found = []
    for user in people:
        agent = getattr(user, "agent", None)
        where = agent.team.name if agent else "team lead"
        label = f"{user.get_full_name() or user.username} · {where}"
        found.append({"handle": user.username, "label": label, "kind": "person"})
    teams = Team.objects.filter(Q(code__istartswith=prefix) | Q(name__istartswith=prefix)).order_by("code")
    found += [{"handle": t.code, "label": f"{t.name} (team)", "kind": "team"} for t in teams[:MENTION_SUGGESTIONS]]
    return found[:MENTION_SUGGESTIONS]
