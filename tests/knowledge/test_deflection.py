"""Answer before ticket: suggestions while a customer writes, "this answered my question" counted as a deflection per
article and market, the articles shown recorded on a ticket sent anyway, abuse limits, effectiveness figures."""

import json
import re
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from knowledge.answers import suggestion_token
from knowledge.models import Deflection
from knowledge.services import deflection_record
from tickets.models import EventKind, Ticket

from .conftest import publish, translate

pytestmark = pytest.mark.django_db

SPANISH_BODY = "Si ve dos cargos del mismo pedido en su tarjeta, el segundo se anula solo en cinco días."


@pytest.fixture
def articles(kb, settings, tmp_path):
    """A customer-facing article with a Spanish translation, an internal one on the same subject, and a Tier 1
    team on shift in Mexico to take web tickets."""
    from tests.factories import AgentFactory, RegionFactory, TeamFactory, shift_pattern

    settings.MEDIA_ROOT = tmp_path / "media"
    double = publish(kb, "Charged twice for one order", "Two charges for one order: the second is voided.",
                     audience="customer")  # fmt: skip
    translate(kb, double, title="Cobro doble por un pedido", body=SPANISH_BODY)
    internal = publish(kb, "Void a duplicate charge", "Void the duplicate charge in the console.")
    translate(kb, internal, title="Anular un cobro doble", body="Anula el cobro doble en la consola.")
    team = TeamFactory(code="t1-mex", region=RegionFactory(code="mex", country="MX"), tier=1)
    shift_pattern(team, "00:00-00:00")
    AgentFactory(team=team, presence="available")
    return {"double": double, "internal": internal}


def _suggest(client, **params):
    response = client.get("/help/suggest/", params)
    return response.status_code, json.loads(response.content)


def _token(url):
    return unquote(re.search(r"[?&]s=([^&]+)", url).group(1))


def test_suggestions_are_customer_facing_published_articles_in_the_customer_language(articles):
    # when a customer writing in Spanish has typed about a double charge
    status, body = _suggest(Client(), q="Me cobraron doble por mi pedido", lang="es", country="MX")
    # then the customer-facing article comes back in Spanish, never the internal one, with a help-center link
    assert status == 200
    assert [a["title"] for a in body["articles"]] == ["Cobro doble por un pedido"]
    suggestion = body["articles"][0]
    assert suggestion["id"] == articles["double"].pk
    assert suggestion["url"].startswith(f"/help/{articles['double'].slug}/?lang=es&s=")
    assert "<" not in suggestion["excerpt"] and "cargos" in suggestion["excerpt"]
    # and the same words in another language find nothing there
    assert _suggest(Client(), q="Me cobraron doble por mi pedido", lang="de")[1]["articles"] == []
    # and a draft or archived article is never suggested
    articles["double"].status = "archived"
    articles["double"].save()
    assert _suggest(Client(), q="cobro doble pedido", lang="es")[1]["articles"] == []


def test_bad_input_is_a_400_with_the_field_named(articles):
    status, body = _suggest(Client(), q="cobro doble", lang="Spanish")
    assert status == 400 and "lang" in body["error"]["fields"]
    status, body = _suggest(Client(), q="cobro doble", lang="es", country="ZZ")
    assert status == 400 and body["error"]["fields"]["country"] == ["Give the country as two letters, e.g. MX."]
    status, body = _suggest(Client(), q="x" * 2001, lang="es")
    assert status == 400 and "q" in body["error"]["fields"]
    # a text too short to search is no error: nothing to suggest yet
    assert _suggest(Client(), q="co", lang="es") == (200, {"language": "es", "articles": []})


