import datetime as dt

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import AgentFactory, CustomerFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.models import Customer, SlaPolicy, Ticket, TicketEvent
from tickets.services import ticket_assign, ticket_set_next_action, ticket_set_status

pytestmark = pytest.mark.django_db

# Monday 5 January 2026, 10:00 UTC.
NOW = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    team = TeamFactory(code="t1-dub", name="Dublin T1", tier=1)
    shift_pattern(team, "00:00-00:00")
    return team


@pytest.fixture
def agent(team):
    return AgentFactory(team=team).user


def client_for(user, token=False):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    else:
        client.force_authenticate(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def kinds(t):
    return list(t.events.order_by("id").values_list("kind", flat=True))


NEW_TICKET = {
    "customer": {"email": "ana@example.org", "name": "Ana Silva", "country": "IE"},
    "subject": "Refund for a double charge",
    "body": "I was charged twice.",
}


# List


def test_agent_lists_the_tickets_of_their_tier_newest_first(team, agent):
    # given two tickets of the agent's tier and one of tier 2
    TeamFactory(code="t2-dub", tier=2)
    first = ticket(tags=["billing"])
    second = ticket()
    hidden = ticket(tier=2)

    # when
    response = client_for(agent).get("/api/v1/tickets/")

    # then
    assert ids(response) == [second.id, first.id]
    assert hidden.id not in ids(response)
    row = response.json()["results"][1]
    assert row["reference"] == f"MER-{first.id}"
    assert row["team"] == {"code": "t1-dub", "name": "Dublin T1", "region": "dub"}
    assert row["customer"]["email"] == first.customer.email
    assert row["tags"] == ["billing"]
    assert row["next_action"] == {"text": "", "due_at": None, "set_by": None, "set_at": None}
    assert row["sla"] == {"state": "none", "target": "", "due_at": None}


def test_list_filters(team, agent):
    # given three tickets that differ in every filtered field
    lead = UserFactory(role="lead")
    mine = ticket(priority="high", tags=["billing"])
    ticket_assign(ticket=mine, assignee=agent, actor=lead)
    ticket_set_next_action(ticket=mine, text="Refund once finance confirms", actor=agent)
    spanish = ticket(channel="web", customer=CustomerFactory(email="Ana@Example.org", language="es"))
    pending = ticket(priority="low")
    ticket_set_status(ticket=pending, status="pending", actor=agent)
    client = client_for(agent)

    # when / then
    expected = {
        "view=mine": [mine.id],
        "view=unassigned": [pending.id, spanish.id],
        "view=team": [pending.id, spanish.id, mine.id],
        "status=pending": [pending.id],
        "priority=high": [mine.id],
        "tier=1": [pending.id, spanish.id, mine.id],
        "tier=2": [],
        "channel=web": [spanish.id],
        "language=es": [spanish.id],
        "customer_email=ANA@example.ORG": [spanish.id],
        "missing_next_action=true": [pending.id, spanish.id],
        "view=unassigned&priority=low": [pending.id],
    }
    for query, wanted in expected.items():
        assert ids(client.get(f"/api/v1/tickets/?{query}")) == wanted, query


def test_list_refuses_unknown_filter_values(team, agent):
    # when
    response = client_for(agent).get("/api/v1/tickets/?priority=asap&view=everything&sla_due_within=-5")

    # then
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"priority", "view", "sla_due_within"}


def test_sla_fields_and_the_sla_due_within_filter(team, agent):
    # given a policy for normal priority only
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=60, next_response_minutes=120, resolution_minutes=600
    )
    with_sla = ticket()
    without_sla = ticket(priority="low")
    client = client_for(agent)

    # when
    detail = client.get(f"/api/v1/tickets/{with_sla.id}/").json()

    # then
    assert detail["sla"] == {"state": "ok", "target": "first_response", "due_at": "2026-01-05T11:00:00Z"}
    assert client.get(f"/api/v1/tickets/{without_sla.id}/").json()["sla"]["state"] == "none"
    assert ids(client.get("/api/v1/tickets/?sla_due_within=30")) == []
    assert ids(client.get("/api/v1/tickets/?sla_due_within=90")) == [with_sla.id]


