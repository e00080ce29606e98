"""Weekly metrics per agent, team, vendor, region or market. Weeks are ISO weeks in UTC (see sampling.week_start).

Each figure counts what happened in the week: tickets by solved_at, reviews by created_at, surveys by answered_at,
handoffs by the run's boundary. Formulas (also on the metrics page and in docs/qa.md):

- QA score: mean weighted total (0-100) of the reviews (calibration scores excluded).
- CSAT: 100 x answers of 4 or 5 / CSAT answers.  CES: mean answer (1-7, higher is easier).
- NPS: 100 x (answers 9-10 - answers 0-6) / NPS answers.
- FCR: 100 x solved tickets with exactly one public reply and no reopen within 7 days of a solve / solved tickets.
- AHT: mean handle time in minutes of the solved tickets. A ticket's handle time is the sum of its work sessions:
  the actions agents took on the ticket page (replies, notes, status, priority, assignee, tags, Next Action,
  articles, escalation) closer than SESSION_GAP together form one session, lasting from its first to its last
  action plus LEAD_IN of reading before the first.
- SLA attainment: 100 x solved tickets with an SLA policy and no breach / solved tickets with an SLA policy.
- Blocked share: 100 x handoffs blocked at their boundary / handoffs (a blocked ticket that moved later still counts
  as blocked). Handoff runs record teams, not agents: no figure per agent.
- Balanced score: 100 x sum(weight x component) / sum(weights of the components with data), where the components are
  QA/100, CSAT/100, FCR/100, SLA/100 and speed = min(1, AHT target / AHT).
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q

from compliance.models import AuditAction
from handoff.models import Handoff, Outcome
from tickets.models import EventKind, Status, Ticket, TicketEvent

from .events import qa_audit
from .models import Market, QaSettings, Review, Survey, SurveyKind

DIMENSIONS = {"agent": "Agent", "team": "Team", "vendor": "Vendor", "region": "Region", "market": "Market"}
SESSION_GAP = dt.timedelta(minutes=10)
LEAD_IN = dt.timedelta(minutes=3)
REOPEN_WINDOW = dt.timedelta(days=7)
WORK_KINDS = [
    EventKind.REPLY,
    EventKind.NOTE,
    EventKind.STATUS,
    EventKind.PRIORITY,
    EventKind.ASSIGNEE,
    EventKind.TAGS,
    EventKind.NEXT_ACTION,
    EventKind.KB_LINK,
    EventKind.ESCALATION,
]
METRICS = ["qa", "csat", "ces", "nps", "fcr", "aht", "sla", "blocked", "balanced"]
LABELS = {
    "qa": "QA score",
    "csat": "CSAT %",
    "ces": "CES (1–7)",
    "nps": "NPS",
    "fcr": "FCR %",
    "aht": "AHT (min)",
    "sla": "SLA attained %",
    "blocked": "Handoffs blocked %",
    "balanced": "Balanced score",
}


class _Markets:
    def __init__(self):
        self.rows = list(Market.objects.all())
        self.default = next((m for m in self.rows if m.is_default), None)
        self.cache = {}

    def of(self, country):
        if country not in self.cache:
            self.cache[country] = next((m for m in self.rows if country in m.countries), self.default)
        return self.cache[country]


def _name(user):
    return user.get_full_name() or user.username


def _key(dimension, *, agent=None, team=None, market=None):
    """(key, label) of the group a row belongs to in DIMENSION, or None when it has none there."""
    if dimension == "all":
        return ("all", "All")
    if dimension == "agent":
        return (agent.pk, _name(agent)) if agent else None
    if dimension == "market":
        return (market.code, market.name) if market else None
    if team is None:
        return None
    owner = {"team": team, "vendor": team.vendor, "region": team.region}[dimension]
    return (owner.pk, str(owner))


def handle_time(events):
    """Handle time of one ticket from its agents' actions (EVENTS: dicts with created_at, in time order)."""
    total, first, last = dt.timedelta(), None, None
    for at in (e["created_at"] for e in events):
        if last is not None and at - last > SESSION_GAP:
            total += last - first + LEAD_IN
            first = None
        first, last = first or at, at
    if first is not None:
        total += last - first + LEAD_IN
    return total


