"""In Chromium: a customer chats from the widget while an agent answers from the ticket page; the web form and the
ticket link page; every page axe-checked."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tickets.channels.link import ticket_link_token
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The widget polls every 3 s and the ticket page every 5 s.
POLL = 12_000


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_chat_becomes_a_ticket_answered_by_an_agent_on_shift_who_speaks_spanish(
    live_server, page, browser, check_page, desk
):
    # given a customer on a page with the widget, in Spanish
    page.goto(f"{live_server.url}/support/chat/?lang=es")
    chat = page.get_by_role("region", name="Chatear con soporte")
    expect(chat.get_by_role("button", name="Cerrar el chat")).to_be_visible()
    check_page(page)
    # when she starts the chat
    chat.get_by_label("Su nombre").fill("Ana Ruiz")
    chat.get_by_label("Su correo electrónico").fill("ana.chat@example.mx")
    chat.get_by_role("textbox", name="Su mensaje").fill("Hola, mi pago fue rechazado dos veces.")
    chat.get_by_role("button", name="Iniciar chat").click()
    log = chat.get_by_role("log")
    expect(log).to_contain_text("Hola, mi pago fue rechazado dos veces.")
    expect(chat.get_by_role("status")).to_contain_text("Gracias")
    check_page(page, screenshot="chat-widget")

    # then it is a chat ticket routed to Diego, who is on shift and speaks Spanish
    ticket = Ticket.objects.get(customer__email="ana.chat@example.mx")
    assert (ticket.channel, ticket.assignee, ticket.language) == ("chat", desk["agent"], "es")

    # when Diego answers from the ticket page
    agent = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    agent.set_default_timeout(10_000)
    _login(agent, live_server, "diego")
    agent.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(agent.locator("#timeline")).to_contain_text("via Chat")
    agent.get_by_label("Reply or internal note").fill("Hola Ana, ya lo reviso.")
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_role("status").first).to_contain_text("Reply sent.")

    # then the customer sees it in the widget, and her answer reaches the agent's timeline
    expect(log).to_contain_text("Hola Ana, ya lo reviso.", timeout=POLL)
    expect(log.locator(".from-agent")).to_contain_text("Soporte · Diego")
    chat.get_by_role("textbox", name="Su mensaje").fill("¡Gracias!")
    chat.get_by_role("button", name="Enviar").click()
    expect(log).to_contain_text("¡Gracias!")
    expect(agent.locator("#timeline")).to_contain_text("¡Gracias!", timeout=POLL)
    check_page(agent, screenshot="ticket-chat")
    # the transcript is the ticket's timeline, and no email was sent while she was in the chat
    bodies = list(ticket.events.filter(kind__in=["customer_message", "reply"]).values_list("body", flat=True))
    assert bodies == ["Hola, mi pago fue rechazado dos veces.", "Hola Ana, ya lo reviso.", "¡Gracias!"]
    assert not ticket.mail_messages.exists()


def test_web_form_then_the_ticket_link(live_server, page, check_page, desk):
    # given the web form in German
    page.goto(f"{live_server.url}/support/new/?lang=de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support kontaktieren")
    check_page(page, screenshot="web-form")
    # when a customer leaves a field wrong, then the error is next to it
    page.get_by_label("Ihr Name").fill("Jürgen Müller")
    page.get_by_label("Ihre E-Mail-Adresse").fill("juergen@example.de")
    page.get_by_label("Land").fill("ZZ")
    page.get_by_label("Betreff").fill("Rechnung doppelt")
    page.get_by_label("Wie können wir helfen?").fill("Die Rechnung wurde doppelt abgebucht.")
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.locator(".field-error")).to_contain_text("zwei Buchstaben")
    check_page(page)
    page.get_by_label("Land").fill("DE")
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Anfrage ist eingegangen")
    check_page(page)

    # and the link from the acknowledgement shows the conversation, takes a reply and closes the ticket
    ticket = Ticket.objects.get(customer__email="juergen@example.de")
    page.goto(f"{live_server.url}/support/t/{ticket_link_token(ticket)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechnung doppelt")
    check_page(page, screenshot="ticket-link")
    page.get_by_label("Ihre Antwort").fill("Hier ist noch der Kontoauszug.")
    page.get_by_label("Anhänge").set_input_files(
        files=[{"name": "Kontoauszug.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_role("status")).to_contain_text("Danke, Ihre Antwort wurde hinzugefügt.")
    expect(page.locator(".attachments")).to_contain_text("Kontoauszug.pdf")
    page.get_by_role("button", name="Ticket schließen").click()
    expect(page.locator(".empty")).to_contain_text("Dieses Ticket ist geschlossen")
    expect(page.get_by_role("button", name=re.compile("Antwort senden"))).to_have_count(0)


def test_a_tampered_link_shows_a_clear_page(live_server, page, check_page, desk):
    page.goto(f"{live_server.url}/support/t/not-a-real-link/?lang=pt")
    expect(page.get_by_role("heading", level=1)).to_have_text("Este link não é válido")
    check_page(page)
