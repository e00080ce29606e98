import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from handoff.services import briefing_content, handoff_run
from tests.factories import UserFactory, ticket
from tests.tickets.conftest import KRAKOW_START, MANILA_NIGHT
from tickets.collaboration import side_conversation_close, side_conversation_reply, side_conversation_start
from tickets.models import EventKind, Notification, SideConversation
from tickets.selectors import notification_list, side_conversation_list
from tickets.services import ticket_assign, ticket_set_next_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def manila_ticket(collab):
    t = ticket(subject="Webhooks fail", at=MANILA_NIGHT)
    return ticket_assign(ticket=t, assignee=collab["maria"], actor=collab["maria"], at=MANILA_NIGHT)


def ask_krakow(collab, t, at=MANILA_NIGHT):
    return side_conversation_start(
        ticket=t,
        team=collab["teams"]["t3-krk"],
        subject="Gateway 502s?",
        body="Every webhook gets a 502 since 06:00.",
        actor=collab["maria"],
        at=at,
    )


def side_events(t):
    return list(
        t.events.filter(kind=EventKind.SIDE_CONVERSATION).values_list("data__action", "actor__username", "body")
    )


def test_lifecycle_start_message_close_on_the_timeline(collab, manila_ticket):
    # when Maria in Manila asks Kraków Tier 3, Kasia answers and Maria closes it with the resolution
    conversation = ask_krakow(collab, manila_ticket)
    side_conversation_reply(
        conversation=conversation, body="Your endpoint times out.", actor=collab["kasia"], at=KRAKOW_START
    )
    side_conversation_close(conversation=conversation, resolution="Customer fixes the timeout", actor=collab["maria"])
    # then the thread is linked to the ticket, each step is on its timeline, and it is closed with the resolution
    conversation.refresh_from_db()
    assert (conversation.status, conversation.resolution, conversation.closed_by) == (
        "closed",
        "Customer fixes the timeout",
        collab["maria"],
    )
    assert (conversation.asking_team, conversation.started_by) == (collab["teams"]["t1-mnl"], collab["maria"])
    assert side_events(manila_ticket) == [
        ("start", "maria", "Every webhook gets a 502 since 06:00."),
        ("message", "kasia", "Your endpoint times out."),
        ("close", "maria", "Customer fixes the timeout"),
    ]
    start = manila_ticket.events.get(kind=EventKind.SIDE_CONVERSATION, data__action="start")
    assert start.summary == "Side conversation with Kraków Tier 3 started by Maria Santos"
    assert start.is_internal and start.is_message
    # and a closed one takes no more messages or closes
    with pytest.raises(ValidationError):
        side_conversation_reply(conversation=conversation, body="one more", actor=collab["kasia"])
    with pytest.raises(ValidationError):
        side_conversation_close(conversation=conversation, resolution="again", actor=collab["kasia"])


def test_the_target_team_is_told_in_its_shift_and_the_other_side_on_each_answer(collab, manila_ticket):
    conversation = ask_krakow(collab, manila_ticket)
    # the Kraków agents hear at their shift start, not at 03:00
    asked = Notification.objects.filter(kind="side_conversation").order_by("recipient__username")
    assert [(n.recipient.username, n.deliver_at) for n in asked] == [("kasia", KRAKOW_START), ("piotr", KRAKOW_START)]
    assert asked[0].text == f"Maria Santos (Manila Tier 1) asks on {manila_ticket.reference}: Gateway 502s?"
    assert not notification_list(collab["kasia"], MANILA_NIGHT).exists()
    assert notification_list(collab["kasia"], KRAKOW_START).count() == 1
    # Kasia answers: Maria (the only other writer) is told, within Manila's next shift
    side_conversation_reply(conversation=conversation, body="Looking", actor=collab["kasia"], at=KRAKOW_START)
    answer = Notification.objects.get(recipient=collab["maria"], kind="side_conversation")
    assert answer.deliver_at == dt.datetime(2026, 1, 5, 23, tzinfo=dt.UTC)
    assert answer.text.startswith("Kasia Nowak answered on")


