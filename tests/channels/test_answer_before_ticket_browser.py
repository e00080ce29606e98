"""Done when (issue #13, answer before ticket and trends), in Chromium: a customer on the web form is offered an article
in Spanish and marks it as the answer; one who writes anyway comes back to their draft and the ticket records what
was shown; the chat widget suggests too; the trends page shows the seeded spike. Every page axe-checked."""

import datetime as dt
import random
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledge.models import Deflection
from qa.demo import seed_rubrics, seed_trends
from qa.sampling import week_start
from tests.factories import PASSWORD, UserFactory
from tests.knowledge.conftest import kb, publish, translate  # noqa: F401 - kb is a fixture, used by name
from tests.qa.test_trends import tickets
from tickets.models import EventKind, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUGGESTIONS = "Estos artículos pueden responder a su pregunta"


@pytest.fixture
def double_charge(kb, desk):  # noqa: F811 - the fixture imported above
    """A customer-facing article with a Spanish translation, and an internal one the customer must never see."""
    article = publish(kb, "Charged twice for one order", "Two charges for one order: the second is voided.",
                      audience="customer")  # fmt: skip
    translate(kb, article, title="Cobro doble por un pedido",
              body="Si ve dos cargos del mismo pedido, el segundo se anula solo en cinco días.")  # fmt: skip
    internal = publish(kb, "Void a duplicate charge", "Void the duplicate in the console.")
    translate(kb, internal, title="Anular un cobro doble en la consola", body="Anula el cobro doble del pedido.")
    return article


def _write(page, subject="Cobro doble", message="Me cobraron dos veces el mismo pedido."):
    page.get_by_label("País").fill("MX")
    page.get_by_label("Asunto").fill(subject)
    page.get_by_label("¿En qué podemos ayudarle?").fill(message)


def test_a_customer_is_offered_a_spanish_article_and_marks_it_as_the_answer(live_server, page, check_page,
                                                                            double_charge):  # fmt: skip
    # given a customer on the web form in Spanish
    page.goto(f"{live_server.url}/support/new/?lang=es")
    expect(page.get_by_role("region", name=SUGGESTIONS)).to_be_hidden()
    # when she describes her problem
    _write(page)
    # then the customer-facing article is offered in Spanish, and the internal one is not
    suggestions = page.get_by_role("region", name=SUGGESTIONS)
    expect(suggestions.get_by_role("link")).to_have_count(1)
    expect(suggestions.get_by_role("link", name="Cobro doble por un pedido")).to_be_visible()
    suggestions.scroll_into_view_if_needed()
    check_page(page, screenshot="web-form-suggestions")
    # when she opens it and says it answered her question
    suggestions.get_by_role("link", name="Cobro doble por un pedido").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cobro doble por un pedido")
    check_page(page, screenshot="help-article-answer")
    page.get_by_role("button", name="Esto respondió a mi pregunta").click()
    # then the request ends with a thank-you, no ticket, and one deflection for the article in Mexico, in Spanish
    expect(page.get_by_role("heading", level=1)).to_have_text("Nos alegra haberle ayudado")
    expect(page.get_by_role("status")).to_contain_text("no se envió ninguna solicitud")
    check_page(page)
    assert list(Deflection.objects.values_list("article", "language", "country", "channel")) == [
        (double_charge.pk, "es", "MX", "web")
    ]
    assert not Ticket.objects.exists()


