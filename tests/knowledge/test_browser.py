"""The knowledge base in Chromium: from a ticket, in the editor, for a lead, and on the public help center."""

import re

import pytest
from playwright.sync_api import expect

from knowledge.services import acknowledgement_confirm
from tests.factories import PASSWORD, CustomerFactory, ticket
from tickets.models import TicketArticleLink
from tickets.services import ticket_assign, ticket_move_to_team

from .conftest import BODY, publish, translate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1400, "height": 900}


def _login(page, live_server, username):
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_agent_searches_from_a_ticket_inserts_an_article_and_marks_it_the_solution(live_server, page, check_page, kb):
    # given a Dublin Tier 1 ticket about a refund and a customer-facing article about refunds
    body = "A refund reaches the bank in **five to ten** working days."
    refund = publish(kb, "Refund timeline", body, audience="customer")
    publish(kb, "Reset a password", "Send the reset link from the sign-in page.")
    t = ticket(subject="Money back?", body="I returned the shoes.", customer=CustomerFactory(name="Ana Ruiz"))
    t = ticket_move_to_team(ticket=t, team=kb["tier1"], actor=None, reason="setup")
    t = ticket_assign(ticket=t, assignee=kb["agent"], actor=kb["agent"])
    _login(page, live_server, "agent.dub")
    page.goto(f"{live_server.url}/tickets/{t.pk}/")
    panel = page.get_by_role("region", name="Knowledge")
    expect(panel).to_contain_text("Suggested for this ticket")
    # when she searches the knowledge base from the ticket
    panel.get_by_role("searchbox", name="Search articles").fill("refund")
    panel.get_by_role("button", name="Search", exact=True).click()
    expect(panel).to_contain_text("Articles for “refund”")
    expect(panel.locator("mark").first).to_have_text(re.compile("refund", re.IGNORECASE))
    check_page(page, screenshot="knowledge-ticket")
    # and inserts a link after what she has written
    page.get_by_label("Reply or internal note").fill("Hi Ana,")
    panel.get_by_role("button", name="Insert link to Refund timeline").click()
    expect(page.locator("#id_reply-body")).to_have_value(
        re.compile(r"^Hi Ana,\n\n\[Refund timeline\]\(http.*/help/refund-timeline/\)$")
    )
    # and marks it as the solution
    panel.get_by_role("button", name="Solved with this article: Refund timeline").click()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Solved with article: Refund timeline")
    expect(timeline).to_contain_text("Article used in the reply: Refund timeline")
    assert set(TicketArticleLink.objects.filter(article=refund).values_list("kind", flat=True)) == {"linked", "solved"}


def test_editing_a_published_article_makes_a_version_outdates_translations_and_shows_the_diff(
    live_server, page, check_page, kb
):
    article = publish(kb, "Issue a refund", BODY)
    translate(kb, article)
    _login(page, live_server, "owner.dub")
    page.goto(f"{live_server.url}/knowledge/articles/{article.pk}/")
    languages = page.get_by_role("region", name="Languages")
    expect(languages).to_contain_text("Up to date")
    page.get_by_role("link", name="Edit (new version)").click()
    check_page(page, screenshot="knowledge-editor")
    text = page.get_by_label("Text (Markdown)")
    text.fill(text.input_value().replace("2. Refund the order.", "2. Refund the whole order, shipping included."))
    page.get_by_label("Change note").fill("Refund shipping too")
    page.get_by_role("button", name="Publish new version").click()
    expect(page.get_by_text("Version 2 is published")).to_be_visible()
    expect(languages).to_contain_text("Outdated (v1)")
    history = page.get_by_role("region", name="Version history")
    expect(history).to_contain_text("Refund shipping too")
    check_page(page, screenshot="knowledge-article")
    history.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes from v1 to v2")
    expect(page.locator("del")).to_have_text("2. Refund the order.")
    expect(page.locator("ins")).to_have_text("2. Refund the whole order, shipping included.")
    expect(page.get_by_text("1 line added")).to_be_visible()
    check_page(page, screenshot="knowledge-diff")
    # and the Spanish translation is brought up to date from the article page
    page.get_by_role("link", name=re.compile("Issue a refund")).click()
    page.get_by_role("link", name=re.compile("Update.*es translation")).click()
    check_page(page)
    page.get_by_label("Translated text (Markdown)").fill("1. Abre la consola.\n2. Reembolsa todo, envío incluido.")
    page.get_by_role("button", name="Save translation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emitir un reembolso")
    expect(page.get_by_role("region", name="Languages")).to_contain_text("Up to date")


def test_lead_sees_who_has_not_acknowledged_the_latest_version(live_server, page, check_page, kb):
    article = publish(kb, tiers=[1])
    acknowledgement_confirm(article=article, actor=kb["agent"])
    _login(page, live_server, "lead.dub")
    page.goto(f"{live_server.url}/knowledge/")
    page.get_by_role("link", name="Acknowledgement status").click()
    table = page.get_by_role("region", name="Issue a refund v1")
    expect(table.get_by_role("row", name=re.compile("Dublin Tier 1"))).to_contain_text("1 / 2")
    expect(table).to_contain_text("Diego Cruz")
    expect(table).not_to_contain_text("Aoife Byrne")
    check_page(page, screenshot="knowledge-acknowledgement-status")
    page.get_by_role("link", name="Effectiveness and gaps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge effectiveness")
    check_page(page)
    page.get_by_role("link", name="Search").click()
    page.get_by_role("link", name="New article").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New article")
    check_page(page)


def test_agent_search_and_acknowledgement_pages(live_server, page, check_page, kb):
    article = publish(kb, "Issue a refund", BODY, tiers=[1])
    translate(kb, article)
    _login(page, live_server, "agent.dub")
    page.get_by_role("link", name="Knowledge").click()
    expect(page.get_by_text("You have 1 article to read and acknowledge")).to_be_visible()
    page.get_by_role("searchbox", name="Search articles").fill("refund")
    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="1 result for “refund”")).to_be_visible()
    check_page(page, screenshot="knowledge-search")
    page.get_by_role("link", name="My acknowledgements").click()
    check_page(page)
    page.get_by_role("button", name=re.compile("I have read it.*Issue a refund")).click()
    expect(page.get_by_text("Nothing to acknowledge")).to_be_visible()


def test_public_help_center(live_server, page, check_page, kb):
    public = publish(kb, "Refund timeline", "Refunds take ten days.", audience="customer")
    translate(kb, public, title="Plazo de reembolso", body="Los reembolsos tardan diez días.")
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{live_server.url}/help/?lang=es")
    check_page(page, screenshot="knowledge-help")
    page.get_by_role("link", name="Plazo de reembolso").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plazo de reembolso")
    check_page(page)