def test_the_asked_team_sees_the_ticket_and_outsiders_do_not(client, collab, manila_ticket):
    url = reverse("ticket", args=[manila_ticket.pk])
    client.force_login(collab["kasia"])
    assert client.get(url).status_code == 404
    conversation = ask_krakow(collab, manila_ticket)
    for user, status in ((collab["kasia"], 200), (collab["ola"], 200), (collab["lupe"], 404), (collab["aoife"], 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    # and the list of side conversations shows it to Kraków, first, as asking them
    listed = list(side_conversation_list(collab["kasia"]))
    assert listed == [conversation] and listed[0].asks_me
    client.force_login(collab["kasia"])
    page = client.get(reverse("side-conversations")).content.decode()
    assert "Gateway 502s?" in page and "asks you" in page
    client.force_login(collab["lupe"])
    assert "Gateway 502s?" not in client.get(reverse("side-conversations")).content.decode()


def test_a_region_can_be_asked_every_team_there_hears(collab, manila_ticket):
    side_conversation_start(
        ticket=manila_ticket,
        region=collab["regions"]["mex"],
        subject="Spanish speaker?",
        body="Anyone?",
        actor=collab["maria"],
        at=MANILA_NIGHT,
    )
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"lupe"}
    assert SideConversation.objects.get().target_label == "Mexico City (region)"


def test_bad_starts_are_refused_with_field_errors(collab, manila_ticket):
    krakow = collab["teams"]["t3-krk"]
    cases = [
        ({"team": collab["teams"]["t1-mnl"], "subject": "x", "body": "y"}, "target"),  # her own team
        (
            {"team": collab["teams"]["t3-krk"], "region": collab["regions"]["krk"], "subject": "x", "body": "y"},
            "target",
        ),
        ({"subject": "x", "body": "y"}, "target"),
        ({"team": krakow, "subject": " ", "body": "y"}, "subject"),
        ({"team": krakow, "subject": "x", "body": ""}, "body"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as error:
            side_conversation_start(ticket=manila_ticket, actor=collab["maria"], at=MANILA_NIGHT, **kwargs)
        assert field in error.value.message_dict, kwargs
    with pytest.raises(ValidationError) as error:
        side_conversation_close(conversation=ask_krakow(collab, manila_ticket), resolution="", actor=collab["maria"])
    assert "resolution" in error.value.message_dict


def test_it_survives_a_handoff_and_is_on_the_briefing(collab, manila_ticket):
    # given an open side conversation on a Manila ticket with a valid Next Action
    conversation = ask_krakow(collab, manila_ticket)
    ticket_set_next_action(ticket=manila_ticket, text="Wait for Kraków", actor=collab["maria"], at=MANILA_NIGHT)
    # then the briefing for Dublin lists it
    boundary = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    content = briefing_content(
        departing_team=collab["teams"]["t1-mnl"], arriving_team=collab["teams"]["t1-dub"], boundary_at=boundary
    )
    assert content["side_conversations"] == [
        {
            "id": manila_ticket.pk,
            "conversation": conversation.pk,
            "reference": manila_ticket.reference,
            "subject": "Gateway 502s?",
            "with": "Kraków Tier 3",
            "asked_by": "Manila Tier 1",
        }
    ]
    # when Manila's shift ends and the ticket moves to Dublin
    run = handoff_run(team=collab["teams"]["t1-mnl"], boundary_at=boundary, now=boundary)
    assert run.moved == 1
    manila_ticket.refresh_from_db()
    assert manila_ticket.team == collab["teams"]["t1-dub"]
    # then the conversation is still the ticket's, open, and both Dublin and Kraków carry on in it
    conversation.refresh_from_db()
    assert conversation.ticket == manila_ticket and conversation.is_open
    side_conversation_reply(conversation=conversation, body="Any news?", actor=collab["aoife"], at=boundary)
    side_conversation_reply(conversation=conversation, body="Fixed.", actor=collab["kasia"], at=boundary)
    assert [a for a, *_ in side_events(manila_ticket)] == ["start", "message", "message"]


# ---- Pages ----------------------------------------------------------------------------------------------------------


def test_start_reply_and_close_from_the_ticket_page(client, collab, manila_ticket):
    client.force_login(collab["maria"])
    new = reverse("ticket-side-conversation-new", args=[manila_ticket.pk])
    page = client.get(new)
    assert page.status_code == 200 and "Kraków Tier 3 · Kraków" in page.content.decode()
    krakow = collab["teams"]["t3-krk"]
    # a missing subject is a 400 with the field's message
    bad = client.post(new, {"side-target": f"team-{krakow.pk}", "side-subject": "", "side-body": "Hi"})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    # asking her own team is refused by the service, shown on the form
    own = client.post(
        new, {"side-target": f"team-{collab['teams']['t1-mnl'].pk}", "side-subject": "x", "side-body": "y"}
    )
    assert own.status_code == 400 and "That is your own team" in own.content.decode()
    response = client.post(new, {"side-target": f"team-{krakow.pk}", "side-subject": "Gateway?", "side-body": "502s"})
    conversation = SideConversation.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"#side-conversation-{conversation.pk}")
    ticket_page = client.get(reverse("ticket", args=[manila_ticket.pk])).content.decode()
    assert f'id="side-conversation-{conversation.pk}"' in ticket_page and "Message to Kraków Tier 3" in ticket_page

    client.force_login(collab["kasia"])
    reply = reverse("ticket-side-conversation-reply", args=[manila_ticket.pk, conversation.pk])
    assert client.post(reply, {f"side-{conversation.pk}-body": ""}).status_code == 400
    assert client.post(reply, {f"side-{conversation.pk}-body": "Timeouts"}).status_code == 302
    close = reverse("ticket-side-conversation-close", args=[manila_ticket.pk, conversation.pk])
    assert client.post(close, {f"side-{conversation.pk}-resolution": "Fixed"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    again = client.post(close, {f"side-{conversation.pk}-resolution": "Again"})
    assert again.status_code == 400 and "This side conversation is closed" in again.content.decode()


def test_pages_are_404_for_outsiders_and_for_a_conversation_of_another_ticket(client, collab, manila_ticket):
    conversation = ask_krakow(collab, manila_ticket)
    other = ticket(subject="Other", at=MANILA_NIGHT)
    outsider = UserFactory(username="outsider", role="agent")
    client.force_login(collab["lupe"])
    for url in (
        reverse("ticket-side-conversation-new", args=[manila_ticket.pk]),
        reverse("ticket-side-conversation-reply", args=[manila_ticket.pk, conversation.pk]),
        reverse("ticket-side-conversation-close", args=[manila_ticket.pk, conversation.pk]),
    ):
        assert client.post(url, {}).status_code == 404, url
    client.force_login(collab["maria"])
    wrong = reverse("ticket-side-conversation-reply", args=[other.pk, conversation.pk])
    assert client.post(wrong, {f"side-{conversation.pk}-body": "x"}).status_code == 404
    client.force_login(outsider)
    listed = client.get(reverse("side-conversations"))
    assert listed.status_code == 200 and "Gateway 502s?" not in listed.content.decode()
    assert "No open side conversations" in listed.content.decode()
    client.logout()
    assert client.get(reverse("side-conversations")).status_code == 302


# ---- API ------------------------------------------------------------------------------------------------------------


def _api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


def test_api_lists_starts_writes_and_closes_side_conversations(client, collab, manila_ticket):
    api = _api(client, collab["maria"])
    url = f"/api/v1/tickets/{manila_ticket.pk}/side-conversations/"
    assert api.get(url).json() == []
    bad = api.post(url, {"subject": "x", "body": "y"}, content_type="application/json")
    assert bad.status_code == 400 and "team" in bad.json()["error"]["fields"]
    created = api.post(url, {"team": "t3-krk", "subject": "Gateway?", "body": "502s"}, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["team"], data["region"], data["asking_team"], data["status"]) == ("t3-krk", None, "t1-mnl", "open")
    assert [m["data"]["action"] for m in data["messages"]] == ["start"]

    api = _api(client, collab["kasia"])
    message = api.post(f"{url}{data['id']}/messages/", {"body": "Timeouts"}, content_type="application/json")
    assert message.status_code == 201 and [m["body"] for m in message.json()["messages"]] == ["502s", "Timeouts"]
    closed = api.post(f"{url}{data['id']}/close/", {"resolution": "Fixed"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api.post(f"{url}{data['id']}/close/", {"resolution": "Again"}, content_type="application/json")
    assert again.status_code == 400
    listed = api.get(url).json()
    assert [len(c["messages"]) for c in listed] == [3]


def test_api_is_404_outside_scope_and_mentions_show_on_note_events(client, collab, manila_ticket):
    conversation = ask_krakow(collab, manila_ticket)
    base = f"/api/v1/tickets/{manila_ticket.pk}/side-conversations/"
    assert client.get(base).status_code == 401  # anonymous
    api = _api(client, collab["lupe"])
    assert api.get(base).status_code == 404
    assert (
        api.post(f"{base}{conversation.pk}/messages/", {"body": "x"}, content_type="application/json").status_code
        == 404
    )
    # a note with mentions, written through the API, keeps them on its timeline event
    api = _api(client, collab["maria"])
    note = api.post(
        f"/api/v1/tickets/{manila_ticket.pk}/messages/",
        {"body": "@piotr please check", "internal": True, "urgent": True},
        content_type="application/json",
    )
    assert note.status_code == 201 and note.json()["data"] == {"mentions": ["piotr"], "urgent": True}
    refused = api.post(
        f"/api/v1/tickets/{manila_ticket.pk}/messages/",
        {"body": "@piotr", "internal": False, "urgent": True},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "urgent" in refused.json()["error"]["fields"]


def test_retention_removes_the_text_of_side_conversations(collab, manila_ticket):
    from tickets.retention import RETENTION_BODY, tickets_anonymise_expired
    from tickets.services import ticket_set_status

    conversation = ask_krakow(collab, manila_ticket)
    side_conversation_close(conversation=conversation, resolution="Ana's card was blocked", actor=collab["kasia"])
    ticket_set_status(ticket=manila_ticket, status="solved", actor=collab["maria"], at=MANILA_NIGHT)
    assert tickets_anonymise_expired(now=MANILA_NIGHT + dt.timedelta(days=3000))["tickets"] == 1
    conversation.refresh_from_db()
    assert (conversation.subject, conversation.resolution) == ("[removed]", "")
    events = manila_ticket.events.filter(kind=EventKind.SIDE_CONVERSATION)
    assert {(e.body, e.data["subject"]) for e in events} == {(RETENTION_BODY, "[removed]")}


def test_ticket_page_and_live_fragment_queries_do_not_grow_with_side_conversations(client, collab, manila_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(collab["maria"])
    client.get(reverse("ticket", args=[manila_ticket.pk]))  # warm-up: the configuration cache fills on first use
    counts = []
    for conversations in (1, 4):
        while SideConversation.objects.count() < conversations:
            conversation = ask_krakow(collab, manila_ticket)
            side_conversation_reply(conversation=conversation, body="On it", actor=collab["kasia"])
        with CaptureQueriesContext(connection) as page:
            response = client.get(reverse("ticket", args=[manila_ticket.pk]))
        with CaptureQueriesContext(connection) as live:
            fragment = client.get(reverse("ticket-live", args=[manila_ticket.pk]))
        assert response.content.decode().count('class="side-thread') == conversations
        assert fragment.content.decode().count('hx-swap-oob="true"') == 1 + conversations  # the timeline, each thread
        counts.append((len(page), len(live)))
    assert counts[0] == counts[1], counts  # the budget itself: tests/helpdesk/test_query_counts.py


def test_a_side_conversation_is_a_change_the_sync_api_reports(collab, manila_ticket):
    # given an integration that has synced the ticket
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=collab['maria']).key}")
    synced = client.get("/api/v1/tickets/sync/").json()
    assert [row["id"] for row in synced["results"]] == [manila_ticket.pk]

    # when Maria asks Kraków and Kasia answers later
    conversation = ask_krakow(collab, manila_ticket, at=MANILA_NIGHT + dt.timedelta(minutes=5))
    side_conversation_reply(conversation=conversation, body="Timeouts.", actor=collab["kasia"], at=KRAKOW_START)

    # then the next sync from where it stopped brings the ticket again, changed when Kasia answered
    keyset = {k: v for k, v in synced["next"].items() if v is not None}
    again = client.get("/api/v1/tickets/sync/", keyset).json()
    assert [row["id"] for row in again["results"]] == [manila_ticket.pk]
    manila_ticket.refresh_from_db()
    assert manila_ticket.updated_at == KRAKOW_START