def first_contact_resolved(events):
    """One public reply and no reopen within REOPEN_WINDOW of a solve (EVENTS: the ticket's, in time order)."""
    replies, solved_at = 0, None
    for e in events:
        if e["kind"] == EventKind.REPLY:
            replies += 1
        elif e["kind"] == EventKind.STATUS:
            data = e["data"] or {}
            if data.get("to") == Status.SOLVED:
                solved_at = e["created_at"]
            elif data.get("from") == Status.SOLVED and data.get("to") != Status.CLOSED and solved_at is not None:
                reopened_after = e["created_at"] - solved_at
                if reopened_after <= REOPEN_WINDOW:
                    return False
    return replies == 1


WEEK = dt.timedelta(days=7)


def _collect(teams, first, weeks, dimensions):
    """{(week start, dimension): (groups, labels)} for WEEKS weeks from FIRST and each of DIMENSIONS.

    Every week and dimension comes from the same six reads, so a page with a trend costs what one week does.
    """
    markets = _Markets()
    end = first + weeks * WEEK
    found = defaultdict(lambda: (defaultdict(lambda: defaultdict(list)), {}))

    def add(at, metric, value, **owners):
        week = first + ((at - first) // WEEK) * WEEK
        for dimension in dimensions:
            key = _key(dimension, **owners)
            if key is not None:
                groups, labels = found[(week, dimension)]
                labels[key[0]] = key[1]
                groups[key[0]][metric].append(value)

    tickets = list(
        Ticket.objects.filter(team__in=teams, solved_at__gte=first, solved_at__lt=end).select_related(
            "assignee", "team__vendor", "team__region", "customer"
        )
    )
    events = defaultdict(list)
    for e in (
        TicketEvent.objects.filter(ticket__in=[t.pk for t in tickets], kind__in=WORK_KINDS)
        .order_by("ticket_id", "created_at", "id")
        .values("ticket_id", "kind", "actor_id", "created_at", "data")
    ):
        events[e["ticket_id"]].append(e)
    for t in tickets:
        owners = {"agent": t.assignee, "team": t.team, "market": markets.of(t.customer.country)}
        mine = events[t.pk]
        add(t.solved_at, "fcr", first_contact_resolved(mine), **owners)
        work = [e for e in mine if e["actor_id"] is not None and e["created_at"] <= t.solved_at]
        add(t.solved_at, "aht", handle_time(work).total_seconds() / 60, **owners)
        if t.sla_policy_id:
            add(t.solved_at, "sla", not any(str(flag).endswith(":breach") for flag in t.sla_flags), **owners)

    reviews = Review.objects.filter(
        session__isnull=True, team__in=teams, created_at__gte=first, created_at__lt=end
    ).select_related("agent", "team__vendor", "team__region", "rubric__market")
    for r in reviews:
        add(r.created_at, "qa", r.total, agent=r.agent, team=r.team, market=r.rubric.market)

    surveys = Survey.objects.filter(team__in=teams, answered_at__gte=first, answered_at__lt=end).select_related(
        "agent", "team__vendor", "team__region", "market"
    )
    for s in surveys:
        owners = {"agent": s.agent, "team": s.team, "market": s.market}
        add(s.answered_at, "ces" if s.kind == SurveyKind.CES else "csat", s.score, **owners)
        if s.nps is not None:
            add(s.answered_at, "nps", s.nps, **owners)

    if set(dimensions) != {"agent"}:  # handoff runs record teams, not agents
        blocked = Q(outcome=Outcome.BLOCKED) | Q(moved_at__gt=F("created_at"))
        handoffs = (
            Handoff.objects.filter(from_team__in=teams, run__boundary_at__gte=first, run__boundary_at__lt=end)
            .select_related("run", "from_team__vendor", "from_team__region", "ticket__customer")
            .annotate(was_blocked=ExpressionWrapper(blocked, output_field=BooleanField()))
        )
        for h in handoffs:
            market = markets.of(h.ticket.customer.country)
            add(h.run.boundary_at, "blocked", h.was_blocked, team=h.from_team, market=market)
    return found


def _mean(values):
    return round(sum(values) / len(values), 1) if values else None


def _share(flags):
    return round(100 * sum(1 for f in flags if f) / len(flags), 1) if flags else None


def balanced_score(row, qa_settings):
    parts = {
        "qa": (qa_settings.weight_qa, row["qa"]),
        "csat": (qa_settings.weight_csat, row["csat"]),
        "fcr": (qa_settings.weight_fcr, row["fcr"]),
        "sla": (qa_settings.weight_sla, row["sla"]),
    }
    components = [(w, v / 100) for w, v in parts.values() if v is not None and w]
    if row["aht"] is not None and qa_settings.weight_speed:
        target = qa_settings.aht_target_minutes
        components.append((qa_settings.weight_speed, min(1.0, target / row["aht"]) if row["aht"] else 1.0))
    weights = sum(w for w, _ in components)
    return round(100 * sum(w * v for w, v in components) / weights, 1) if weights else None


def _rows(groups, labels, qa_settings):
    rows = []
    for key, values in groups.items():
        nps = values["nps"]
        row = {
            "key": key,
            "label": labels[key],
            "qa": _mean(values["qa"]),
            "reviews": len(values["qa"]),
            "csat": _share([v >= 4 for v in values["csat"]]),
            "csat_answers": len(values["csat"]),
            "ces": _mean(values["ces"]),
            "ces_answers": len(values["ces"]),
            "nps": round(100 * (sum(v >= 9 for v in nps) - sum(v <= 6 for v in nps)) / len(nps), 1) if nps else None,
            "nps_answers": len(nps),
            "fcr": _share(values["fcr"]),
            "solved": len(values["fcr"]),
            "aht": _mean(values["aht"]),
            "sla": _share(values["sla"]),
            "blocked": _share(values["blocked"]),
            "handoffs": len(values["blocked"]),
        }
        row["balanced"] = balanced_score(row, qa_settings)
        rows.append(row)
    return sorted(rows, key=lambda r: str(r["label"]))


def metrics_weeks(*, teams, first, weeks, dimensions, qa_settings=None):
    """{(week start, dimension): [row]} for WEEKS weeks from FIRST, read at once (see metrics_week)."""
    qa_settings = qa_settings or QaSettings.current()
    found = _collect(teams, first, weeks, tuple(dimensions))
    return {
        (first + i * WEEK, dimension): _rows(*found[(first + i * WEEK, dimension)], qa_settings)
        if (first + i * WEEK, dimension) in found
        else []
        for i in range(weeks)
        for dimension in dimensions
    }


def metrics_week(*, teams, start, dimension, qa_settings=None):
    """[row] for the week starting START, one per group of DIMENSION (or "all"), sorted by label."""
    return metrics_weeks(teams=teams, first=start, weeks=1, dimensions=[dimension], qa_settings=qa_settings)[
        (start, dimension)
    ]


def metrics_trend(*, teams, end_week, weeks=8, qa_settings=None):
    """[(week start, row for all of TEAMS or None)] for the WEEKS weeks up to END_WEEK, oldest first."""
    first = end_week - (weeks - 1) * WEEK
    found = metrics_weeks(teams=teams, first=first, weeks=weeks, dimensions=["all"], qa_settings=qa_settings)
    trend = []
    for i in range(weeks):
        rows = found[(first + i * WEEK, "all")]
        trend.append((first + i * WEEK, rows[0] if rows else None))
    return trend


def qa_settings_update(*, values, actor):
    """Admins set the balanced score's weights and the sample sizes; audited as a policy change."""
    with transaction.atomic():
        qa_settings = QaSettings.objects.select_for_update().get(pk=QaSettings.current().pk)
        for name, value in values.items():
            setattr(qa_settings, name, value)
        qa_settings.save()
        qa_audit(
            actor=actor,
            obj=qa_settings,
            summary="QA weights and sampling changed",
            details=values,
            action=AuditAction.POLICY_CHANGE,
        )
    return qa_settings
