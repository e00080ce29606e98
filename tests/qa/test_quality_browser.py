"""Done when (issue #9): in Chromium a reviewer scores a ticket of a German customer on the DACH rubric, the customer
answers a CES survey through the link, and the metrics page shows both in its charts."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from qa.sampling import week_start
from qa.surveys import survey_send
from tests.factories import PASSWORD

from .conftest import conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_review_on_dach_ces_answer_and_metrics_charts(live_server, page, check_page, world, browser):
    now = dt.datetime.now(dt.UTC)
    at = now - min(dt.timedelta(minutes=30), (now - week_start(now)) / 2)
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE", language="de", at=at)
    page.set_viewport_size({"width": 1400, "height": 900})

    # the Manila lead scores the German customer's ticket: the page offers only the DACH rubric
    _login(page, live_server, world["lead.mnl"])
    page.goto(f"{live_server.url}/qa/tickets/{t.pk}/review/")
    expect(page.get_by_text("Scored on DACH scorecard v1")).to_be_visible()
    expect(page.get_by_text("Rapport")).to_have_count(0)
    for criterion in ("Brevity", "Customer effort", "Accuracy", "Security and privacy"):
        group = page.get_by_role("group", name=re.compile(f"^{criterion}"))
        group.get_by_role("radio").last.check()
    page.get_by_label("Comment on Brevity").fill("Short and complete, as DACH customers expect.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("heading", name=f"Review of {t.reference}")).to_be_visible()
    expect(page.get_by_text("✓ 100.0").first).to_be_visible()
    expect(page.get_by_text("Short and complete, as DACH customers expect.")).to_be_visible()
    check_page(page, screenshot="qa-review")

    # the customer answers the CES survey through the emailed link, without logging in, in German
    survey_send(ticket_id=t.pk, now=dt.datetime.now(dt.UTC))
    [path] = re.findall(r"/survey/[^/\s]+/", mail.outbox[-1].body)
    customer = browser.new_context().new_page()
    customer.goto(live_server.url + path)
    expect(customer.get_by_role("heading", name=f"Ihre Rückmeldung zu {t.reference}")).to_be_visible()
    customer.get_by_role("group", name=re.compile("^Das Unternehmen")).get_by_label("6", exact=True).check()
    customer.get_by_role("group", name=re.compile("^Wie wahrscheinlich")).get_by_label("9", exact=True).check()
    check_page(customer, screenshot="qa-survey")
    customer.get_by_role("button", name="Rückmeldung senden").click()
    expect(customer.get_by_text("Vielen Dank! Ihre Rückmeldung ist beim Team angekommen.")).to_be_visible()
    customer.context.close()

    # the lead's metrics page shows the review (QA 100) and the answer (CES 6) in its charts, by market
    page.goto(f"{live_server.url}/qa/metrics/?dimension=market")
    this_week = f"Week of {week_start(now):%Y-%m-%d}"
    expect(page.locator("#trend-qa")).to_contain_text(f"{this_week}: 100.0")
    expect(page.locator("#trend-ces")).to_contain_text(f"{this_week}: 6.0")
    row = page.get_by_role("row", name=re.compile("^DACH"))
    expect(row).to_contain_text("100.0")
    expect(row).to_contain_text("6.0")
    check_page(page, screenshot="qa-metrics")


def test_admin_edits_a_rubric_with_a_live_weighted_total(live_server, page, check_page, world):
    _login(page, live_server, world["admin"])
    page.goto(f"{live_server.url}/qa/rubrics/")
    page.get_by_label("Market").select_option(label="DACH")
    page.get_by_role("button", name="New draft version").click()
    expect(page.get_by_role("heading", name=re.compile("^Edit DACH scorecard v2"))).to_be_visible()
    total = page.locator("#preview-total")
    expect(total).to_have_text("100")  # empty previews count as the best point
    first = page.get_by_role("group", name="Criterion 1")  # Brevity, weight 25 of 100, 5 points
    first.get_by_label("Preview point").fill("3")
    expect(total).to_have_text("87.5")  # 100 - 25 x 0.5
    fourth = page.get_by_role("group", name="Criterion 4")  # security, auto-fail
    fourth.get_by_label("Preview point").fill("1")
    expect(total).to_have_text("0 (auto-fail)")
    check_page(page)
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_text("Published.")).to_be_visible()


def test_every_other_quality_page_passes_axe(live_server, page, check_page, world):
    from qa.calibration import session_create
    from qa.reviews import review_create
    from qa.sampling import samples_run
    from qa.surveys import survey_answer, survey_create

    from .conftest import T0, points

    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="MX", language="es")
    review = review_create(ticket=t, scores=points(world["rubrics"]["latam"], 2), actor=world["lead.mnl"])
    low = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="US", language="en")
    survey_answer(survey=survey_create(ticket_id=low.pk, now=T0), score=1, nps=2, comment="Slow", at=T0)
    samples_run(now=T0 + dt.timedelta(days=7))
    session = session_create(name="Week 45", tickets=[t], reviewers=[world["lead.dub"], world["admin"]],
                             actor=world["lead.mnl"])  # fmt: skip

    _login(page, live_server, world["agent.mnl"])
    page.goto(f"{live_server.url}/qa/reviews/{review.pk}/")
    check_page(page)
    page.get_by_role("textbox", name="What did the review get wrong?").fill("Rapport was warm")
    page.get_by_role("button", name="Dispute this review").click()
    expect(page.get_by_text("Dispute sent to your lead.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    _login(page, live_server, world["lead.mnl"])
    for path in ("/qa/", f"/qa/reviews/{review.pk}/", "/qa/rubrics/", f"/qa/rubrics/{review.rubric_id}/",
                 "/qa/calibration/", f"/qa/calibration/{session.pk}/",
                 f"/qa/calibration/{session.pk}/tickets/{t.pk}/?reference=1"):  # fmt: skip
        page.goto(live_server.url + path)
        expect(page.get_by_role("main")).to_be_visible()
        check_page(page)
    page.goto(f"{live_server.url}/qa/")
    expect(page.get_by_text("Rapport was warm")).to_be_visible()
    check_page(page, screenshot="qa-home")