def test_cursor_pagination_gives_every_ticket_once(team, agent):
    # given
    made = [ticket().id for _ in range(7)]
    client = client_for(agent)

    # when we follow the next links three at a time
    seen, url, pages = [], "/api/v1/tickets/?page_size=3", 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1

    # then
    assert pages == 3
    assert seen == sorted(made, reverse=True)


def _busy_tickets(n, agent, lead):
    """Tickets with everything a row shows: customer, team, assignee, tags and a Next Action."""
    for i in range(n):
        t = ticket(tags=["billing", f"batch-{i % 3}"])
        ticket_assign(ticket=t, assignee=agent, actor=lead)
        ticket_set_next_action(ticket=t, text=f"Call back #{i}", actor=lead)


def test_list_query_count_does_not_grow_with_the_page(team, agent, django_assert_max_num_queries):
    # given five busy tickets, read with a token
    lead = UserFactory(role="lead")
    _busy_tickets(5, agent, lead)
    token = Token.objects.create(user=agent).key

    def read():
        return APIClient().get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token}")

    # when
    with django_assert_max_num_queries(12) as five:
        small = read()

    # given 55 more
    _busy_tickets(55, agent, lead)

    # when
    with django_assert_max_num_queries(12) as sixty:
        large = read()

    # then the default page is 50 rows and costs what a page of five does
    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 50 and large.json()["next"]
    assert large.json()["results"][0]["assignee"] == agent.username
    assert large.json()["results"][0]["next_action"]["set_by"] == lead.username
    assert len(sixty.captured_queries) == len(five.captured_queries)


# Create


def test_agent_creates_a_ticket_reusing_the_customer_by_email(team, agent):
    # given a customer known by email
    known = CustomerFactory(email="ana@example.org", name="Ana Silva")

    # when the same email arrives in other case
    payload = {
        **NEW_TICKET,
        "customer": {**NEW_TICKET["customer"], "email": "ANA@Example.ORG"},
        "priority": "high",
        "tags": ["Billing"],
    }
    response = client_for(agent).post("/api/v1/tickets/", payload, format="json")

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer"]["id"] == known.id
    assert Customer.objects.count() == 1
    assert (body["status"], body["priority"], body["channel"], body["tags"]) == ("new", "high", "api", ["billing"])
    assert body["team"]["code"] == "t1-dub"
    created = Ticket.objects.get(pk=body["id"])
    assert kinds(created)[:3] == ["created", "customer_message", "routing"]
    routing = created.events.filter(kind="routing")
    assert routing.count() >= 2 and all(e.summary for e in routing)
    assert created.events.get(kind="created").actor == agent


def test_bad_input_is_400_with_field_messages_and_writes_nothing(team, agent):
    # when
    response = client_for(agent).post(
        "/api/v1/tickets/",
        {
            "customer": {"email": "not-an-email", "country": "XX"},
            "subject": "   ",
            "body": "Help",
            "priority": "asap",
            "tier": 7,
            "tags": ["not a slug"],
        },
        format="json",
    )

    # then
    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert set(errors) == {
        "customer.email",
        "customer.name",
        "customer.country",
        "subject",
        "priority",
        "tier",
        "tags.0",
    }
    assert "XX is not an ISO 3166 country code" in errors["customer.country"][0]
    assert not Customer.objects.exists() and not Ticket.objects.exists() and not TicketEvent.objects.exists()


# Change


