"""Recurring-issue trends: per region and market, per week, the tags and categories of new tickets, their change
against the previous four weeks, and spikes (docs/qa.md, "Recurring-issue trends").

- Week: Monday 00:00 to Monday 00:00 UTC, as everywhere in qa (sampling.week_start); tickets count by created_at.
- Region: the region of the ticket's team now. Market: the qa Market of the customer's country (the default market
  for a country no market lists; "none" when there is no default market either).
- Tags: the ticket's tags. Categories: tickets have no category of their own, so a ticket's categories are those of
  the knowledge articles linked to it (used in a reply or solved with), each counted once per ticket.
- Spike rule: with c the count of the week and m and s the mean and population standard deviation of the counts of
  the BASELINE_WEEKS weeks before it (a week without any counts as 0), a tag or category spikes when
      c >= SPIKE_MIN_TICKETS  and  c > m + SPIKE_SIGMAS * max(s, sqrt(m)),
  and only where the region and market had new tickets in each of those weeks: without that history there is no
  baseline to compare with (a market just opened is not a spike). The floor sqrt(m) is the spread of a Poisson
  count with that mean: four weeks that happen to be equal (4, 4, 4, 4) do not make 5 a spike.

Everything is counted in the database (GROUP BY week, region, market and tag or category): the same four queries
whatever the number of tickets.
"""

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils.http import urlencode

from tickets.models import Ticket, TicketArticleLink

BASELINE_WEEKS = 4
SPIKE_SIGMAS = 2
SPIKE_MIN_TICKETS = 5
TOP_ITEMS = 5  # per group and kind; a spike below the top five is shown as well
NO_MARKET = "none"
WEEK = dt.timedelta(days=7)
RULE = (
    f"count ≥ {SPIKE_MIN_TICKETS} and count > mean + {SPIKE_SIGMAS} × max(standard deviation, √mean) of the "
    f"previous {BASELINE_WEEKS} weeks, where the region and market had new tickets in each of those weeks"
)


class Kind:
    TAG = "tag"
    CATEGORY = "category"


@dataclass
class Item:
    kind: str
    name: str  # the tag's name or the category's slug (what the ticket list filters on)
    label: str
    weeks: list  # counts of the baseline weeks, oldest first, then of the week itself
    count: int = 0
    mean: float = 0.0
    stddev: float = 0.0
    change: float = 0.0  # count - mean
    change_pct: float | None = None  # 100 x change / mean; None when the mean is 0
    spike: bool = False
    page: str = ""  # the scoped ticket list of this cell


@dataclass
class Group:
    region: str
    region_name: str
    market: str
    market_name: str
    weeks: list  # new tickets per week, oldest first, the week itself last
    items: list = field(default_factory=list)

    @property
    def tickets(self):
        return self.weeks[-1]

    @property
    def has_baseline(self):
        return all(self.weeks[:-1])

    @property
    def spikes(self):
        return [i for i in self.items if i.spike]


def spike_threshold(baseline):
    """The count a week must exceed to spike, from the BASELINE weekly counts (module docstring)."""
    mean = statistics.fmean(baseline)
    return mean + SPIKE_SIGMAS * max(statistics.pstdev(baseline), math.sqrt(mean))


def is_spike(count, baseline, *, has_baseline=True):
    """The spike rule (module docstring) for COUNT against the BASELINE weekly counts."""
    return has_baseline and count >= SPIKE_MIN_TICKETS and count > spike_threshold(baseline)


def market_of(markets, path):
    """The market code of the customer country at PATH, as a database expression (the first market listing the
    country, else the default market, else NO_MARKET)."""
    default = next((m.code for m in markets if m.is_default), NO_MARKET)
    whens = [When(**{f"{path}__in": m.countries}, then=Value(m.code)) for m in markets if m.countries]
    return Case(*whens, default=Value(default), output_field=CharField()) if whens else Value(default)


def _window(rows, *, ticket, teams, first, end, markets, region, market):
    """ROWS (tickets, or rows pointing at a ticket through TICKET) of TEAMS created in [FIRST, END), annotated
    with their week, region and market, optionally of one REGION and MARKET."""
    rows = rows.filter(
        **{f"{ticket}team__in": teams, f"{ticket}created_at__gte": first, f"{ticket}created_at__lt": end}
    ).annotate(
        week=TruncWeek(f"{ticket}created_at", tzinfo=dt.UTC),
        region_code=F(f"{ticket}team__region__code"),
        market_code=market_of(markets, f"{ticket}customer__country"),
    )
    if region:
        rows = rows.filter(region_code=region)
    if market:
        rows = rows.filter(market_code=market)
    return rows.order_by()


