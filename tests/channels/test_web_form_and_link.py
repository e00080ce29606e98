"""The customer's side without a login: the web form, the acknowledgement, and the signed ticket link."""

import json
import re
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import CustomerFactory, ticket
from tickets.channels.link import ticket_link_token
from tickets.models import AcknowledgementTemplate, Attachment, EventKind, Status, Ticket
from tickets.services import ticket_reply, ticket_set_status

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Jürgen Müller",
    "email": "juergen@example.de",
    "country": "de",
    "language": "de",
    "subject": "Rechnung doppelt",
    "message": "Die Rechnung wurde doppelt abgebucht.",
    "website": "",
}


def _send(client=None, **changes):
    return (client or Client()).post("/support/new/", {**FORM, **changes})


def test_the_form_speaks_the_language_asked_for():
    page = Client().get("/support/new/?lang=ja").content.decode()
    assert '<html lang="ja">' in page and "サポートへのお問い合わせ" in page
    page = Client().get("/support/new/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    assert "¿En qué podemos ayudarle?" in page


def test_the_form_creates_a_web_ticket_and_acknowledges_it(
    desk, settings, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("Kontoauszug 2026.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(attachments=[upload])
    assert response.status_code == 302 and response["Location"] == "/support/new/sent/?lang=de"
    t = Ticket.objects.get()
    assert (t.channel, t.customer.email, t.customer.country, t.customer.language) == ("web", FORM["email"], "DE", "de")
    assert t.events.get(kind=EventKind.CUSTOMER_MESSAGE).data == {"channel": "web"}
    assert Attachment.objects.get(ticket=t).name == "Kontoauszug 2026.pdf"
    # the acknowledgement: short and direct for DACH, in German, with the ticket link
    [envelope] = smtp_server.envelopes
    ack = message_from_bytes(envelope.content, policy=policy.default)
    assert ack["Subject"] == f"[{t.reference}] Ihre Anfrage ist eingegangen"
    assert ack["Auto-Submitted"] == "auto-replied"
    text = ack.get_body(("plain",)).get_content()
    assert text.startswith("Hallo Jürgen Müller,")
    link = next(word for word in text.split() if word.startswith(settings.SITE_URL + "/support/t/"))
    assert "Rechnung doppelt" in Client().get(link.removeprefix(settings.SITE_URL)).content.decode()
    assert ack.get_body(("html",)) is not None
    assert t.events.filter(kind=EventKind.EMAIL, summary="Acknowledgement emailed to the customer").exists()


def test_the_acknowledgement_is_warmer_for_latam_and_admins_can_rewrite_it(
    desk, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(email="ana@example.mx", country="MX", language="es", name="Ana")
    warm = message_from_bytes(smtp_server.envelopes[0].content, policy=policy.default)
    assert "Gracias por escribirnos" in warm["Subject"]
    assert "muchas gracias por contactarnos" in warm.get_body(("plain",)).get_content()
    AcknowledgementTemplate.objects.create(
        market="latam", language="es", subject="¡Hola {name}!", body="Tu caso {reference}: {link}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _send(email="luis@example.mx", country="MX", language="es", name="Luis")
    custom = message_from_bytes(smtp_server.envelopes[1].content, policy=policy.default)
    t = Ticket.objects.get(customer__email="luis@example.mx")
    assert custom["Subject"] == f"[{t.reference}] ¡Hola Luis!"
    assert custom.get_body(("plain",)).get_content().startswith(f"Tu caso {t.reference}: http")


def test_the_honeypot_refuses_with_a_clear_error(desk):
    response = _send(website="http://spam.example")
    assert response.status_code == 400
    assert "Dieses Feld muss leer bleiben" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_the_form_is_throttled_per_address(desk, settings):
    settings.WEB_FORM_RATE_PER_HOUR = 2
    client = Client()
    assert [_send(client).status_code for _ in range(2)] == [302, 302]
    refused = _send(client)
    assert refused.status_code == 429 and "Zu viele Anfragen" in refused.content.decode()
    assert Ticket.objects.count() == 2
    assert _send(Client(REMOTE_ADDR="203.0.113.9")).status_code == 302


def test_invalid_input_is_explained(desk):
    response = _send(email="not-an-address", country="XX", subject="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Geben Sie Ihr Land mit zwei Buchstaben an" in page and Ticket.objects.count() == 0


# ---- the ticket link


@pytest.fixture
def conversation(desk):
    customer = CustomerFactory(email="ana@example.mx", name="Ana Ruiz", country="MX", language="es")
    t = ticket(customer=customer, subject="Reembolso", body="¿Dónde está mi reembolso?")
    ticket_reply(ticket=t, body="Secret: the refund was flagged by fraud", actor=desk["agent"], internal=True)
    ticket_reply(ticket=t, body="Hola Ana, lo estamos revisando.", actor=desk["agent"])
    return Ticket.objects.get(pk=t.pk)


def test_the_link_shows_public_messages_only_in_the_customers_language(conversation):
    page = Client().get(f"/support/t/{ticket_link_token(conversation)}/")
    text = page.content.decode()
    assert page.status_code == 200 and '<html lang="es">' in text
    assert "¿Dónde está mi reembolso?" in text and "lo estamos revisando" in text
    assert "flagged by fraud" not in text
    assert "Enviar respuesta" in text and "Cerrar este ticket" in text


def test_the_customer_replies_with_a_file_and_reopens_a_solved_ticket(conversation, desk):
    ticket_set_status(ticket=conversation, status=Status.SOLVED, actor=desk["agent"])
    token = ticket_link_token(conversation)
    upload = SimpleUploadedFile("captura.png", b"\x89PNG....", content_type="image/png")
    response = Client().post(f"/support/t/{token}/reply/", {"message": "Sigue sin llegar.", "attachments": [upload]})
    assert response.status_code == 302
    t = Ticket.objects.get(pk=conversation.pk)
    assert t.status == Status.OPEN
    last = t.events.filter(kind=EventKind.CUSTOMER_MESSAGE).last()
    assert (last.body, last.data) == ("Sigue sin llegar.", {"channel": "web"})
    assert Attachment.objects.get(ticket=t).event == last
    assert "captura.png" in Client().get(f"/support/t/{token}/").content.decode()


def test_the_customer_closes_the_ticket(conversation):
    token = ticket_link_token(conversation)
    Client().post(f"/support/t/{token}/close/")
    assert Ticket.objects.get(pk=conversation.pk).status == Status.CLOSED
    page = Client().get(f"/support/t/{token}/").content.decode()
    assert "Este ticket está cerrado" in page and "Enviar respuesta" not in page
    assert Client().post(f"/support/t/{token}/reply/", {"message": "más"}).status_code == 400


def test_one_tickets_link_opens_no_other(conversation):
    other = ticket(subject="Someone else's problem")
    token = ticket_link_token(conversation)
    # the other ticket's payload under this ticket's timestamp and signature fails the signature check
    forged = ticket_link_token(other).split(":", 1)[0] + ":" + token.split(":", 1)[1]
    for attempt in (forged, token[:-2] + "xx", "nonsense"):
        response = Client().get(f"/support/t/{attempt}/")
        assert response.status_code == 404 and "Someone else" not in response.content.decode()
    assert Client().post(f"/support/t/{token[:-2]}xx/reply/", {"message": "x"}).status_code == 404


def test_an_expired_link_says_so(conversation, settings):
    settings.TICKET_LINK_MAX_AGE_DAYS = 30
    token = ticket_link_token(conversation)
    with time_machine.travel("2099-01-01"):
        response = Client().get(f"/support/t/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()


# ---- phone calls and the channel badge on the agent's timeline


def test_an_agent_logs_a_call_and_the_timeline_shows_every_channel(conversation, desk):
    client = Client()
    client.force_login(desk["agent"])
    data = {"call-direction": "in", "call-minutes": "12", "call-summary": "Ana called about the refund."}
    assert client.post(f"/tickets/{conversation.pk}/call/", data).status_code == 302
    call = conversation.events.get(kind=EventKind.CALL)
    assert (call.summary, call.body, call.data["minutes"]) == ("Inbound call, 12 min", data["call-summary"], 12)
    page = client.get(f"/tickets/{conversation.pk}/").content.decode()
    assert "via Email" in page and "Inbound call, 12 min" in page and "Log a phone call" in page


def test_a_call_without_a_summary_is_refused(conversation, desk):
    client = Client()
    client.force_login(desk["agent"])
    client.post(f"/tickets/{conversation.pk}/call/", {"call-direction": "in", "call-minutes": "3", "call-summary": ""})
    assert not conversation.events.filter(kind=EventKind.CALL).exists()


def test_chatting_from_the_link_page_continues_the_same_ticket(conversation):
    # given the customer on their ticket's link page (an email ticket)
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/support/t/{ticket_link_token(conversation)}/").content.decode()
    chat = re.search(r'data-token="([^"]+)"', page).group(1)
    client.get("/chat/start/?lang=es")  # the widget's first call: texts and the CSRF cookie

    # when they write through the link's form and then through the chat widget on that page
    client.post(
        f"/support/t/{ticket_link_token(conversation)}/reply/",
        {"message": "Por el formulario", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    said = client.post(
        f"/chat/{chat}/messages/",
        json.dumps({"message": "Y por el chat"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    # then both land on the one ticket's timeline, each with its channel, and no new ticket was made
    assert said.status_code == 200
    messages = conversation.events.filter(kind=EventKind.CUSTOMER_MESSAGE).order_by("id")
    assert [(m.body, m.data.get("channel")) for m in messages][-2:] == [
        ("Por el formulario", "web"),
        ("Y por el chat", "chat"),
    ]
    assert Ticket.objects.count() == 1
