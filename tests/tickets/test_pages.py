import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    shift_pattern,
    ticket,
)
from tickets.models import EventKind, Macro, Notification, Priority, SlaPolicy, Ticket, TicketViewer
from tickets.services import ticket_assign, ticket_set_next_action, ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def dublin():
    region = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE")
    team = TeamFactory(code="t1-dub", name="Dublin Tier 1", region=region, tier=1)
    shift_pattern(team, "00:00-00:00")
    for priority, minutes in (("low", 240), ("normal", 60), ("high", 30), ("urgent", 15)):
        SlaPolicy.objects.create(
            name=priority,
            priority=priority,
            first_response_minutes=minutes,
            next_response_minutes=minutes * 2,
            resolution_minutes=minutes * 10,
        )
    return team


def agent_of(team, username, first, last, time_zone="Europe/Dublin"):
    user = UserFactory(username=username, first_name=first, last_name=last, role="agent", time_zone=time_zone)
    AgentFactory(user=user, team=team)
    return user


@pytest.fixture
def aoife(dublin):
    return agent_of(dublin, "aoife", "Aoife", "Byrne")


@pytest.fixture
def cian(dublin):
    return agent_of(dublin, "cian", "Cian", "Murphy")


@pytest.fixture
def outsider(dublin):
    """An agent of Tier 2: may not see Tier 1 tickets."""
    team = TeamFactory(code="t2-dub", name="Dublin Tier 2", region=dublin.region, tier=2)
    return agent_of(team, "tier2", "Zofia", "Nowak")


def mine(user, **kwargs):
    t = ticket(**kwargs)
    return ticket_assign(ticket=t, assignee=user, actor=user)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# Who may come in


def test_anonymous_is_sent_to_login_everywhere(client, dublin):
    # given a ticket and nobody signed in
    t = ticket()
    # when an anonymous visitor opens any page or posts to any endpoint
    urls = [reverse("queue"), reverse("notifications"), reverse("ticket", args=[t.pk])]
    posts = [reverse(name, args=[t.pk]) for name in ("ticket-reply", "ticket-status", "ticket-presence")]
    # then they are sent to the login page
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for url in posts:
        response = client.post(url, {"status-status": "open"})
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert t.events.filter(kind=EventKind.STATUS).count() == 0


def test_integration_account_cannot_use_the_workspace(client, dublin):
    # given an API-only account
    client.force_login(UserFactory(role="integration"))
    t = ticket()
    # when it opens the pages, then it is refused
    assert client.get(reverse("queue")).status_code == 403
    assert client.get(reverse("notifications")).status_code == 403
    assert client.get(reverse("ticket", args=[t.pk])).status_code in (403, 404)
    assert client.post(reverse("ticket-reply", args=[t.pk]), {"reply-body": "x"}).status_code in (403, 404)


def test_agent_of_another_tier_gets_404_on_the_ticket_and_every_endpoint(client, dublin, outsider):
    # given a Tier 1 ticket and a Tier 2 agent
    t = ticket()
    client.force_login(outsider)
    # when the outsider reads or writes it, then it does not exist for them
    for name in ("ticket", "ticket-live", "ticket-macro"):
        assert client.get(reverse(name, args=[t.pk])).status_code == 404
    writes = {
        "ticket-reply": {"reply-body": "hello", "reply-kind": "reply"},
        "ticket-next-action": {"na-text": "Take it over"},
        "ticket-status": {"status-status": "solved"},
        "ticket-priority": {"priority-priority": "urgent"},
        "ticket-assignee": {"assignee-assignee": "me"},
        "ticket-tags": {"tags-tags": "hacked"},
        "ticket-escalation": {"flags-critical": "on"},
        "ticket-presence": {"typing": "true"},
    }
    for name, data in writes.items():
        assert client.post(reverse(name, args=[t.pk]), data).status_code == 404, name
    # and nothing changed
    t.refresh_from_db()
    assert (t.status, t.priority, t.next_action, t.is_critical) == ("new", "normal", "", False)
    assert not TicketViewer.objects.exists()
    # nor does it appear in their queue or bulk actions
    response = client.get(reverse("queue"), {"view": "all"})
    assert list(response.context["page_obj"]) == []
    client.post(reverse("queue-bulk"), {"bulk-tickets": [t.pk], "bulk-action": "priority", "bulk-priority": "low"})
    t.refresh_from_db()
    assert t.priority == "normal"