def trend_tickets(*, teams, week, region, market, markets, tag=None, category=None):
    """The tickets behind one cell of the trends: of TEAMS, created in the WEEK starting WEEK, in REGION and
    MARKET, with TAG or with an article of CATEGORY linked, newest first."""
    tickets = _window(
        Ticket.objects.all(),
        ticket="",
        teams=teams,
        first=week,
        end=week + WEEK,
        markets=markets,
        region=region,
        market=market,
    )
    if tag:
        tickets = tickets.filter(tags__name=tag)
    if category:
        tickets = tickets.filter(article_links__article__category__slug=category).distinct()
    return tickets.select_related("team__region", "customer").order_by("-created_at", "-id")


def _page(week, group, kind, name):
    query = {"week": f"{week:%Y-%m-%d}", "region": group.region, "market": group.market, kind: name}
    return f"{reverse('qa-trend-tickets')}?{urlencode(query)}"


def trend_report(*, teams, week, markets, region=None, market=None, top=TOP_ITEMS):
    """[Group] of TEAMS' new tickets in the week starting WEEK, by region and market (optionally one of each),
    each with its top tags and categories against the BASELINE_WEEKS weeks before, spikes flagged. Groups with
    spikes first, then by region and market."""
    first = week - BASELINE_WEEKS * WEEK
    starts = [first + i * WEEK for i in range(BASELINE_WEEKS + 1)]
    index = {start: i for i, start in enumerate(starts)}
    window = {
        "teams": teams,
        "first": first,
        "end": week + WEEK,
        "markets": markets,
        "region": region,
        "market": market,
    }
    names = {m.code: m.name for m in markets} | {NO_MARKET: "No market"}

    groups = {}
    totals = _window(Ticket.objects.all(), ticket="", **window).values(
        "week", "region_code", "market_code", region_name=F("team__region__name")
    )
    for row in totals.annotate(n=Count("id")):
        key = (row["region_code"], row["market_code"])
        if key not in groups:
            groups[key] = Group(
                region=key[0],
                region_name=row["region_name"],
                market=key[1],
                market_name=names.get(key[1], key[1]),
                weeks=[0] * len(starts),
            )
        groups[key].weeks[index[row["week"]]] += row["n"]

    cells = {}

    def count(row, kind, name, label):
        cell = cells.setdefault(
            (row["region_code"], row["market_code"], kind, name),
            Item(kind=kind, name=name, label=label, weeks=[0] * len(starts)),
        )
        cell.weeks[index[row["week"]]] += row["n"]

    tags = _window(Ticket.tags.through.objects.all(), ticket="ticket__", **window).values(
        "week", "region_code", "market_code", tag_name=F("tag__name")
    )
    for row in tags.annotate(n=Count("ticket_id")):
        count(row, Kind.TAG, row["tag_name"], row["tag_name"])
    links = _window(TicketArticleLink.objects.all(), ticket="ticket__", **window)
    categories = links.values(
        "week", "region_code", "market_code", slug=F("article__category__slug"), label=F("article__category__name")
    ).annotate(n=Count("ticket_id", distinct=True))
    for row in categories:
        count(row, Kind.CATEGORY, row["slug"], row["label"])

    for (region_code, market_code, kind, _), item in cells.items():
        group = groups[(region_code, market_code)]
        baseline, item.count = item.weeks[:-1], item.weeks[-1]
        item.mean = round(statistics.fmean(baseline), 2)
        item.stddev = round(statistics.pstdev(baseline), 2)
        item.change = round(item.count - item.mean, 2)
        item.change_pct = round(100 * item.change / item.mean, 1) if item.mean else None
        item.spike = is_spike(item.count, baseline, has_baseline=group.has_baseline)
        item.page = _page(week, group, kind, item.name)
        group.items.append(item)

    for group in groups.values():
        chosen = []
        for kind in (Kind.TAG, Kind.CATEGORY):
            mine = sorted(
                (i for i in group.items if i.kind == kind and i.count), key=lambda i: (-i.count, -i.change, i.label)
            )
            chosen += mine[:top] + [i for i in mine[top:] if i.spike]
        group.items = chosen
    shown = [g for g in groups.values() if g.tickets]
    return sorted(shown, key=lambda g: (not g.spikes, g.region_name, g.market_name))
