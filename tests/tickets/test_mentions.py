import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from compliance.models import AuditEntry
from tests.factories import CustomerFactory, UserFactory, ticket
from tests.tickets.conftest import EVENING, KRAKOW_START, MANILA_NIGHT
from tickets.collaboration import mention_handles
from tickets.models import EventKind, Mention, Notification, TicketShare
from tickets.notifications import notifications_deliver_due
from tickets.selectors import notification_list, queue_counts, ticket_queue, ticket_scope
from tickets.services import ticket_assign, ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def manila_ticket(collab):
    t = ticket(customer=CustomerFactory(name="Ana Ruiz", country="PH"), subject="Webhooks fail", at=MANILA_NIGHT)
    return ticket_assign(ticket=t, assignee=collab["maria"], actor=collab["maria"], at=MANILA_NIGHT)


def note(t, body, actor, at=MANILA_NIGHT, **kwargs):
    return ticket_reply(ticket=t, body=body, actor=actor, internal=True, at=at, **kwargs)


def test_handles_are_found_outside_email_addresses_and_words():
    text = "Hi @Kasia, mail ana@example.org or x@t3-krk; then @t3-krk. Not a@b, but (@piotr) and @kasia again."
    assert mention_handles(text) == ["kasia", "t3-krk", "piotr"]
    assert mention_handles("no mentions @ all") == []


def test_a_note_records_who_it_mentions_and_highlights_them(client, collab, manila_ticket):
    # when Maria mentions Kasia, Kraków Tier 3 and an unknown handle in a note
    note(manila_ticket, "@kasia can you check the gateway? cc @t3-krk and @nobody", collab["maria"])
    # then one Mention per person or team, and the note keeps the handles it mentions
    event = manila_ticket.events.get(kind=EventKind.NOTE)
    assert event.data == {"mentions": ["kasia", "t3-krk"], "urgent": False}
    assert {(m.user, m.team) for m in Mention.objects.filter(event=event)} == {
        (collab["kasia"], None),
        (None, collab["teams"]["t3-krk"]),
    }
    # and the timeline shows them marked
    client.force_login(collab["maria"])
    page = client.get(reverse("ticket", args=[manila_ticket.pk])).content.decode()
    assert '<mark class="mention">@kasia</mark>' in page
    assert '<mark class="mention">@t3-krk</mark>' in page
    assert "@nobody" in page and '<mark class="mention">@nobody' not in page


def test_a_public_reply_mentions_nobody_and_cannot_be_urgent(collab, manila_ticket):
    ticket_reply(ticket=manila_ticket, body="Our @kasia will look", actor=collab["maria"], at=MANILA_NIGHT)
    assert not Mention.objects.exists() and not Notification.objects.filter(kind="mention").exists()
    with pytest.raises(ValidationError) as error:
        ticket_reply(ticket=manila_ticket, body="@kasia", actor=collab["maria"], urgent=True, at=MANILA_NIGHT)
    assert "urgent" in error.value.message_dict


def test_mention_off_shift_waits_for_the_recipients_next_shift(collab, manila_ticket):
    # given Kasia's shift in Kraków starts at 08:00; Maria mentions her at 03:00
    note(manila_ticket, "@kasia please look at the gateway logs", collab["maria"])
    mention = Notification.objects.get(recipient=collab["kasia"], kind="mention")
    # then the notification waits for her shift
    assert mention.deliver_at == KRAKOW_START and not mention.urgent
    assert mention.text == f"Maria Santos mentioned you on {manila_ticket.reference}: Webhooks fail"
    assert not notification_list(collab["kasia"], MANILA_NIGHT).exists()
    assert notifications_deliver_due(now=MANILA_NIGHT) == 0
    # and arrives in it
    assert list(notification_list(collab["kasia"], KRAKOW_START)) == [mention]
    assert notifications_deliver_due(now=KRAKOW_START) == 1


def test_mention_on_shift_is_delivered_now(collab):
    t = ticket(subject="Error {code} in {braces}", at=MANILA_NIGHT)
    note(t, "@kasia one more thing", collab["maria"], at=KRAKOW_START)
    notification = Notification.objects.get(recipient=collab["kasia"])
    assert notification.deliver_at == KRAKOW_START
    assert notification.text == f"Maria Santos mentioned you on {t.reference}: Error {{code}} in {{braces}}"