def test_the_article_page_offers_this_answered_my_question_and_counts_a_deflection(articles):
    client = Client()
    _, body = _suggest(client, q="cobro doble pedido", lang="es", country="MX")
    url = body["articles"][0]["url"]
    # when the customer opens the suggestion
    page = client.get(url).content.decode()
    # then the article is in Spanish with the answer box in Spanish
    assert "Cobro doble por un pedido" in page
    assert "Esto respondió a mi pregunta" in page and "No, volver a mi solicitud" in page
    assert 'href="/support/new/?lang=es"' in page
    # when they say it answered their question
    response = client.post(f"/help/{articles['double'].slug}/answered/?lang=es", {"s": _token(url)})
    # then the flow ends with a thank-you and one deflection for the article and market, and no ticket
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert "Nos alegra haberle ayudado" in thanks and "no se envió ninguna solicitud" in thanks
    assert list(Deflection.objects.values_list("article", "language", "country", "channel")) == [
        (articles["double"].pk, "es", "MX", "web")
    ]
    assert not Ticket.objects.exists()
    # and the same suggestion cannot count twice
    client.post(f"/help/{articles['double'].slug}/answered/?lang=es", {"s": _token(url)})
    assert Deflection.objects.count() == 1


def test_the_country_comes_from_the_browser_when_the_form_has_none(articles):
    client = Client(HTTP_ACCEPT_LANGUAGE="es-AR,es;q=0.9")
    _, body = _suggest(client, q="cobro doble pedido", lang="es")
    client.post(f"/help/{articles['double'].slug}/answered/", {"s": _token(body["articles"][0]["url"])})
    assert Deflection.objects.get().country == "AR"


def test_a_deflection_needs_a_suggestion_of_that_article(articles, kb):
    client = Client()
    double = articles["double"]
    other = publish(kb, "Refund timeline", "Refunds take ten days.", audience="customer")
    # a token for another article, a forged one, and none at all: a 400 page, nothing counted
    token = suggestion_token(article=other, language="es", country="MX", channel="web")
    for data in ({"s": token}, {"s": token[:-3] + "abc"}, {}):
        response = client.post(f"/help/{double.slug}/answered/?lang=es", data)
        assert response.status_code == 400
        assert "Esta sugerencia ha caducado o no es válida" in response.content.decode()
    # an internal article has no public page to answer on
    token = suggestion_token(article=articles["internal"], language="es", country="MX", channel="web")
    assert client.post(f"/help/{articles['internal'].slug}/answered/", {"s": token}).status_code == 404
    # without a token the article page shows no answer box
    assert "Esto respondió" not in client.get(f"/help/{double.slug}/?lang=es").content.decode()
    assert not Deflection.objects.exists()


def test_the_service_refuses_what_is_not_a_public_answer(articles):
    with pytest.raises(ValidationError) as refused:
        deflection_record(article=articles["internal"], language="es", country="MX", channel="web")
    assert "customer-facing" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        deflection_record(article=articles["double"], language="español", country="XX", channel="fax")
    assert set(refused.value.message_dict) == {"language", "country", "channel"}