def test_agents_and_leads_start_in_the_queue_admins_in_admin(client, dublin, aoife):
    client.force_login(aoife)
    assert client.get(reverse("home"))["Location"] == reverse("queue")
    client.force_login(UserFactory(role="lead"))
    assert client.get(reverse("home"))["Location"] == reverse("queue")
    client.force_login(UserFactory(role="admin"))
    assert client.get(reverse("home"))["Location"] == reverse("admin:index")


def test_write_endpoints_are_post_only(client, dublin, aoife):
    t = ticket()
    client.force_login(aoife)
    assert client.get(reverse("ticket-status", args=[t.pk])).status_code == 405
    assert client.get(reverse("queue-bulk")).status_code == 405


# Queue


def test_queue_views_have_counts_and_the_right_tickets(client, dublin, aoife, cian):
    # given tickets of mine, a colleague's, an unassigned one and a solved one of mine
    a, b = mine(aoife, subject="Refund missing"), mine(aoife, subject="Card declined")
    c = mine(cian, subject="Password reset")
    d = ticket(subject="Unrouted question")
    solved = ticket_set_status(ticket=mine(aoife), status="solved", actor=aoife)
    client.force_login(aoife)
    # when Aoife opens her queue
    response = client.get(reverse("queue"))
    # then "My tickets" is the default view, with the counts of every view
    assert response.context["view"] == "mine"
    assert {k: n for k, _, n in response.context["tabs"]} == {
        "mine": 2,
        "mentioned": 0,
        "team": 4,
        "unassigned": 1,
        "region": 4,
        "all": 5,
    }
    assert {t.pk for t in response.context["page_obj"]} == {a.pk, b.pk}
    page = response.content.decode()
    assert "Refund missing" in page and "Password reset" not in page
    assert 'id="count-team">4<' in page
    # and the other views show their tickets
    assert {t.pk for t in client.get(reverse("queue"), {"view": "unassigned"}).context["page_obj"]} == {d.pk}
    team = client.get(reverse("queue"), {"view": "team"}).context["page_obj"]
    assert {t.pk for t in team} == {a.pk, b.pk, c.pk, d.pk}
    assert solved.pk in {t.pk for t in client.get(reverse("queue"), {"view": "all"}).context["page_obj"]}


