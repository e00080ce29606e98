"""Chat over its JSON endpoints (the widget's), and seed_demo's tickets from every channel."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from tickets.channels.chat import chat_token
from tickets.models import EventKind, Mailbox, Ticket
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def _start(client, **changes):
    client.get("/chat/start/?lang=pt")  # the widget's first call: texts and the CSRF cookie
    body = {"name": "Carlos", "email": "carlos@example.com.br", "language": "pt", "country": "BR", "message": "Oi!"}
    return client.post(
        "/chat/start/",
        json.dumps({**body, **changes}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )


def test_the_widget_gets_its_texts_in_the_language_asked_for():
    data = Client().get("/chat/start/?lang=ja").json()
    assert data["language"] == "ja" and data["texts"]["start"] == "チャットを開始" and data["csrf"]


def test_starting_a_chat_needs_the_csrf_token(desk):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/chat/start/", json.dumps({"name": "x"}), content_type="application/json")
    assert response.status_code == 403


def test_starting_chats_is_throttled_per_address(desk, settings):
    settings.WEB_FORM_RATE_PER_HOUR = 2
    client = Client(enforce_csrf_checks=True)
    assert [_start(client).status_code for _ in range(2)] == [201, 201]
    refused = _start(client)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert Ticket.objects.count() == 2
    assert _start(Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")).status_code == 201


def test_a_chat_becomes_a_chat_ticket_and_the_agents_reply_reaches_it(desk):
    client = Client(enforce_csrf_checks=True)
    response = _start(client)
    assert response.status_code == 201
    token = response.json()["token"]
    t = Ticket.objects.get()
    assert (t.channel, t.subject, t.customer.country, t.customer.language) == ("chat", "Chat: Oi!", "BR", "pt")
    ticket_reply(ticket=t, body="Olá Carlos!", actor=desk["agent"])
    ticket_reply(ticket=t, body="internal only", actor=desk["agent"], internal=True)
    seen = response.json()["messages"][-1]["id"]
    polled = client.get(f"/chat/{token}/messages/?after={seen}").json()
    assert [(m["from"], m["name"], m["text"]) for m in polled["messages"]] == [("agent", "Diego", "Olá Carlos!")]
    said = client.post(
        f"/chat/{token}/messages/",
        json.dumps({"message": "Obrigado"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert said.json()["messages"][-1]["text"] == "Obrigado"
    assert t.events.filter(kind=EventKind.CUSTOMER_MESSAGE).last().data == {"channel": "chat"}


def test_a_reply_goes_by_email_once_the_customer_has_left_the_chat(
    desk, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from tickets.tasks import reply_email_send_task

    queued = []
    monkeypatch.setattr(reply_email_send_task, "delay", queued.append)
    _start(Client())
    t = Ticket.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=t, body="Still there?", actor=desk["agent"])
    assert queued == []
    cache.clear()  # no poll for CHAT_PRESENT_SECONDS
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=t, body="I emailed you", actor=desk["agent"])
    assert queued == [t.events.get(body="I emailed you").pk]


def test_a_chat_token_opens_only_its_own_chat(desk):
    _start(Client())
    other = Ticket.objects.get()
    assert Client().get("/chat/nonsense/messages/").status_code == 404
    forged = chat_token(other).split(":", 1)[0] + ":xx:yy"
    assert Client().get(f"/chat/{forged}/messages/").status_code == 404


def test_seed_demo_has_tickets_from_every_channel_and_a_disabled_mailbox():
    out = io.StringIO()
    call_command("seed_demo", "--tickets", "60", stdout=out, stderr=io.StringIO())
    assert set(Ticket.objects.values_list("channel", flat=True)) == {"email", "web", "chat", "phone", "api"}
    assert Ticket.objects.count() == 60
    assert Mailbox.objects.get().enabled is False
    assert Ticket.objects.filter(channel="phone", events__kind=EventKind.CALL).count() == 1
    assert Ticket.objects.filter(channel="email", mail_messages__direction="in", attachments__isnull=False).exists()
    assert "Channels: a disabled IMAP mailbox; " in out.getvalue()