def test_a_customer_who_writes_anyway_keeps_her_draft_and_the_ticket_records_what_was_shown(
    live_server, page, check_page, double_charge
):
    page.goto(f"{live_server.url}/support/new/?lang=es")
    _write(page, message="Me cobraron dos veces el pedido #4411.")
    page.get_by_role("region", name=SUGGESTIONS).get_by_role("link", name="Cobro doble por un pedido").click()
    # when the article does not help, she goes back to her request, which is as she left it
    page.get_by_role("link", name="No, volver a mi solicitud").click()
    expect(page.get_by_label("¿En qué podemos ayudarle?")).to_have_value("Me cobraron dos veces el pedido #4411.")
    expect(page.get_by_label("Asunto")).to_have_value("Cobro doble")
    expect(page.get_by_role("region", name=SUGGESTIONS).get_by_role("link")).to_have_count(1)
    page.get_by_label("Su nombre").fill("Ana Ruiz")
    page.get_by_label("Su correo electrónico").fill("ana@example.mx")
    page.get_by_label("País").fill("MX")
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_role("status")).to_contain_text("Gracias")
    # then the ticket's timeline says which article she was shown, and no deflection was counted
    ticket = Ticket.objects.get(customer__email="ana@example.mx")
    shown = ticket.events.get(kind=EventKind.KB_LINK)
    assert shown.data["articles"] == [double_charge.pk]
    assert shown.summary == "Shown to the customer before writing: Charged twice for one order"
    assert not Deflection.objects.exists()


def test_the_chat_widget_suggests_articles_while_the_customer_writes(live_server, page, check_page, double_charge):
    page.goto(f"{live_server.url}/support/chat/?lang=es")
    chat = page.get_by_role("region", name="Chatear con soporte")
    chat.get_by_label("Su nombre").fill("Luis Pérez")
    chat.get_by_label("Su correo electrónico").fill("luis@example.mx")
    chat.get_by_role("textbox", name="Su mensaje").fill("Hola, veo un cobro doble de mi pedido")
    suggested = chat.get_by_role("region", name=SUGGESTIONS)
    link = suggested.get_by_role("link", name=re.compile("^Cobro doble por un pedido"))
    expect(link).to_be_visible()
    expect(link).to_have_attribute("target", "_blank")
    check_page(page)
    chat.get_by_role("button", name="Iniciar chat").click()
    expect(chat.get_by_role("log")).to_contain_text("Hola, veo un cobro doble de mi pedido")
    ticket = Ticket.objects.get(customer__email="luis@example.mx")
    assert ticket.events.get(kind=EventKind.KB_LINK).data["articles"] == [double_charge.pk]


def test_the_trends_page_shows_the_seeded_spike(live_server, page, check_page, desk):
    # given a week of tickets in Mexico City and the demo's history and spike on top
    now = timezone.now()
    seed_rubrics(now=now)
    team = desk["team"]
    team.region.name = "Mexico City"
    team.region.save()
    for day in range(7):
        at = now - dt.timedelta(days=day, hours=1)
        tickets(3, team=team, country="MX", language="es", tags=["orders", "shipping"], at=at)
        tickets(2, team=team, country="AR", language="es", tags=["billing", "payments"], at=at)
    seed_trends(random.Random(1), now=now)
    lead = UserFactory(username="lead.mex", role="lead")
    team.leads.add(lead)
    # when the Mexico City lead opens the trends from the metrics page
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("lead.mex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/qa/metrics/")
    page.get_by_role("link", name="recurring-issue trends").click()
    # then the spike of double charges in LATAM is flagged, with its chart and the way to its tickets
    expect(page.get_by_role("heading", level=1)).to_have_text("Recurring-issue trends")
    spikes = page.locator("section", has=page.get_by_role("heading", name="Spikes this week"))
    payments = spikes.get_by_role("listitem").filter(has_text="Tag “payments”")
    expect(payments).to_contain_text("in Mexico City · LATAM")
    expect(spikes.get_by_role("img", name=re.compile("“payments”"))).to_be_visible()
    week = f"Week of {week_start(now):%Y-%m-%d}"
    expect(spikes.locator("rect title", has_text=week).first).to_be_attached()
    check_page(page, screenshot="qa-trends")
    payments.get_by_role("link", name="see the tickets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New tickets with tag “payments”")
    expect(page.get_by_role("link", name=re.compile(r"^MER-\d+$")).first).to_be_visible()
    check_page(page)