def test_the_suggest_and_answer_endpoints_are_throttled_per_address(articles):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(60):
        assert client.get("/help/suggest/", {"q": "cobro", "lang": "es"}).status_code == 200
    response = client.get("/help/suggest/", {"q": "cobro", "lang": "es"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    # a forwarded-for header written by the client does not make it someone else
    assert client.get("/help/suggest/", {"q": "x", "lang": "es"}, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.10").get("/help/suggest/", {"q": "cobro", "lang": "es"}).status_code == 200

    double = articles["double"]
    answers = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(10):
        token = suggestion_token(article=double, language="es", country="MX", channel="web")
        assert answers.post(f"/help/{double.slug}/answered/", {"s": token}).status_code == 302
    token = suggestion_token(article=double, language="es", country="MX", channel="web")
    response = answers.post(f"/help/{double.slug}/answered/?lang=es", {"s": token})
    assert response.status_code == 429 and "Demasiadas respuestas" in response.content.decode()
    assert Deflection.objects.count() == 10


def test_a_ticket_sent_anyway_records_the_articles_shown(articles):
    shown = f"{articles['double'].pk},{articles['internal'].pk},999999"
    response = Client().post(
        "/support/new/",
        {
            "name": "Ana Ruiz",
            "email": "ana@example.mx",
            "country": "MX",
            "language": "es",
            "subject": "Cobro doble",
            "message": "Me cobraron dos veces el pedido #123.",
            "shown": shown,
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    event = ticket.events.get(kind=EventKind.KB_LINK)
    # only the public article counts as shown: the internal one and an unknown id were never suggestions
    assert event.data == {"link": "shown", "articles": [articles["double"].pk], "slugs": [articles["double"].slug]}
    assert event.summary == "Shown to the customer before writing: Charged twice for one order"
    assert event.actor is None


def test_a_tampered_list_of_shown_articles_is_a_form_error(articles):
    response = Client().post(
        "/support/new/?lang=es",
        {"name": "Ana", "email": "ana@example.mx", "country": "MX", "language": "es", "subject": "x",
         "message": "y", "shown": "1,<script>"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "La lista de artículos sugeridos no es válida." in response.content.decode()
    for shown in ("²", "99999999999999999999", ",".join(["1"] * 21)):
        data = {"name": "Ana", "email": "ana@example.mx", "country": "MX", "language": "es", "subject": "x",
                "message": "y", "shown": shown}  # fmt: skip
        assert Client().post("/support/new/?lang=es", data).status_code == 400, shown
    assert not Ticket.objects.exists()


def test_a_chat_started_anyway_records_the_articles_shown(articles):
    client = Client()
    client.get("/chat/start/?lang=es")
    body = {"name": "Ana", "email": "ana.chat@example.mx", "language": "es", "country": "MX",
            "message": "Hola, me cobraron doble.", "shown": [articles["double"].pk]}  # fmt: skip
    response = client.post("/chat/start/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    event = Ticket.objects.get().events.get(kind=EventKind.KB_LINK)
    assert event.data["articles"] == [articles["double"].pk]
    body["shown"] = "not a list"
    response = client.post("/chat/start/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "shown" in json.loads(response.content)["error"]["fields"]


def test_the_effectiveness_page_counts_deflections_per_article_and_market(articles, kb):
    double = articles["double"]
    for country in ("MX", "MX", "ES"):
        deflection_record(article=double, language="es", country=country, channel="web")
    deflection_record(article=double, language="en", country="", channel="chat")
    page = Client()
    page.force_login(kb["lead"])
    html = page.get("/knowledge/effectiveness/").content.decode()
    rows = re.findall(r"<tr><th scope=\"row\"><a [^>]+>([^<]+)</a></th><td>(\w+)</td><td>(\w+)</td>"
                      r"<td class=\"num\">(\d+)</td>", html)  # fmt: skip
    assert rows == [
        ("Charged twice for one order", "MX", "es", "2"),
        ("Charged twice for one order", "unknown", "en", "1"),
        ("Charged twice for one order", "ES", "es", "1"),
    ]
    assert re.search(r"Charged twice for one order</a></th>.*?<td class=\"num\">4</td>\s*</tr>", html, re.S)
    # an agent does not see the page
    agent = Client()
    agent.force_login(kb["agent"])
    assert agent.get("/knowledge/effectiveness/").status_code == 403


def test_the_effectiveness_page_reads_deflections_in_a_constant_number_of_queries(articles, kb):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = Client()
    page.force_login(kb["lead"])

    def measure():
        page.get("/knowledge/effectiveness/")
        with CaptureQueriesContext(connection) as captured:
            assert page.get("/knowledge/effectiveness/").status_code == 200
        return len(captured)

    deflection_record(article=articles["double"], language="es", country="MX", channel="web")
    before = measure()
    for n, country in enumerate(["ES", "AR", "CL", "US", "DE", "BR"]):
        other = publish(kb, f"Customer article {n}", "Text.", audience="customer")
        deflection_record(article=other, language="en", country=country, channel="chat")
    assert measure() == before <= 12


def test_seed_demo_has_deflections_some_in_spanish():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("seed_demo", "--tickets", "0", stdout=out, stderr=io.StringIO())
    assert "39 deflections (answered before a ticket)" in out.getvalue()
    spanish = Deflection.objects.filter(language="es")
    assert spanish.count() == 24 and set(spanish.values_list("country", flat=True)) == {"MX", "ES", "AR"}
    assert set(Deflection.objects.values_list("article__audience", flat=True)) == {"customer"}
    assert set(Deflection.objects.values_list("channel", flat=True)) == {"web", "chat"}