def test_urgent_mention_off_shift_goes_to_the_lead_on_shift_now(collab, manila_ticket):
    # given Kraków is off shift in the evening, when Mexico City Tier 3 covers Tier 3
    note(manila_ticket, "@kasia the customer's outage is spreading", collab["maria"], at=EVENING, urgent=True)
    # then the lead on shift hears now, marked urgent, and Kasia's own copy is not queued
    urgent = Notification.objects.get(kind="mention")
    assert (urgent.recipient, urgent.deliver_at, urgent.urgent) == (collab["diego"], EVENING, True)
    assert urgent.text.startswith("Urgent, Kasia Nowak is off shift: Maria Santos mentioned you")
    assert manila_ticket.events.get(kind=EventKind.NOTE).data["urgent"] is True


def test_urgent_team_mention_off_shift_tells_the_leads_once(collab, manila_ticket):
    note(manila_ticket, "@t3-krk gateway down?", collab["maria"], at=EVENING, urgent=True)
    assert list(Notification.objects.values_list("recipient__username", "deliver_at")) == [("diego", EVENING)]


def test_team_mention_tells_every_agent_of_the_team_in_their_shift(collab, manila_ticket):
    note(manila_ticket, "FYI @t3-krk", collab["maria"])
    notices = Notification.objects.filter(kind="mention").order_by("recipient__username")
    assert [(n.recipient.username, n.deliver_at) for n in notices] == [
        ("kasia", KRAKOW_START),
        ("piotr", KRAKOW_START),
    ]
    assert notices[0].text.startswith("Maria Santos mentioned Kraków Tier 3 on")


def test_a_mentioned_agent_outside_scope_is_granted_the_ticket_on_the_timeline(client, collab, manila_ticket):
    # given Kasia (Kraków Tier 3) cannot open a Manila Tier 1 ticket
    client.force_login(collab["kasia"])
    assert client.get(reverse("ticket", args=[manila_ticket.pk])).status_code == 404
    # when Maria mentions her
    note(manila_ticket, "@kasia have a look", collab["maria"])
    # then she may open it, through the same per-object grant as a shared ticket, recorded and audited
    assert TicketShare.objects.filter(user=collab["kasia"], content_object=manila_ticket).exists()
    shared = manila_ticket.events.get(kind=EventKind.ASSIGNEE, data__shared_with="kasia")
    assert shared.summary == "Shared with Kasia Nowak by Maria Santos: mentioned in a note"
    assert AuditEntry.objects.filter(object_id=str(manila_ticket.pk), summary__contains="shared with kasia").exists()
    assert client.get(reverse("ticket", args=[manila_ticket.pk])).status_code == 200
    # and someone in scope already (the lead of Manila Tier 1) gets no grant
    note(manila_ticket, "@lead.mnl also you", collab["maria"])
    assert Mention.objects.filter(user=collab["lead.mnl"]).exists()
    assert not TicketShare.objects.filter(user=collab["lead.mnl"]).exists()


def test_a_mentioned_team_may_open_the_ticket_and_outsiders_still_may_not(client, collab, manila_ticket):
    outsider = UserFactory(username="lupe.other", role="agent")
    note(manila_ticket, "@t3-krk please check", collab["maria"])
    assert ticket_scope(collab["piotr"]).filter(pk=manila_ticket.pk).exists()
    for user, status in ((collab["piotr"], 200), (collab["lupe"], 404), (outsider, 404)):
        client.force_login(user)
        assert client.get(reverse("ticket", args=[manila_ticket.pk])).status_code == status, user


def test_mentioned_me_queue_view_lists_open_tickets_mentioning_me_or_my_team(client, collab, manila_ticket):
    other = ticket(subject="Another", at=MANILA_NIGHT)
    note(manila_ticket, "@kasia look", collab["maria"])
    note(other, "@t3-krk look too", collab["maria"])
    assert set(ticket_queue(collab["kasia"], view="mentioned")) == {manila_ticket, other}
    assert set(ticket_queue(collab["ola"], view="mentioned")) == set()  # leads have no team of their own here
    assert queue_counts(collab["kasia"])["mentioned"] == 2
    client.force_login(collab["kasia"])
    response = client.get(reverse("queue"), {"view": "mentioned"})
    assert response.context["view_label"] == "Mentioned me"
    assert 'id="count-mentioned">2<' in response.content.decode()


