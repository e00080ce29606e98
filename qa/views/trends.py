"""Recurring-issue trends (qa.trends): the page beside the aligned metrics, and the ticket list behind each cell.

Leads see the regions of the teams they lead, admins every region; anyone else gets a 404, and so does a lead
asking for a region outside their teams.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from compliance.masking import mask_customer, viewer_for

from ..charts import bar_chart
from ..forms import TrendCellForm, TrendsFilterForm
from ..models import Market
from ..sampling import week_start
from ..selectors import region_scope, require_reviewer, team_scope
from ..trends import BASELINE_WEEKS, NO_MARKET, RULE, SPIKE_MIN_TICKETS, SPIKE_SIGMAS, WEEK, trend_report, trend_tickets

TICKETS_SHOWN = 200


def _choices(user):
    """(regions, markets, [(code, name)] of the markets) the viewer may filter on."""
    markets = list(Market.objects.all())
    codes = [(m.code, m.name) for m in markets]
    if not any(m.is_default for m in markets):
        codes.append((NO_MARKET, "No market"))
    return region_scope(user), markets, codes


def _errors(form):
    return [
        f"{form.fields[f].label if f in form.fields else 'Filters'}: {e}"
        for f, errs in form.errors.items()
        for e in errs
    ]


def _spike_chart(n, week, group, item):
    points = [(f"Week of {week - (BASELINE_WEEKS - i) * WEEK:%Y-%m-%d}", c) for i, c in enumerate(item.weeks)]
    label = f"{item.kind.title()} “{item.label}”, {group.region_name} · {group.market_name}"
    return bar_chart(key=f"spike-{n}", label=label, points=points, top=max(item.weeks + [1]))


@login_required
@require_GET
def trends_page(request):
    require_reviewer(request.user)
    regions, markets, market_codes = _choices(request.user)
    week = week_start(timezone.now())
    form = TrendsFilterForm(request.GET or None, regions=regions, markets=market_codes, initial={"week": week.date()})
    valid = form.is_valid() if request.GET else True
    groups = []
    if valid:
        data = getattr(form, "cleaned_data", {})
        week = form.week_start(week) if request.GET else week
        groups = trend_report(
            teams=team_scope(request.user),
            week=week,
            markets=markets,
            region=data.get("region") or None,
            market=data.get("market") or None,
        )
    spikes = [(group, item) for group in groups for item in group.spikes]
    context = {
        "form": form,
        "errors": _errors(form) if not valid else [],
        "start": week.date(),
        "end": week.date() + dt.timedelta(days=6),
        "groups": groups,
        "spikes": spikes,
        "charts": [_spike_chart(n, week, g, i) for n, (g, i) in enumerate(spikes)],
        "baseline_weeks": BASELINE_WEEKS,
        "rule": RULE,
        "sigmas": SPIKE_SIGMAS,
        "min_tickets": SPIKE_MIN_TICKETS,
    }
    return render(request, "qa/trends.html", context, status=200 if valid else 400)


@login_required
@require_GET
def trend_tickets_page(request):
    """The tickets behind one cell, in the viewer's scope: the ticket list filtered by week, region, market and
    tag or category. A region outside the viewer's teams is a 404."""
    require_reviewer(request.user)
    regions, markets, market_codes = _choices(request.user)
    form = TrendCellForm(request.GET, regions=regions, markets=market_codes)
    if not form.is_valid():
        if "region" in form.errors and request.GET.get("region"):
            raise Http404  # a region the viewer does not oversee: say nothing about it
        context = {"errors": _errors(form), "tickets": [], "form": form}
        return render(request, "qa/trend_tickets.html", context, status=400)
    data = form.cleaned_data
    week = form.week_start(week_start(timezone.now()))
    tickets = list(
        trend_tickets(
            teams=team_scope(request.user),
            week=week,
            region=data["region"],
            market=data["market"],
            markets=markets,
            tag=data["tag"] or None,
            category=data["category"] or None,
        )[: TICKETS_SHOWN + 1]
    )
    viewer = viewer_for(request.user)
    rows = [(t, mask_customer(viewer, t.customer, "name")) for t in tickets[:TICKETS_SHOWN]]
    context = {
        "form": form,
        "errors": [],
        "rows": rows,
        "more": len(tickets) > TICKETS_SHOWN,
        "shown": TICKETS_SHOWN,
        "start": week.date(),
        "end": week.date() + dt.timedelta(days=6),
        "region": dict(regions)[data["region"]],
        "market": dict(market_codes)[data["market"]],
        "what": f"tag “{data['tag']}”" if data["tag"] else f"category “{data['category']}”",
        "week_param": f"{week:%Y-%m-%d}",
    }
    return render(request, "qa/trend_tickets.html", context)