@pytest.mark.parametrize(
    "change, kind",
    [
        ({"status": "open"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"assignee": "USERNAME"}, "assignee"),
        ({"assignee": "ID"}, "assignee"),
        ({"tags": ["billing", "refund"]}, "tags"),
        ({"is_critical": True}, "escalation"),
        ({"is_outage": True}, "escalation"),
        ({"is_critical": True, "is_outage": True}, "escalation"),
    ],
)
def test_patch_writes_one_timeline_event_per_change(team, agent, change, kind):
    # given
    t = ticket()
    before = kinds(t)
    if change.get("assignee") == "USERNAME":
        change = {"assignee": agent.username}
    elif change.get("assignee") == "ID":
        change = {"assignee": agent.id}

    # when
    response = client_for(agent).patch(f"/api/v1/tickets/{t.id}/", change, format="json")

    # then
    assert response.status_code == 200, response.content
    assert kinds(t) == [*before, kind]
    body = response.json()
    for field, value in change.items():
        expected = agent.username if field == "assignee" else value
        assert body[field] == expected


def test_patch_unassigns_with_null(team, agent):
    # given
    t = ticket()
    ticket_assign(ticket=t, assignee=agent, actor=agent)

    # when
    response = client_for(agent).patch(f"/api/v1/tickets/{t.id}/", {"assignee": None}, format="json")

    # then
    assert response.status_code == 200 and response.json()["assignee"] is None
    assert t.events.order_by("id").last().data == {"assignee": None}


def test_refused_status_transition_is_409_naming_the_field(team, agent):
    # given a closed ticket
    t = ticket()
    ticket_set_status(ticket=t, status="closed", actor=agent)
    before = kinds(t)

    # when
    response = client_for(agent).patch(f"/api/v1/tickets/{t.id}/", {"status": "open"}, format="json")

    # then
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "conflict",
            "message": "A closed ticket cannot become open.",
            "fields": {"status": ["A closed ticket cannot become open."]},
        }
    }
    t.refresh_from_db()
    assert t.status == "closed" and kinds(t) == before


def test_patch_is_all_or_nothing(team, agent):
    # given a lead who is not an agent
    t = ticket()
    before = kinds(t)
    lead = UserFactory(role="lead")

    # when the priority is fine but the assignee is refused
    response = client_for(agent).patch(
        f"/api/v1/tickets/{t.id}/", {"priority": "urgent", "assignee": lead.username}, format="json"
    )

    # then neither is written
    assert response.status_code == 400 and "is not an agent" in response.json()["error"]["fields"]["assignee"][0]
    t.refresh_from_db()
    assert t.priority == "normal" and kinds(t) == before


def test_patch_refuses_fields_it_cannot_change_and_unknown_users(team, agent):
    # given
    t = ticket()
    client = client_for(agent)

    # when
    fields = client.patch(f"/api/v1/tickets/{t.id}/", {"subject": "Other", "sla_state": "ok"}, format="json")
    user = client.patch(f"/api/v1/tickets/{t.id}/", {"assignee": "nobody"}, format="json")
    put = client.put(f"/api/v1/tickets/{t.id}/", {"status": "open"}, format="json")

    # then
    assert fields.status_code == 400 and set(fields.json()["error"]["fields"]) == {"subject", "sla_state"}
    assert user.status_code == 400
    assert user.json()["error"]["fields"] == {"assignee": ["No user with this username or id."]}
    assert put.status_code == 405
    t.refresh_from_db()
    assert t.subject == "Cannot log in" and t.status == "new"


# Messages and timeline