def test_mention_suggestions_are_scoped_json(client, collab, manila_ticket):
    url = reverse("ticket-mention-suggestions", args=[manila_ticket.pk])
    client.force_login(collab["maria"])
    results = client.get(url, {"q": "ka"}).json()["results"]
    assert results == [{"handle": "kasia", "label": "Kasia Nowak · Kraków Tier 3", "kind": "person"}]
    teams = client.get(url, {"q": "t3"}).json()["results"]
    assert [r["handle"] for r in teams] == ["t3-krk", "t3-mex"]
    assert client.get(url, {"q": ""}).json() == {"results": []}
    # outsiders: another team's agent gets 404, an anonymous caller the login page
    client.force_login(collab["kasia"])
    assert client.get(url, {"q": "ka"}).status_code == 404
    client.logout()
    assert client.get(url, {"q": "ka"}).status_code == 302


def test_notification_text_is_masked_for_a_vendor_agent(collab):
    from compliance.models import PiiPolicy
    from regions.models import Vendor

    bpo = Vendor.objects.create(name="Pacific Shore", kind="bpo")
    krakow = collab["teams"]["t3-krk"]
    krakow.vendor = bpo
    krakow.save()
    PiiPolicy.objects.update_or_create(field="customer_name", audience="vendor_t3", defaults={"treatment": "masked"})
    customer = CustomerFactory(name="Ana Ruiz", country="PH")
    t = ticket(customer=customer, subject="Ana Ruiz cannot pay", at=MANILA_NIGHT)
    note(t, "@kasia see Ana Ruiz's account", collab["maria"])
    text = Notification.objects.get(recipient=collab["kasia"]).text
    assert text == f"Maria Santos mentioned you on {t.reference}: A. R. cannot pay"


def test_a_mention_is_emailed_in_the_shift_to_who_asked_for_email(
    collab, manila_ticket, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from tickets.notifications import notifications_email

    kasia = collab["kasia"]
    kasia.email_notifications = True
    kasia.save(update_fields=["email_notifications"])
    note(manila_ticket, "@kasia and @piotr please look", collab["maria"])
    queued = []
    monkeypatch.setattr("tickets.notifications._email_task", lambda: type("Task", (), {"delay": queued.append}))
    # nothing is due before Kraków's shift; at its start Kasia's (not Piotr's) is queued for email
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_deliver_due(now=MANILA_NIGHT) == 0
        assert notifications_deliver_due(now=KRAKOW_START) == 2
    assert queued == [[Notification.objects.get(recipient=kasia).pk]]
    notifications_email(ids=queued[0], now=KRAKOW_START)
    assert [m.to for m in mailoutbox] == [[kasia.email]]
    assert mailoutbox[0].subject == f"[Meridian] Maria Santos mentioned you on {manila_ticket.reference}: Webhooks fail"


def test_the_api_lists_tickets_mentioning_me(client, collab, manila_ticket):
    from rest_framework.authtoken.models import Token

    note(manila_ticket, "@t3-krk please", collab["maria"])
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=collab['piotr'])[0].key}"
    listed = client.get("/api/v1/tickets/", {"view": "mentioned"}).json()["results"]
    assert [t["id"] for t in listed] == [manila_ticket.pk]
    timeline = client.get(f"/api/v1/tickets/{manila_ticket.pk}/timeline/").json()
    assert [e["data"]["mentions"] for e in timeline if e["kind"] == "note"] == [["t3-krk"]]


def test_someone_mentioned_by_name_and_with_their_team_is_told_once(collab, manila_ticket):
    note(manila_ticket, "@kasia and @t3-krk", collab["maria"])
    assert sorted(Notification.objects.values_list("recipient__username", "text")) == [
        ("kasia", f"Maria Santos mentioned you on {manila_ticket.reference}: Webhooks fail"),
        ("piotr", f"Maria Santos mentioned Kraków Tier 3 on {manila_ticket.reference}: Webhooks fail"),
    ]
