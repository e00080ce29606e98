"""Queries per request: constant in the data and within budget (issue #12), so no later change brings back an N+1.

Every test measures one page or endpoint with N rows, adds 2N more, measures again and asserts the same count both
times, and at most BUDGET. Counts, not times: they do not depend on the machine.

A request is measured after one warm-up request, so first-use work that is not per row (a settings row created on
first read, the content-type cache) is not counted.
"""

import datetime as dt
import itertools

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from compliance.models import Role
from compliance.services import role_grant
from handoff.services import handoff_run
from tests.factories import AgentFactory, CustomerFactory, TeamFactory, UserFactory, shift_pattern
from tests.handoff.conftest import BOUNDARY, sun  # noqa: F401 - the fixture, used by name
from tests.knowledge.conftest import kb, publish, translate  # noqa: F401 - kb is a fixture, used by name
from tests.qa.conftest import T0, conversation, rubrics, world  # noqa: F401 - fixtures, used by name
from tickets.models import Notification, Tag, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BUDGET = 12  # issue #12: at most 12 queries on any page
N = 4
_serial = itertools.count()


@pytest.fixture(autouse=True)
def _sessions_in_the_cache(settings):
    """As production runs with CACHE_URL (docs/deployment.md): the session is read from the shared cache."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


class Queries(list):
    """The SQL of one request; compares and prints as its length, and shows the statements when a test fails."""

    def __eq__(self, other):
        return len(self) == (len(other) if isinstance(other, list) else other)

    def __le__(self, other):
        return len(self) <= other

    def __hash__(self):
        return len(self)

    def __repr__(self):
        return f"{len(self)} queries:\n  " + "\n  ".join(sql[:200] for sql in self)


def queries(client, url, data=None, **headers):
    """The queries of one GET of URL (after a warm-up request)."""
    client.get(url, data, **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data, **headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return Queries(q["sql"] for q in captured.captured_queries)


def tickets(n, *, team, assignee=None, events=2, status="open", priority="high", **fields):
    """N tickets of TEAM (bulk-inserted: the shape of the data matters here, not how it came to be), each with its
    own customer, two tags, EVENTS timeline events by the assignee, and a language of its own."""
    now = timezone.now()
    tags = [Tag.objects.get_or_create(name=name)[0] for name in ("billing", "vip")]
    made = Ticket.objects.bulk_create(
        Ticket(
            subject=f"Cannot log in {i}",
            channel="email",
            customer=CustomerFactory(email=f"qc{next(_serial)}@example.org", country="IE"),
            team=team,
            tier=team.tier,
            assignee=assignee,
            status=status,
            priority=priority,
            language=f"l{i % 7}",
            created_at=now - dt.timedelta(hours=2),
            updated_at=now - dt.timedelta(minutes=i),
            sla_due_at=now + dt.timedelta(hours=1, minutes=i),
            **fields,
        )
        for i in range(n)
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=t, kind="reply" if k % 2 else "customer_message", body=f"Message {k}",
                    actor=assignee if k % 2 else None, created_at=now - dt.timedelta(minutes=60 - k))
        for t in made
        for k in range(events)
    )  # fmt: skip
    Ticket.tags.through.objects.bulk_create(
        Ticket.tags.through(ticket_id=t.pk, tag_id=tag.pk) for t in made for tag in tags
    )
    return made


def assert_constant(measure, grow, budget=BUDGET):
    """MEASURE() with the data as it is, then after GROW() (which adds twice as much): same count, within BUDGET."""
    before = measure()
    grow()
    after = measure()
    assert before == after, f"with N rows {before!r}\nwith 3N rows {after!r}\n(an N+1)"
    assert after <= budget, f"budget {budget}, {after!r}"
    return after


# ---- The agent's workspace ---------------------------------------------------------------------------------------


@pytest.fixture
def desk(sun):  # noqa: F811 - the fixture imported above
    """An in-house agent of Dublin Tier 1 with tickets assigned, and the team's lead."""
    agent = AgentFactory(team=sun["dub"], user=UserFactory(username="agent.qc", role="agent")).user
    return {"teams": sun, "agent": agent, "lead": sun["dub"].leads.get()}


