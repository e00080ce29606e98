import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from compliance.models import AuditAction

from ..charts import bar_chart
from ..events import qa_audit
from ..forms import MetricsFilterForm, WeightsForm
from ..metrics import DIMENSIONS, LABELS, METRICS, WEEK, metrics_week, metrics_weeks, qa_settings_update
from ..models import QaSettings
from ..sampling import week_start
from ..selectors import is_admin, require_reviewer, team_scope

COMPARED = ["qa", "csat", "fcr", "aht", "balanced"]  # the deltas that show speed bought with quality
LOWER_IS_BETTER = {"aht"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "label", "qa", "reviews", "csat", "csat_answers", "ces", "ces_answers", "nps", "nps_answers",
    "fcr", "solved", "aht", "sla", "blocked", "handoffs", "balanced",
]  # fmt: skip


def _filters(request):
    require_reviewer(request.user)
    return MetricsFilterForm(request.GET or None).values(week_start(timezone.now()))


def _delta(metric, now, before):
    if now is None or before is None:
        return None
    change = round(now - before, 1)
    better = change < 0 if metric in LOWER_IS_BETTER else change > 0
    return {"value": change, "better": better, "same": change == 0}


def _chart(metric, trend):
    """Bars of METRIC per week."""
    values = [(f"Week of {start:%Y-%m-%d}", row[metric] if row else None) for start, row in trend]
    top = {"ces": 7, "aht": max([v for _, v in values if v is not None] + [1])}.get(metric, 100)
    return bar_chart(key=metric, label=LABELS[metric], points=values, top=top, bottom=-100 if metric == "nps" else 0)


@login_required
def metrics_page(request):
    dimension, start = _filters(request)
    teams = team_scope(request.user)
    qa_settings = QaSettings.current()
    # The week, the week before and the trend's eight weeks come from one read of the eight weeks.
    weeks = metrics_weeks(
        teams=teams, first=start - 7 * WEEK, weeks=8, dimensions=[dimension, "all"], qa_settings=qa_settings
    )
    rows = weeks[(start, dimension)]
    before = {r["key"]: r for r in weeks[(start - WEEK, dimension)]}
    for row in rows:
        previous = before.get(row["key"], {})
        row["deltas"] = {m: _delta(m, row[m], previous.get(m)) for m in COMPARED}
    trend = [
        (week, rows_all[0] if rows_all else None)
        for week, rows_all in ((start - i * WEEK, weeks[(start - i * WEEK, "all")]) for i in range(7, -1, -1))
    ]
    context = {
        "form": MetricsFilterForm(initial={"dimension": dimension, "week": start.date()}),
        "dimension": dimension,
        "dimension_label": DIMENSIONS[dimension],
        # dates, not instants: a UTC week is named by its UTC days in every viewer's time zone
        "start": start.date(),
        "end": start.date() + dt.timedelta(days=6),
        "rows": rows,
        "charts": [_chart(m, trend) for m in METRICS],
        "settings": qa_settings,
        "weights_form": WeightsForm(instance=qa_settings) if is_admin(request.user) else None,
    }
    return render(request, "qa/metrics.html", context)


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not text.lstrip("-").replace(".", "").isdigit() else text


@login_required
def metrics_csv(request):
    dimension, start = _filters(request)
    rows = metrics_week(teams=team_scope(request.user), start=start, dimension=dimension)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="qa-metrics-{dimension}-{start:%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(["week_start_utc", "dimension", *CSV_COLUMNS])
    for row in rows:
        writer.writerow([f"{start:%Y-%m-%d}", dimension, *(_cell(row[c]) for c in CSV_COLUMNS)])
    qa_audit(
        actor=request.user,
        object_type="qa.metrics",
        summary=f"QA metrics by {dimension} for the week of {start:%Y-%m-%d} exported ({len(rows)} rows)",
        action=AuditAction.EXPORT,
    )
    return response


@login_required
@require_POST
def metrics_settings(request):
    if not is_admin(request.user):
        raise Http404
    form = WeightsForm(request.POST, instance=QaSettings.current())
    if form.is_valid():
        qa_settings_update(values={k: form.cleaned_data[k] for k in form.Meta.fields}, actor=request.user)
        messages.success(request, "Weights and sampling saved.")
    else:
        messages.error(request, "Weights and sizes are whole numbers from 0; the AHT target at least 1 minute.")
    return redirect("qa-metrics")