def test_reply_and_note_then_read_messages_and_timeline(team, agent):
    # given
    t = ticket(body="I cannot log in.")
    client = client_for(agent)
    url = f"/api/v1/tickets/{t.id}/messages/"

    # when
    reply = client.post(url, {"body": "Try **this**\n\n<script>alert(1)</script>"}, format="json")
    note = client.post(url, {"body": "Checked the logs", "internal": True}, format="json")

    # then
    assert reply.status_code == 201, reply.content
    assert reply.json()["kind"] == "reply" and reply.json()["actor"] == agent.username
    html = reply.json()["body_html"]
    assert "<strong>this</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert note.status_code == 201 and note.json()["kind"] == "note" and note.json()["internal"] is True

    messages = client.get(url).json()
    assert [(m["kind"], m["internal"]) for m in messages] == [
        ("customer_message", False),
        ("reply", False),
        ("note", True),
    ]
    assert messages[0]["body"] == "I cannot log in." and messages[0]["actor"] is None

    timeline = client.get(f"/api/v1/tickets/{t.id}/timeline/").json()
    assert [e["kind"] for e in timeline] == kinds(t)
    status = next(e for e in timeline if e["kind"] == "status")
    assert status["summary"] == "New → Open (first reply)" and status["actor"] == agent.username
    assert status["body"] is None and status["body_html"] is None
    assert status["data"] == {"from": "new", "to": "open"}


def test_a_reply_can_set_the_status_in_the_same_change(team, agent):
    # given
    t = ticket()
    client = client_for(agent)
    url = f"/api/v1/tickets/{t.id}/messages/"

    # when
    sent = client.post(url, {"body": "Please send a screenshot", "status": "pending"}, format="json")
    bad = client.post(url, {"body": "Hello", "status": "new"}, format="json")
    refused = client.post(url, {"body": "Hello", "status": "pending"}, format="json")

    # then
    assert sent.status_code == 201 and sent.json()["kind"] == "reply"
    assert client.get(f"/api/v1/tickets/{t.id}/").json()["status"] == "pending"
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["status"]
    assert refused.status_code == 201  # already pending: nothing to change
    ticket_set_status(ticket=t, status="solved", actor=agent)
    later = client.post(url, {"body": "One more", "status": "pending"}, format="json")
    assert later.status_code == 400
    assert later.json()["error"]["fields"] == {"status": ["A solved ticket cannot become pending customer."]}


def test_empty_reply_and_reply_on_a_closed_ticket_are_400(team, agent):
    # given
    t = ticket()
    client = client_for(agent)
    url = f"/api/v1/tickets/{t.id}/messages/"

    # when
    empty = client.post(url, {"body": "   "}, format="json")
    ticket_set_status(ticket=t, status="closed", actor=agent)
    closed = client.post(url, {"body": "Hello again"}, format="json")

    # then
    assert empty.status_code == 400 and empty.json()["error"]["fields"] == {"body": ["This field may not be blank."]}
    assert closed.status_code == 400
    assert closed.json()["error"]["fields"] == {"body": ["The ticket is closed; open a follow-up ticket instead."]}
    assert not t.events.filter(kind__in=["reply", "note"]).exists()


# Next Action and routing


def test_next_action_put_read_and_clear(team, agent):
    # given
    t = ticket()
    client = client_for(agent)
    url = f"/api/v1/tickets/{t.id}/next-action/"

    # when
    written = client.put(url, {"text": "Call the customer back", "due_at": "2026-01-05T14:00:00Z"}, format="json")

    # then
    assert written.status_code == 200
    note = {
        "text": "Call the customer back",
        "due_at": "2026-01-05T14:00:00Z",
        "set_by": agent.username,
        "set_at": "2026-01-05T10:00:00Z",
    }
    assert written.json() == note
    assert client.get(url).json() == note
    assert client.get(f"/api/v1/tickets/{t.id}/").json()["next_action"] == note
    assert ids(client.get("/api/v1/tickets/?missing_next_action=true")) == []

    # when
    cleared = client.put(url, {"text": ""}, format="json")
    refused = client.put(url, {"text": "", "due_at": "2026-01-05T14:00:00Z"}, format="json")

    # then
    assert cleared.json() == {"text": "", "due_at": None, "set_by": None, "set_at": None}
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"due_at": ["A due time needs a Next Action to go with it."]}
    assert list(t.events.filter(kind="next_action").values_list("summary", flat=True)) == [
        "Next Action: Call the customer back",
        "Next Action cleared",
    ]