def test_queue_default_view(client, desk):
    client.force_login(desk["agent"])
    tickets(N, team=desk["teams"]["dub"], assignee=desk["agent"])
    assert_constant(
        lambda: queries(client, reverse("queue")),
        lambda: tickets(2 * N, team=desk["teams"]["dub"], assignee=desk["agent"]),
    )


def test_queue_filtered_view_and_search(client, desk):
    client.force_login(desk["agent"])
    tickets(N, team=desk["teams"]["dub"], assignee=desk["agent"])
    for params in ({"view": "team", "status": "open", "priority": "high"}, {"q": "log in"}):
        assert_constant(
            lambda params=params: queries(client, reverse("queue"), params),
            lambda: tickets(2 * N, team=desk["teams"]["dub"], assignee=desk["agent"]),
        )


def test_queue_of_a_lead(client, desk):
    client.force_login(desk["lead"])
    tickets(N, team=desk["teams"]["dub"], assignee=desk["agent"])
    assert_constant(
        lambda: queries(client, reverse("queue"), {"view": "all"}),
        lambda: tickets(2 * N, team=desk["teams"]["dub"], assignee=desk["agent"]),
    )


def test_ticket_page_with_many_timeline_events(client, desk):
    client.force_login(desk["agent"])
    [few] = tickets(1, team=desk["teams"]["dub"], assignee=desk["agent"], events=30)
    [many] = tickets(1, team=desk["teams"]["dub"], assignee=desk["agent"], events=90)
    tickets(N, team=desk["teams"]["dub"], assignee=desk["agent"])  # the same customer's other tickets list
    with_30, with_90 = (queries(client, reverse("ticket", args=[t.pk])) for t in (few, many))
    assert with_30 == with_90, f"30 events {with_30!r}\n90 events {with_90!r}"
    assert with_90 <= BUDGET, with_90


def test_notifications_page(client, desk):
    client.force_login(desk["agent"])

    def notify(n):
        now = timezone.now()
        Notification.objects.bulk_create(
            Notification(recipient=desk["agent"], ticket=t, kind="assigned", text=f"{t.reference} is yours",
                         created_at=now, deliver_at=now - dt.timedelta(minutes=1))
            for t in tickets(n, team=desk["teams"]["dub"], assignee=desk["agent"])
        )  # fmt: skip

    notify(N)
    assert_constant(lambda: queries(client, reverse("notifications")), lambda: notify(2 * N))


# ---- Handoff and coverage ----------------------------------------------------------------------------------------


@time_machine.travel(BOUNDARY - dt.timedelta(minutes=30), tick=False)  # Dublin's shift ends: the arriving team shows
def test_lead_handoff_dashboard(client, desk):
    """Readiness, blocked handoffs, cold and bouncing tickets and run metrics, for a growing team and history."""
    client.force_login(desk["lead"])
    dub = desk["teams"]["dub"]
    boundaries = (BOUNDARY + dt.timedelta(days=d) for d in itertools.count())

    def grow(n):
        tickets(n, team=dub, assignee=desk["agent"])
        tickets(n, team=dub, next_action="Call back", next_action_set_at=timezone.now())
        at = next(boundaries)
        handoff_run(team=dub, boundary_at=at, now=at)

    grow(N)
    assert_constant(
        lambda: queries(client, reverse("handoff-dashboard"), {"team": "t1-dub"}),
        lambda: grow(2 * N),
    )