def test_queue_rows_show_badges_sla_countdown_and_missing_next_action(client, dublin, aoife):
    # given a ticket of mine, normal priority: first response due in 60 minutes
    with time_machine.travel(dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC), tick=False):
        t = mine(aoife, subject="Invoice wrong", priority="high")
    client.force_login(aoife)
    # when Aoife looks 20 minutes later, and again after the breach
    with time_machine.travel(dt.datetime(2026, 1, 5, 10, 20, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("queue")).content.decode()
    with time_machine.travel(dt.datetime(2026, 1, 5, 10, 40, tzinfo=dt.UTC), tick=False):
        late = client.get(reverse("queue")).content.decode()
    # then the row shows its status, priority, SLA countdown with the exact instant in her zone
    assert t.reference in page and "Invoice wrong" in page
    assert "High" in page and "New" in page
    assert "in 10 min" in page
    assert 'datetime="2026-01-05T10:30:00+00:00"' in page
    assert "Mon 5 Jan 2026, 10:30 GMT (Europe/Dublin)" in page
    assert "no Next Action" in page
    assert "breached 10 min ago" in late


def test_queue_filters(client, dublin, aoife):
    # given tickets differing in priority, status, channel, language and Next Action
    urgent = mine(aoife, subject="Outage", priority="urgent", channel="chat")
    normal = mine(aoife, subject="Question", customer=CustomerFactory(language="es"))
    pending = ticket_set_status(ticket=mine(aoife, subject="Waiting"), status="pending", actor=aoife)
    ticket_set_next_action(ticket=normal, text="Call back", actor=aoife)
    client.force_login(aoife)

    def rows(**params):
        return {t.pk for t in client.get(reverse("queue"), params).context["page_obj"]}

    # when she filters, then only the matching tickets remain
    assert rows(priority="urgent") == {urgent.pk}
    assert rows(status="pending") == {pending.pk}
    assert rows(channel="chat") == {urgent.pk}
    assert rows(language="es") == {normal.pk}
    assert rows(missing_next_action="on") == {urgent.pk, pending.pk}
    assert rows(sla_due_within="20") == {urgent.pk}  # urgent: first response in 15 min
    assert rows(sla_due_within="-5") == {urgent.pk, normal.pk, pending.pk}  # invalid: ignored, shown as error
    response = client.get(reverse("queue"), {"priority": "low"})
    assert "No tickets match these filters." in response.content.decode()


def test_empty_queue_explains_what_would_be_here(client, dublin, aoife):
    client.force_login(aoife)
    page = client.get(reverse("queue")).content.decode()
    assert "No open tickets are assigned to you" in page


def test_queue_paginates_by_50_and_keeps_filters_in_page_links(client, dublin, aoife):
    # given 55 high-priority tickets of mine
    for _ in range(55):
        ticket(priority="high")
    Ticket.objects.update(assignee=aoife)
    client.force_login(aoife)
    # when she filters and pages
    first = client.get(reverse("queue"), {"priority": "high"})
    second = client.get(reverse("queue"), {"priority": "high", "page": 2})
    # then pages hold 50 and 5, and the page links keep the filter
    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 5
    assert "/queue/?priority=high&amp;page=2" in first.content.decode()


def test_queue_query_count_does_not_grow_with_tickets(client, dublin, aoife, django_assert_max_num_queries):
    client.force_login(aoife)
    counts = []
    for total in (5, 40):
        # given TOTAL tickets of mine, some tagged and with a Next Action
        while Ticket.objects.count() < total:
            ticket(tags=["billing"] if Ticket.objects.count() % 2 else [])
        Ticket.objects.update(assignee=aoife, next_action="Check the refund")
        # when the queue and its polled fragment are rendered
        with django_assert_max_num_queries(26) as captured:
            response = client.get(reverse("queue"))
        with django_assert_max_num_queries(26) as fragment:
            client.get(reverse("queue-rows"))
        assert len(response.context["page_obj"]) == total
        counts.append((len(captured), len(fragment)))
    # then the number of queries is the same for 5 and 40 tickets
    assert counts[0] == counts[1], counts


def test_lead_without_agent_profile_sees_all_tiers_they_lead(client, dublin, outsider):
    # given a lead of the Tier 1 team, with no agent profile, and tickets in Tier 1 and Tier 2
    lead = UserFactory(role="lead")
    dublin.leads.add(lead)
    t1, t2 = ticket(), ticket(tier=2)
    client.force_login(lead)
    # when the lead opens the queue, then "All I may see" is the default and holds Tier 1 only
    response = client.get(reverse("queue"))
    assert response.context["view"] == "all"
    assert [t.pk for t in response.context["page_obj"]] == [t1.pk]
    assert client.get(reverse("ticket", args=[t2.pk])).status_code == 404
    assert client.get(reverse("ticket", args=[t1.pk])).status_code == 200


def test_ticket_page_query_count_does_not_grow_with_the_timeline(client, dublin, aoife, django_assert_max_num_queries):
    from tickets.services import ticket_reply

    t = mine(aoife, tags=["billing"])
    client.force_login(aoife)
    client.get(reverse("ticket", args=[t.pk]))  # warm-up: the configuration cache fills on first use
    counts = []
    for replies in (1, 15):
        # given a timeline with more and more messages
        while t.events.filter(kind=EventKind.NOTE).count() < replies:
            ticket_reply(ticket=t, body="Still checking", actor=aoife, internal=True)
        # when the page and the live fragment are rendered
        with django_assert_max_num_queries(32) as page:
            client.get(reverse("ticket", args=[t.pk]))
        with django_assert_max_num_queries(26) as live:
            client.get(reverse("ticket-live", args=[t.pk]))
        counts.append((len(page), len(live)))
    # then the number of queries stays the same
    assert counts[0] == counts[1], counts


def test_polled_fragment_uses_the_same_rows_and_updates_counts(client, dublin, aoife):
    t = mine(aoife, subject="Fresh ticket")
    client.force_login(aoife)
    full = client.get(reverse("queue")).content.decode()
    fragment = client.get(reverse("queue-rows")).content.decode()
    row = f'<tr id="row-{t.pk}"'
    assert row in full and row in fragment
    assert 'hx-trigger="every 10s"' in full
    assert 'id="count-mine" hx-swap-oob="true">1<' in fragment
    assert "<html" not in fragment


def test_bulk_action_writes_one_event_per_ticket_and_reports_refusals(client, dublin, aoife):
    # given three tickets of mine, one of them closed
    a, b = mine(aoife), mine(aoife)
    closed = ticket_set_status(ticket=mine(aoife), status="closed", actor=aoife)
    client.force_login(aoife)
    # when she sets them all to "pending customer"
    response = client.post(
        reverse("queue-bulk"),
        {
            "bulk-tickets": [a.pk, b.pk, closed.pk],
            "bulk-action": "status",
            "bulk-status": "pending",
            "next": "/queue/?view=all",
        },
    )
    # then the two open ones change with one event each, the closed one is refused and named
    assert response["Location"] == "/queue/?view=all"
    for t in (a, b):
        t.refresh_from_db()
        assert t.status == "pending"
        assert t.events.filter(kind=EventKind.STATUS, data__to="pending").count() == 1
    closed.refresh_from_db()
    assert closed.status == "closed"
    messages = texts(response)
    assert "Updated 2 tickets." in messages
    assert any(m.startswith(f"{closed.reference} not changed:") and "cannot become" in m for m in messages)


def test_bulk_assign_priority_and_tag(client, dublin, aoife, cian):
    a, b = ticket(), ticket()
    client.force_login(aoife)
    client.post(
        reverse("queue-bulk"), {"bulk-tickets": [a.pk, b.pk], "bulk-action": "assign", "bulk-assignee": str(cian.pk)}
    )
    client.post(reverse("queue-bulk"), {"bulk-tickets": [a.pk], "bulk-action": "assign", "bulk-assignee": "me"})
    client.post(
        reverse("queue-bulk"), {"bulk-tickets": [a.pk, b.pk], "bulk-action": "priority", "bulk-priority": "high"}
    )
    client.post(reverse("queue-bulk"), {"bulk-tickets": [a.pk, b.pk], "bulk-action": "tag", "bulk-tag": "refund"})
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.assignee, b.assignee) == (aoife, cian)
    assert (a.priority, b.priority) == ("high", "high")
    assert [list(t.tags.values_list("name", flat=True)) for t in (a, b)] == [["refund"], ["refund"]]
    assert b.events.filter(kind=EventKind.TAGS).count() == 1


