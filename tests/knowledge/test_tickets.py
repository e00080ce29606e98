"""Knowledge on tickets: suggestions, insert into the reply, solved with, effectiveness and in-shift reminders."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from knowledge.services import article_create, article_view_record
from tests.factories import CustomerFactory, shift_pattern, ticket
from tickets.knowledge import acknowledgement_reminders_send, article_effectiveness
from tickets.models import EventKind, Notification, TicketArticleLink
from tickets.services import ticket_assign, ticket_customer_message, ticket_move_to_team, ticket_set_status

from .conftest import publish, translate

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(kb):
    refund = publish(
        kb, "Refund timeline", "A refund reaches the bank in five to ten working days.", audience="customer"
    )
    publish(kb, "Reset a password", "Send the reset link from the sign-in page.")
    t = ticket(subject="Where is my refund?", body="I asked for a refund last week.", customer=CustomerFactory())
    t = ticket_move_to_team(ticket=t, team=kb["tier1"], actor=None, reason="setup")
    t = ticket_assign(ticket=t, assignee=kb["agent"], actor=kb["agent"])
    client = Client()
    client.force_login(kb["agent"])
    return {**kb, "refund": refund, "ticket": t, "client": client}


def test_the_ticket_page_suggests_articles_for_its_subject_and_body(desk):
    page = desk["client"].get(f"/tickets/{desk['ticket'].pk}/articles/").content.decode()
    assert "Suggested for this ticket" in page and "Refund timeline" in page and "Reset a password" not in page
    page = desk["client"].get(f"/tickets/{desk['ticket'].pk}/articles/", {"kb-q": "password"}).content.decode()
    assert "Reset a password" in page


def test_inserting_a_link_keeps_the_draft_and_records_the_use_once(desk, settings):
    settings.SITE_URL = "https://help.example"
    url = f"/tickets/{desk['ticket'].pk}/articles/{desk['refund'].pk}/insert/"
    for _ in range(2):
        response = desk["client"].post(url, {"mode": "link", "reply-body": "Hi Ana,"})
    page = response.content.decode()
    assert "Hi Ana,\n\n[Refund timeline](https://help.example/help/refund-timeline/)" in page
    assert desk["ticket"].article_links.filter(kind="linked").count() == 1
    event = desk["ticket"].events.get(kind=EventKind.KB_LINK)
    assert event.summary == "Article used in the reply: Refund timeline" and event.actor == desk["agent"]


def test_an_excerpt_comes_in_the_tickets_language(desk):
    translate(desk, desk["refund"], title="Plazo de reembolso", body="Un reembolso tarda de cinco a diez días.")
    desk["ticket"].language = "es"
    desk["ticket"].save(update_fields=["language"])
    url = f"/tickets/{desk['ticket'].pk}/articles/{desk['refund'].pk}/insert/"
    page = desk["client"].post(url, {"mode": "excerpt"}).content.decode()
    assert "**Plazo de reembolso**" in page and "diez días" in page


def test_internal_articles_have_no_link_to_insert_and_drafts_cannot_be_used(desk):
    internal = publish(desk, "Refund internals", "Console steps.")
    draft = article_create(
        owner_team=desk["owners"], category=desk["category"], title="D", body="x", actor=desk["owner"]
    )
    base = f"/tickets/{desk['ticket'].pk}/articles"
    assert desk["client"].post(f"{base}/{internal.pk}/insert/", {"mode": "link"}).status_code == 404
    assert desk["client"].post(f"{base}/{draft.pk}/solved/").status_code == 404
    assert not TicketArticleLink.objects.exists()


def test_marking_solved_with_an_article_puts_it_on_the_timeline(desk):
    response = desk["client"].post(f"/tickets/{desk['ticket'].pk}/articles/{desk['refund'].pk}/solved/")
    assert response.status_code == 302
    page = desk["client"].get(f"/tickets/{desk['ticket'].pk}/").content.decode()
    assert "Solved with article: Refund timeline" in page


@pytest.mark.parametrize("who", ["vendor", "owner"])
def test_outsiders_of_the_ticket_get_404(desk, who):
    client = Client()
    client.force_login(desk[who])  # neither the Manila vendor agent nor Dublin Tier 2 sees a Dublin Tier 1 ticket
    base = f"/tickets/{desk['ticket'].pk}/articles"
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/{desk['refund'].pk}/insert/", {"mode": "excerpt"}).status_code == 404
    assert client.post(f"{base}/{desk['refund'].pk}/solved/").status_code == 404
    assert not TicketArticleLink.objects.exists()


def test_effectiveness_counts_views_links_solved_and_reopened_tickets(desk):
    from tickets.knowledge import ticket_article_link

    agent, refund = desk["agent"], desk["refund"]
    article_view_record(article=refund)
    solved = []
    for n in range(3):
        t = ticket(subject=f"Refund {n}", body="Where is it?")
        ticket_article_link(ticket=t, article=refund, kind="solved", actor=agent)
        solved.append(ticket_set_status(ticket=t, status="solved", actor=agent))
    ticket_article_link(ticket=solved[0], article=refund, kind="linked", actor=agent)
    ticket_customer_message(ticket=solved[0], body="Still nothing!")  # reopens it
    figures = article_effectiveness(refund.__class__.objects.filter(pk=refund.pk))[refund.pk]
    assert figures == {"links": 1, "solved": 3, "reopened": 1, "reopen_rate": pytest.approx(1 / 3)}
    page = Client()
    page.force_login(desk["lead"])
    html = page.get("/knowledge/effectiveness/").content.decode()
    assert "Refund timeline" in html and "33 %" in html


def test_reminders_reach_agents_on_shift_once_per_period(kb):
    # given Tier 1 must read an article; the Manila vendor team is off shift now
    kb["vendor_team"].shift_patterns.all().delete()
    now = timezone.now()
    shift_pattern(kb["vendor_team"], "00:00-00:01", weekdays=[(now.weekday() + 3) % 7])
    publish(kb, tiers=[1])
    # when the job runs twice
    assert acknowledgement_reminders_send(now=now) == 2
    assert acknowledgement_reminders_send(now=now + dt.timedelta(minutes=1)) == 0
    # then the Dublin Tier 1 agents got one in-app notification each; the agent off shift none yet
    notes = Notification.objects.filter(kind="kb_ack")
    assert sorted(n.recipient.username for n in notes) == ["agent.dub", "agent.es"]
    assert notes.first().url == "/knowledge/acknowledgements/" and notes.first().deliver_at == now
    # and again after the reminder period, if still not acknowledged
    assert acknowledgement_reminders_send(now=now + dt.timedelta(hours=9)) == 2