def test_coverage_page(client, desk):
    """Constant in the number of teams and shift patterns of the tier."""
    client.force_login(desk["lead"])
    region = desk["teams"]["dub"].region

    def more_teams(n):
        for _ in range(n):
            team = TeamFactory(code=f"t1-qc{next(_serial)}", region=region, tier=1)
            shift_pattern(team, "09:00-13:00")
            shift_pattern(team, "14:00-18:00", weekdays=range(5))
            AgentFactory(team=team)

    more_teams(N)
    assert_constant(lambda: queries(client, reverse("coverage"), {"tier": 1}), lambda: more_teams(2 * N))


# ---- Knowledge ---------------------------------------------------------------------------------------------------


def _articles(kb, n):  # noqa: F811 - the kb fixture's value
    for _ in range(n):
        article = publish(kb, title=f"Issue a refund {next(_serial)}")
        translate(kb, article)


def test_knowledge_search_page(client, kb):  # noqa: F811
    client.force_login(kb["agent"])
    _articles(kb, N)
    assert_constant(lambda: queries(client, reverse("knowledge"), {"q": "refund"}), lambda: _articles(kb, 2 * N))


def test_knowledge_article_list_and_search_api(client, kb):  # noqa: F811
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=kb['agent'])[0].key}"}
    _articles(kb, N)
    for url, params in (("/api/v1/articles/", {}), ("/api/v1/articles/search/", {"q": "refund"})):
        assert_constant(
            lambda url=url, params=params: queries(client, url, params, **headers), lambda: _articles(kb, 2 * N)
        )


# ---- Quality ------------------------------------------------------------------------------------------------------


def test_qa_metrics_page(client, world):  # noqa: F811
    client.force_login(world["lead.dub"])
    week = {"dimension": "agent", "week": T0.date().isoformat()}

    def solved(n):
        for i in range(n):
            at = T0 - dt.timedelta(days=7 * (i % 3))  # this week, the week before and the trend
            conversation(agent=world["agent.dub"], team=world["teams"]["dub"], at=at, replies=1 + i % 2)

    solved(N)
    assert_constant(lambda: queries(client, reverse("qa-metrics"), week), lambda: solved(2 * N))


# ---- API ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def api(desk):
    bot = UserFactory(username="api.qc")
    role_grant(user=bot, role=Role.INTEGRATION)
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=bot)[0].key}"}


def test_api_ticket_list_page_of_5_and_of_50(client, desk, api):
    tickets(60, team=desk["teams"]["dub"], assignee=desk["agent"])
    small = queries(client, "/api/v1/tickets/", {"view": "all", "page_size": 5}, **api)
    large = queries(client, "/api/v1/tickets/", {"view": "all", "page_size": 50}, **api)
    filtered = queries(client, "/api/v1/tickets/", {"page_size": 50, "status": "open", "priority": "high"}, **api)
    assert small == large == filtered <= BUDGET


def test_api_ticket_list_and_sync(client, desk, api):
    tickets(N, team=desk["teams"]["dub"], assignee=desk["agent"])
    for url, params in (("/api/v1/tickets/", {"page_size": 50}), ("/api/v1/tickets/sync/", {"limit": 100})):
        assert_constant(
            lambda url=url, params=params: queries(client, url, params, **api),
            lambda: tickets(2 * N, team=desk["teams"]["dub"], assignee=desk["agent"]),
        )


def test_api_ticket_retrieve(client, desk, api):
    [few] = tickets(1, team=desk["teams"]["dub"], assignee=desk["agent"], events=5)
    [many] = tickets(1, team=desk["teams"]["dub"], assignee=desk["agent"], events=60)
    with_5, with_60 = (queries(client, f"/api/v1/tickets/{t.pk}/", **api) for t in (few, many))
    assert with_5 == with_60, f"5 events {with_5!r}\n60 events {with_60!r}"
    assert with_60 <= BUDGET, with_60


def test_api_customers_list(client, desk, api):
    tickets(N, team=desk["teams"]["dub"], assignee=desk["agent"])
    assert_constant(
        lambda: queries(client, "/api/v1/customers/", **api),
        lambda: tickets(2 * N, team=desk["teams"]["dub"], assignee=desk["agent"]),
    )