def test_bulk_without_selection_or_value_changes_nothing(client, dublin, aoife):
    t = mine(aoife)
    client.force_login(aoife)
    response = client.post(reverse("queue-bulk"), {"bulk-action": "priority", "bulk-priority": "high"})
    assert "Select at least one ticket first." in texts(response)
    response = client.post(reverse("queue-bulk"), {"bulk-tickets": [t.pk], "bulk-action": "priority"})
    assert any("Choose what to set priority first" in m for m in texts(response))
    t.refresh_from_db()
    assert t.priority == "normal"


# Ticket page


def test_ticket_page_shows_header_next_action_timeline_and_customer(client, dublin, aoife):
    # given a VIP customer with two tickets, one of them with a Next Action and a macro for everyone
    customer = CustomerFactory(name="Ana Ruiz", company="Acme", country="MX", time_zone="America/Mexico_City", vip=True)
    other = ticket(customer=customer, subject="Older problem")
    t = mine(aoife, customer=customer, subject="Cannot export", body="Export **fails** since Monday")
    ticket_set_next_action(ticket=t, text="Ask engineering about export job", actor=aoife)
    Macro.objects.create(name="Greeting", body="Hi {customer_name}")
    client.force_login(aoife)
    # when Aoife opens it
    response = client.get(reverse("ticket", args=[t.pk]))
    page = response.content.decode()
    # then she sees header, Next Action, the Markdown message, the customer and the other ticket
    assert response.status_code == 200
    assert t.reference in page and "Cannot export" in page
    assert "Dublin Tier 1 · Dublin" in page
    assert "Ask engineering about export job" in page
    assert "Export <strong>fails</strong> since Monday" in page
    assert "★</span> VIP" in page and "Acme" in page and "America/Mexico_City" in page
    assert other.reference in page and "Older problem" in page
    assert "Greeting" in page
    assert f'hx-post="/tickets/{t.pk}/presence/"' in page
    assert f'hx-get="/tickets/{t.pk}/live/?v=' in page