def test_route_again_gives_the_ticket_to_the_team_on_shift():
    # given a ticket that arrived while there was no tier 1 team
    t = ticket()
    assert t.team is None
    team = TeamFactory(code="t1-dub", tier=1)
    shift_pattern(team, "00:00-00:00")
    admin = UserFactory(role="admin")  # an unrouted ticket belongs to no team: only admins see it

    # when
    response = client_for(admin).post(f"/api/v1/tickets/{t.id}/route/")

    # then
    assert response.status_code == 200 and response.json()["team"]["code"] == "t1-dub"
    assert t.events.filter(kind="routing", summary__startswith="Re-routed by").exists()


# Outsiders


def test_agent_of_another_tier_gets_404_and_changes_nothing(team, agent):
    # given a tier 1 ticket and a tier 2 agent
    t = ticket()
    before = kinds(t)
    outsider = client_for(AgentFactory(team=TeamFactory(code="t2-dub", tier=2)).user)
    base = f"/api/v1/tickets/{t.id}"

    # when / then
    assert outsider.get(f"{base}/").status_code == 404
    assert outsider.get(f"{base}/timeline/").status_code == 404
    assert outsider.get(f"{base}/messages/").status_code == 404
    assert outsider.post(f"{base}/messages/", {"body": "Hi"}, format="json").status_code == 404
    assert outsider.get(f"{base}/next-action/").status_code == 404
    assert outsider.put(f"{base}/next-action/", {"text": "Mine"}, format="json").status_code == 404
    assert outsider.patch(f"{base}/", {"status": "solved"}, format="json").status_code == 404
    assert outsider.post(f"{base}/route/").status_code == 404
    assert ids(outsider.get("/api/v1/tickets/")) == []
    t.refresh_from_db()
    assert t.status == "new" and kinds(t) == before


def test_anonymous_gets_401(team):
    # given
    t = ticket()
    client = APIClient()

    # when / then
    assert client.get("/api/v1/tickets/").status_code == 401
    assert client.get(f"/api/v1/tickets/{t.id}/").status_code == 401
    assert client.post("/api/v1/tickets/", NEW_TICKET, format="json").status_code == 401
    assert client.patch(f"/api/v1/tickets/{t.id}/", {"status": "open"}, format="json").status_code == 401
    assert Ticket.objects.count() == 1


def test_user_without_a_role_gets_403(team):
    # given
    client = client_for(UserFactory())

    # when / then
    assert client.get("/api/v1/tickets/").status_code == 403
    assert client.post("/api/v1/tickets/", NEW_TICKET, format="json").status_code == 403
    assert not Customer.objects.exists()


def test_integration_token_creates_and_reads(team):
    # given an integration with a token
    integration = UserFactory(role="integration")
    client = client_for(integration, token=True)

    # when
    created = client.post("/api/v1/tickets/", {**NEW_TICKET, "tags": ["refund"]}, format="json")
    listed = client.get("/api/v1/tickets/")

    # then
    assert created.status_code == 201, created.content
    assert created.json()["customer"]["email"] == "ana@example.org"
    assert created.json()["channel"] == "api"
    assert Ticket.objects.get().events.get(kind="created").actor == integration
    assert listed.status_code == 200
    # replies and notes are for agents
    reply = client.post(f"/api/v1/tickets/{created.json()['id']}/messages/", {"body": "Hi"}, format="json")
    assert reply.status_code == 403


def test_integration_reads_back_the_ticket_it_created(team):
    # given
    client = client_for(UserFactory(role="integration"), token=True)
    created = client.post("/api/v1/tickets/", NEW_TICKET, format="json").json()

    # when
    response = client.get(f"/api/v1/tickets/{created['id']}/")

    # then
    assert response.status_code == 200
