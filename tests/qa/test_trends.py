"""Recurring-issue trends: the spike rule, counts per region, market and week in the database, scope (a lead sees their
regions, outsiders get a 404), the ticket list behind a count with names masked per policy, the API, query counts."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from compliance.models import PiiPolicy
from knowledge.models import Article, Category
from qa.trends import is_spike, trend_report
from regions.models import Team
from tests.factories import CustomerFactory
from tickets.models import Tag, Ticket, TicketArticleLink

pytestmark = pytest.mark.django_db

WEEK = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)  # a Monday
NOW = WEEK + dt.timedelta(days=3, hours=10)
_serial = itertools.count()


# ---- the rule, on hand-built counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "baseline", "spike"),
    [
        (9, [2, 3, 2, 3], True),  # mean 2.5, sd 0.5 below √2.5: threshold 2.5 + 2 × 1.58 = 5.66
        (5, [2, 3, 2, 3], False),
        (6, [2, 3, 2, 3], True),
        (5, [0, 0, 0, 0], True),  # new this week, and enough of it
        (4, [0, 0, 0, 0], False),  # fewer than SPIKE_MIN_TICKETS
        (5, [4, 4, 4, 4], False),  # four equal weeks: the spread is √4, threshold 8
        (9, [4, 4, 4, 4], True),
        (19, [2, 14, 3, 13], False),  # mean 8, sd 5.52 above √8: threshold 19.05
        (20, [2, 14, 3, 13], True),
    ],
)
def test_the_spike_rule(count, baseline, spike):
    assert is_spike(count, baseline) is spike


def test_no_spike_without_a_history_in_every_week_before():
    assert is_spike(30, [0, 0, 0, 10], has_baseline=False) is False


# ---- counts in the database --------------------------------------------------------------------------------------


def tickets(n, *, team, country, tags=(), at, language="en", subject="Cannot log in"):
    """N tickets of TEAM, each of its own customer in COUNTRY speaking LANGUAGE, created at AT, with TAGS
    (bulk-inserted)."""
    made = Ticket.objects.bulk_create(
        Ticket(
            subject=subject,
            channel="web",
            customer=CustomerFactory(email=f"trend{next(_serial)}@example.org", name="Erika Mustermann",
                                     country=country, language=language),
            team=team,
            tier=team.tier,
            status="new",
            created_at=at + dt.timedelta(minutes=i),
            updated_at=at + dt.timedelta(minutes=i),
        )
        for i in range(n)
    )  # fmt: skip
    for name in tags:
        tag, _ = Tag.objects.get_or_create(name=name)
        Ticket.tags.through.objects.bulk_create(Ticket.tags.through(ticket_id=t.pk, tag_id=tag.pk) for t in made)
    return made


@pytest.fixture
def history(world):
    """Dublin, German customers (DACH): "login" 2, 3, 2, 3 then 9; "billing" 4 a week then 5; 6 tickets this week
    with an Accounts article linked. Manila, Japanese customers (APAC): 7 "login" this week, no history."""
    dub, mnl = world["teams"]["dub"], world["teams"]["mnl"]
    for k, (login, billing) in enumerate([(2, 4), (3, 4), (2, 4), (3, 4), (9, 5)]):
        at = WEEK - dt.timedelta(weeks=4 - k) + dt.timedelta(days=1)
        tickets(login, team=dub, country="DE", tags=["login"], at=at)
        tickets(billing, team=dub, country="AT", tags=["billing"], at=at + dt.timedelta(hours=2))
    accounts = Category.objects.create(name="Accounts and sign-in", slug="accounts")
    article = Article.objects.create(
        slug="reset-password", owner_team=dub, category=accounts, created_at=WEEK, updated_at=WEEK
    )
    linked = tickets(6, team=dub, country="CH", at=WEEK + dt.timedelta(days=2))
    TicketArticleLink.objects.bulk_create(
        TicketArticleLink(ticket=t, article=article, kind=kind, created_at=WEEK + dt.timedelta(days=2))
        for t in linked
        for kind in ("linked", "solved")  # twice on one ticket counts once
    )
    tickets(7, team=mnl, country="JP", tags=["login"], at=WEEK + dt.timedelta(hours=5))
    tickets(3, team=dub, country="DE", tags=["login"], at=WEEK + dt.timedelta(weeks=1))  # next week: not counted
    return world


def _report(**kwargs):
    from qa.models import Market

    return trend_report(teams=Team.objects.all(), week=WEEK, markets=list(Market.objects.all()), **kwargs)


def _items(group):
    return {(i.kind, i.name): (i.count, i.weeks, i.spike) for i in group.items}


def test_counts_per_region_market_and_week_with_spikes_flagged(history):
    groups = _report()
    # then the group with a spike comes first, and each group counts its own region and market
    assert [(g.region, g.market, g.tickets) for g in groups] == [("dub", "dach", 20), ("mnl", "apac", 7)]
    dublin, manila = groups
    assert dublin.weeks == [6, 7, 6, 7, 20] and dublin.has_baseline
    assert _items(dublin) == {
        ("tag", "login"): (9, [2, 3, 2, 3, 9], True),
        ("tag", "billing"): (5, [4, 4, 4, 4, 5], False),
        ("category", "accounts"): (6, [0, 0, 0, 0, 6], True),
    }
    login = next(i for i in dublin.items if i.name == "login")
    assert (login.mean, login.stddev, login.change, login.change_pct) == (2.5, 0.5, 6.5, 260.0)
    accounts = next(i for i in dublin.items if i.name == "accounts")
    assert (accounts.label, accounts.change_pct) == ("Accounts and sign-in", None)
    # Manila's seven are new this week, but with no weeks before there is no baseline: no spike
    assert not manila.has_baseline and _items(manila) == {("tag", "login"): (7, [0, 0, 0, 0, 7], False)}
    # one region and one market
    assert [(g.region, g.market) for g in _report(region="mnl")] == [("mnl", "apac")]
    assert _report(region="dub", market="latam") == []


def test_only_the_top_items_and_every_spike_are_shown(history):
    (dublin,) = _report(region="dub", top=1)
    assert [(i.kind, i.name) for i in dublin.items] == [("tag", "login"), ("category", "accounts")]
    (dublin,) = _report(region="dub", top=0)
    assert [i.name for i in dublin.items] == ["login", "accounts"]  # spikes are shown below the top as well


# ---- pages: scope, links, masking --------------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_the_trends_page_shows_a_lead_the_spikes_of_their_regions_with_charts_and_links(history):
    page = _client(history["lead.dub"]).get("/qa/metrics/trends/")
    html = page.content.decode()
    assert page.status_code == 200
    spikes = html.split('id="spikes-title"')[1].split("</section>")[0]
    assert "Tag “login”</strong> in Dublin · DACH: 9 new tickets" in spikes
    assert "Category “Accounts and sign-in”</strong> in Dublin · DACH: 6 new tickets" in spikes
    assert spikes.count("<svg") == 2 and "Week of 2026-11-23: 9" in spikes
    assert "Manila" not in html  # not the lead's region
    assert "/qa/metrics/trends/tickets/?week=2026-11-23&amp;region=dub&amp;market=dach&amp;tag=login" in html
    # the metrics page links here
    assert "/qa/metrics/trends/?week=2026-11-23" in _client(history["lead.dub"]).get("/qa/metrics/").content.decode()
    # the Manila lead sees Manila, where nothing spikes
    html = _client(history["lead.mnl"]).get("/qa/metrics/trends/").content.decode()
    assert "Manila" in html and "Dublin" not in html and "No spike in this week" in html
    assert "not every week before had tickets" in html


@time_machine.travel(NOW, tick=False)
def test_outsiders_get_a_404_and_bad_filters_a_400(history):
    for who in ("agent.dub", "agent.mnl"):
        client = _client(history[who])
        assert client.get("/qa/metrics/trends/").status_code == 404
        assert client.get("/qa/metrics/trends/tickets/?region=dub&market=dach&tag=login").status_code == 404
    assert Client().get("/qa/metrics/trends/").status_code == 302  # to the login page
    lead = _client(history["lead.mnl"])
    assert lead.get("/qa/metrics/trends/tickets/?region=dub&market=dach&tag=login").status_code == 404
    response = lead.get("/qa/metrics/trends/", {"week": "not a date", "market": "atlantis"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode() and "Select a valid choice" in response.content.decode()
    response = lead.get("/qa/metrics/trends/tickets/", {"region": "mnl", "market": "apac"})
    assert response.status_code == 400 and "Give either a tag or a category." in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_tickets_behind_a_count_are_listed_in_scope_with_names_masked_per_policy(history):
    PiiPolicy.objects.create(field="customer_name", audience="lead", treatment="masked")
    client = _client(history["lead.dub"])
    html = client.get("/qa/metrics/trends/tickets/?week=2026-11-23&region=dub&market=dach&tag=login").content.decode()
    references = re.findall(r'<a href="/tickets/(\d+)/">MER-\d+</a>', html)
    assert len(references) == 9
    expected = Ticket.objects.filter(tags__name="login", team__region__code="dub", created_at__gte=WEEK,
                                     created_at__lt=WEEK + dt.timedelta(weeks=1))  # fmt: skip
    assert {int(r) for r in references} == set(expected.values_list("pk", flat=True))
    assert "Erika Mustermann" not in html and "◌ masked" in html
    html = client.get("/qa/metrics/trends/tickets/?week=2026-11-23&region=dub&market=dach&category=accounts")
    assert len(re.findall(r'<a href="/tickets/\d+/">', html.content.decode())) == 6


# ---- API ---------------------------------------------------------------------------------------------------------


def _api(user):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


@time_machine.travel(NOW, tick=False)
def test_the_api_gives_the_trends_and_the_tickets_behind_them_in_scope(history):
    body = _api(history["admin"]).get("/api/v1/qa-trends/").json()
    assert body["week_start"] == "2026-11-23T00:00:00Z" and body["baseline_weeks"] == 4
    assert "mean + 2" in body["rule"]
    dublin = body["groups"][0]
    assert (dublin["region"], dublin["market"], dublin["tickets"], dublin["has_baseline"]) == ("dub", "dach", 20, True)
    login = dublin["items"][0]
    assert (login["name"], login["count"], login["weeks"], login["spike"]) == ("login", 9, [2, 3, 2, 3, 9], True)
    assert login["tickets"] == "/api/v1/qa-trend-tickets/?week=2026-11-23&region=dub&market=dach&tag=login"
    page = _api(history["admin"]).get(login["tickets"] + "&page_size=5").json()
    assert len(page["results"]) == 5 and page["next"] and page["results"][0]["reference"].startswith("MER-")
    rest = _api(history["admin"]).get(page["next"]).json()
    assert len(rest["results"]) == 4 and rest["next"] is None
    # a lead sees their region only; another region is a 404, an agent a 403, bad input a 400 naming the field
    lead = _api(history["lead.mnl"])
    assert [g["region"] for g in lead.get("/api/v1/qa-trends/").json()["groups"]] == ["mnl"]
    assert lead.get("/api/v1/qa-trends/?region=dub").status_code == 404
    assert lead.get("/api/v1/qa-trend-tickets/?region=dub&market=dach&tag=login").status_code == 404
    assert _api(history["agent.dub"]).get("/api/v1/qa-trends/").status_code == 403
    response = lead.get("/api/v1/qa-trends/?week=yesterday&market=atlantis")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"week", "market"}
    response = lead.get("/api/v1/qa-trend-tickets/?region=mnl&market=apac&tag=login&category=accounts")
    assert response.status_code == 400


# ---- queries: constant in the data ---------------------------------------------------------------------------------


@pytest.mark.postgres
@time_machine.travel(NOW, tick=False)
def test_queries_do_not_grow_with_the_tickets(history):
    client = _client(history["admin"])
    urls = [
        "/qa/metrics/trends/",
        "/qa/metrics/trends/tickets/?region=dub&market=dach&tag=login",
        "/api/v1/qa-trends/",
        "/api/v1/qa-trend-tickets/?region=dub&market=dach&tag=login",
    ]

    def measure():
        counts = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    before = measure()
    dub = history["teams"]["dub"]
    tickets(30, team=dub, country="DE", tags=["login", "vip"], at=WEEK + dt.timedelta(hours=1))
    tickets(20, team=dub, country="US", tags=["refund"], at=WEEK - dt.timedelta(weeks=2))
    after = measure()
    assert before == after
    assert max(after) <= 12, after


# ---- seed_demo's spike ---------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_demo_seeds_a_history_and_one_visible_spike(world):
    import random

    from qa.demo import seed_trends
    from tests.factories import RegionFactory, TeamFactory

    mex = TeamFactory(code="t1-mex", name="Mexico City Tier 1", region=RegionFactory(code="mex", name="Mexico City"))
    # given a week of Mexican tickets, as seed_demo's tickets are
    for day in range(7):
        at = NOW - dt.timedelta(days=day, hours=1)
        tickets(3, team=mex, country="MX", language="es", tags=["orders", "shipping"], at=at)
        tickets(
            2, team=mex, country="AR", language="es", tags=["billing", "payments"], at=at + dt.timedelta(minutes=30)
        )
    tickets(3, team=world["teams"]["dub"], country="DE", tags=["login"], at=NOW - dt.timedelta(hours=3))
    # when the demo seeds the trends
    summary = seed_trends(random.Random(1), now=NOW)
    # then the weeks before have a history, and this week's double charges spike in Mexico City · LATAM only
    assert summary.startswith("Trends: ") and "closed tickets of Mexico City · LATAM over the 4 weeks before" in summary
    groups = _report()
    spikes = [(g.region, g.market, i.name) for g in groups for i in g.items if i.spike]
    assert spikes == [("mex", "latam", "billing"), ("mex", "latam", "payments")]
    payments = next(i for i in groups[0].items if i.name == "payments")
    assert payments.count >= 15 and payments.count > 2 * payments.mean
    assert all(groups[0].weeks[:-1]) and not Ticket.objects.filter(created_at__gt=NOW).exists()
    seeded = Ticket.objects.filter(subject__startswith="Cobro doble", team=mex, created_at__gte=WEEK)
    assert seeded.count() == payments.count - 8  # the week's own 8 (Monday to Thursday) and the seeded spike