def test_reply_and_internal_note_go_on_the_timeline(client, dublin, aoife):
    t = mine(aoife)
    client.force_login(aoife)
    # when she replies and then adds a note
    response = client.post(reverse("ticket-reply", args=[t.pk]), {"reply-body": "Try **this**", "reply-kind": "reply"})
    assert response["Location"] == reverse("ticket", args=[t.pk])
    client.post(reverse("ticket-reply", args=[t.pk]), {"reply-body": "Customer sounds upset", "reply-kind": "note"})
    # then both are on the timeline, the reply opened the ticket, the note is marked internal
    t.refresh_from_db()
    assert t.status == "open" and t.first_response_at is not None
    assert t.events.get(kind=EventKind.REPLY).body == "Try **this**"
    assert t.events.get(kind=EventKind.NOTE).body == "Customer sounds upset"
    page = client.get(reverse("ticket", args=[t.pk])).content.decode()
    assert "Internal note" in page and 'class="event message kind-note"' in page


def test_a_reply_is_sent_and_the_status_set_in_one_go(client, dublin, aoife):
    t = mine(aoife)
    client.force_login(aoife)
    # when she sends a reply with "Then set status: Pending"
    url = reverse("ticket-reply", args=[t.pk])
    response = client.post(
        url, {"reply-body": "Please send a screenshot", "reply-kind": "reply", "reply-status": "pending"}
    )
    # then the reply is sent and the ticket waits for the customer
    assert response["Location"] == reverse("ticket", args=[t.pk])
    t.refresh_from_db()
    assert t.status == "pending" and t.events.filter(kind=EventKind.REPLY).count() == 1
    page = client.get(reverse("ticket", args=[t.pk])).content.decode()
    assert "Reply sent; the ticket is now pending customer." in page and 'name="reply-status"' in page
    # and a status it cannot take (pending → new is not offered; closed → anything is refused) keeps the text
    bad = client.post(url, {"reply-body": "Keep me", "reply-kind": "reply", "reply-status": "new"})
    assert bad.status_code == 400 and "Keep me" in bad.content.decode()
    t.status = "closed"
    t.save(update_fields=["status"])
    closed = client.post(url, {"reply-body": "Still here", "reply-kind": "reply", "reply-status": "solved"})
    assert closed.status_code == 400 and "Still here" in closed.content.decode()


def test_next_action_is_set_in_the_viewers_zone_and_cleared(client, dublin):
    # given an agent in Manila (UTC+8)
    maria = agent_of(dublin, "maria", "Maria", "Santos", time_zone="Asia/Manila")
    t = mine(maria)
    client.force_login(maria)
    # when she writes a Next Action due at 09:00 her time
    client.post(
        reverse("ticket-next-action", args=[t.pk]), {"na-text": "Call the bank", "na-due_at": "2030-01-02T09:00"}
    )
    t.refresh_from_db()
    # then it is stored as 01:00 UTC, with one timeline event
    assert t.next_action == "Call the bank"
    assert t.next_action_due_at == dt.datetime(2030, 1, 2, 1, 0, tzinfo=dt.UTC)
    assert t.events.filter(kind=EventKind.NEXT_ACTION).count() == 1
    # when she saves it empty, then it is cleared
    client.post(reverse("ticket-next-action", args=[t.pk]), {"na-text": "", "na-due_at": ""})
    t.refresh_from_db()
    assert (t.next_action, t.next_action_due_at) == ("", None)
    assert t.events.filter(kind=EventKind.NEXT_ACTION).count() == 2


def test_status_offers_only_allowed_transitions_and_refuses_others(client, dublin, aoife):
    t = ticket_set_status(ticket=mine(aoife), status="solved", actor=aoife)
    client.force_login(aoife)
    response = client.get(reverse("ticket", args=[t.pk]))
    offered = [v for v, _ in response.context["status_form"].fields["status"].choices if v]
    assert offered == ["open", "closed"]
    # when a forbidden transition is posted anyway
    response = client.post(reverse("ticket-status", args=[t.pk]), {"status-status": "pending"})
    # then it is a form error and nothing changes
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    t.refresh_from_db()
    assert t.status == "solved"
    # when an allowed one is posted, then it changes with one event
    client.post(reverse("ticket-status", args=[t.pk]), {"status-status": "open"})
    t.refresh_from_db()
    assert t.status == "open"
    assert t.events.filter(kind=EventKind.STATUS, data__to="open").count() == 1


def test_priority_assignee_tags_and_flags_forms_call_the_services(client, dublin, aoife, cian):
    t = ticket()
    client.force_login(aoife)
    client.post(reverse("ticket-priority", args=[t.pk]), {"priority-priority": "urgent"})
    client.post(reverse("ticket-assignee", args=[t.pk]), {"assignee-assignee": "me"})
    client.post(reverse("ticket-tags", args=[t.pk]), {"tags-tags": "Billing, refund ,"})
    client.post(reverse("ticket-escalation", args=[t.pk]), {"flags-critical": "on"})
    t.refresh_from_db()
    assert t.priority == Priority.URGENT and t.assignee == aoife
    assert sorted(t.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert (t.is_critical, t.is_outage) == (True, False)
    kinds = list(t.events.values_list("kind", flat=True))
    for kind in (EventKind.PRIORITY, EventKind.ASSIGNEE, EventKind.TAGS, EventKind.ESCALATION):
        assert kinds.count(kind) == 1
    # assign to a colleague, then back to the team queue
    client.post(reverse("ticket-assignee", args=[t.pk]), {"assignee-assignee": str(cian.pk)})
    t.refresh_from_db()
    assert t.assignee == cian
    client.post(reverse("ticket-assignee", args=[t.pk]), {"assignee-assignee": ""})
    t.refresh_from_db()
    assert t.assignee is None


def test_invalid_input_is_a_form_error_that_keeps_what_was_typed(client, dublin, aoife):
    t = mine(aoife)
    client.force_login(aoife)
    before = t.events.count()
    # an empty reply
    response = client.post(reverse("ticket-reply", args=[t.pk]), {"reply-body": "   ", "reply-kind": "reply"})
    assert response.status_code == 400
    assert "Write something before sending." in response.content.decode()
    # tags that are not single words: the typed text is still in the field
    response = client.post(reverse("ticket-tags", args=[t.pk]), {"tags-tags": "billing, two words"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "fix two words" in page and 'value="billing, two words"' in page
    # a due time without a Next Action, and one in the past
    response = client.post(reverse("ticket-next-action", args=[t.pk]), {"na-text": "", "na-due_at": "2030-01-01T09:00"})
    assert "A due time needs a Next Action to go with it." in response.content.decode()
    response = client.post(
        reverse("ticket-next-action", args=[t.pk]), {"na-text": "Ring", "na-due_at": "2001-01-01T09:00"}
    )
    page = response.content.decode()
    assert "Pick a time in the future." in page and 'value="Ring"' in page
    # assigning to someone who is not an agent of the team
    response = client.post(reverse("ticket-assignee", args=[t.pk]), {"assignee-assignee": "999"})
    assert response.status_code == 400
    # then nothing was written
    t.refresh_from_db()
    assert t.events.count() == before and t.tags.count() == 0 and t.next_action == ""


def test_reply_on_a_closed_ticket_shows_the_service_error_and_keeps_the_text(client, dublin, aoife):
    t = ticket_set_status(ticket=mine(aoife), status="closed", actor=aoife)
    client.force_login(aoife)
    response = client.post(reverse("ticket-reply", args=[t.pk]), {"reply-body": "Hello again", "reply-kind": "reply"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "open a follow-up ticket instead" in page and "Hello again</textarea>" in page
    assert not t.events.filter(kind=EventKind.REPLY).exists()


def test_markdown_with_script_is_escaped(client, dublin, aoife):
    # given a customer message with a script and an event handler
    t = mine(
        aoife, body='<script>window.pwned=1</script> <img src=x onerror="window.pwned=1"> [x](javascript:alert(1))'
    )
    client.force_login(aoife)
    page = client.get(reverse("ticket", args=[t.pk])).content.decode()
    # then the page shows it as text and runs nothing
    assert "<script>window.pwned" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "<img" not in page and 'href="javascript:' not in page


def test_macro_is_filled_server_side_after_what_was_typed(client, dublin, aoife):
    customer = CustomerFactory(name="Ana Ruiz")
    t = mine(aoife, customer=customer)
    macro = Macro.objects.create(name="Refund", body="Hi {customer_name}, {agent_name} here about {reference}. {x}")
    foreign = Macro.objects.create(name="Other team", body="nope", team=TeamFactory(code="t1-mex", tier=1))
    client.force_login(aoife)
    response = client.get(reverse("ticket-macro", args=[t.pk]), {"macro": macro.pk, "reply-body": "Hello"})
    assert (
        response.content.decode()
        .strip()
        .endswith(f"Hello\n\nHi Ana Ruiz, Aoife Byrne here about {t.reference}. {{x}}</textarea>")
    )
    assert client.get(reverse("ticket-macro", args=[t.pk]), {"macro": foreign.pk}).status_code == 404


def test_live_fragment_is_204_while_nothing_changes(client, dublin, aoife):
    t = mine(aoife)
    client.force_login(aoife)
    with time_machine.travel(timezone.now(), tick=False):
        version = client.get(reverse("ticket", args=[t.pk])).context["live_version"]
        assert client.get(reverse("ticket-live", args=[t.pk]), {"v": version}).status_code == 204
        ticket_set_status(ticket=t, status="pending", actor=aoife)
        response = client.get(reverse("ticket-live", args=[t.pk]), {"v": version})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pending customer" in page and 'id="timeline" class="timeline"' in page and 'hx-swap-oob="true"' in page


def test_collision_notice_shows_who_else_is_viewing_or_typing(client, dublin, aoife, cian):
    t = mine(aoife)
    start = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    # given Aoife has the ticket open and is typing
    client.force_login(aoife)
    with time_machine.travel(start, tick=False):
        alone = client.post(reverse("ticket-presence", args=[t.pk]), {"typing": "true"})
    assert alone.content.decode().strip() == ""
    # when Cian opens it 10 s later, then he sees her typing
    client.force_login(cian)
    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        page = client.post(reverse("ticket-presence", args=[t.pk]), {"typing": "false"}).content.decode()
    assert "Aoife Byrne" in page and "is typing a reply" in page
    # when she stops typing, then she is only viewing
    client.force_login(aoife)
    with time_machine.travel(start + dt.timedelta(seconds=15), tick=False):
        page = client.post(reverse("ticket-presence", args=[t.pk]), {"typing": "false"}).content.decode()
    assert "Cian Murphy" in page and "is viewing this ticket" in page
    # when 31 s pass without a ping from her, then she is gone for Cian
    client.force_login(cian)
    with time_machine.travel(start + dt.timedelta(seconds=46), tick=False):
        page = client.post(reverse("ticket-presence", args=[t.pk])).content.decode()
    assert "Aoife" not in page
    assert TicketViewer.objects.filter(ticket=t).count() == 2


# Notifications


def test_notifications_are_for_their_recipient_only(client, dublin, aoife, cian):
    # given a notification for Aoife that is due, one queued for later, and one for Cian
    t = ticket()
    now = timezone.now()

    def notify(user, text, deliver_at):
        return Notification.objects.create(
            recipient=user, ticket=t, kind="assigned", text=text, created_at=now, deliver_at=deliver_at
        )

    due = notify(aoife, "MER assigned to you", now - dt.timedelta(minutes=1))
    notify(aoife, "Not yet delivered", now + dt.timedelta(hours=3))
    theirs = notify(cian, "For Cian only", now)
    client.force_login(aoife)
    # when she opens her notifications
    response = client.get(reverse("notifications"))
    page = response.content.decode()
    # then she sees only her delivered one, and the count in the header
    assert [n.pk for n in response.context["page_obj"]] == [due.pk]
    assert "MER assigned to you" in page and "Not yet delivered" not in page and "For Cian only" not in page
    assert "Notifications (1)" in page
    # she cannot mark Cian's read
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # marking her own read empties the count
    client.post(reverse("notification-read", args=[due.pk]))
    due.refresh_from_db()
    assert due.read_at is not None
    assert "Notifications (0)" in client.get(reverse("queue")).content.decode()


def test_mark_all_read_and_empty_state(client, dublin, aoife):
    client.force_login(aoife)
    assert "No notifications yet" in client.get(reverse("notifications")).content.decode()
    t = ticket()
    for i in range(3):
        Notification.objects.create(
            recipient=aoife,
            ticket=t,
            kind="assigned",
            text=f"n{i}",
            created_at=timezone.now(),
            deliver_at=timezone.now(),
        )
    assert "Notifications (3)" in client.get(reverse("notifications")).content.decode()
    client.post(reverse("notifications-read-all"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
