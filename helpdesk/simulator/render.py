"""Reports for people: a terminal table, and HTML with inline SVG charts (no script, no CDN, no inline style)."""

import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from rich.console import Console
from rich.table import Table

from .report import summary

BAR_AREA, LABEL_AREA, ROW = 420, 150, 22
PLOT_HEIGHT, PLOT_WIDTH = 160, 600


def _text(*tables):
    console = Console(file=io.StringIO(), width=120, color_system=None)
    for table in tables:
        console.print(table)
    return console.file.getvalue()


def _pct(value):
    return "—" if value is None else f"{value:.1f}"


def text_report(report):
    """The report as terminal tables."""
    s = report["scenario"]
    head = Table(title=f"{s['name']}: {s['days']} days from {s['start']}, seed {s['seed']}", show_header=False)
    head.add_column("Figure")
    head.add_column("Value", justify="right")
    for label, value in summary(report):
        head.add_row(label, str(value))
    sla = Table(title="SLA attainment (% of tickets not breached)")
    for column in ("Priority / region", "Tickets", "First response %", "Resolution %"):
        sla.add_column(column, justify="left" if column == "Priority / region" else "right")
    for group in ("by_priority", "by_region"):
        for key, row in report["sla"][group].items():
            sla.add_row(key, str(row["tickets"]), _pct(row["first_response_pct"]), _pct(row["resolution_pct"]))
    occupancy = Table(
        title=f"Occupancy per UTC hour vs Erlang C (AHT {report['occupancy']['average_handle_minutes']} min)"
    )
    for column in ("Hour", "Arrivals", "Touches", "On shift", "Busy", "Occupancy %", "Erlang C"):
        occupancy.add_column(column, justify="right")
    for h in report["occupancy"]["hours"]:
        occupancy.add_row(
            f"{h['hour']:02d}",
            str(h["arrivals"]),
            str(h["touches"]),
            str(h["scheduled_agents"]),
            str(h["busy_agents"]),
            _pct(h["occupancy_pct"]),
            str(h["erlang_c_agents"]),
        )
    return _text(head, sla, occupancy)


def text_comparison(reports):
    """Headline figures of several runs side by side."""
    table = Table(title="Comparison")
    table.add_column("Figure")
    for report in reports:
        table.add_column(report["scenario"]["name"], justify="right")
    for i, (label, _) in enumerate(summary(reports[0])):
        table.add_row(label, *(str(summary(r)[i][1]) for r in reports))
    return _text(table)


def _hbars(rows, unit="", top=None):
    """Horizontal bars: ROWS of (label, value) against TOP (default: the largest value); for _simulation_hbars.html."""
    top = top or max((v or 0 for _, v in rows), default=0) or 1
    bars = [
        {
            "label": label,
            "value": "—" if value is None else f"{value:g}{unit}",
            "y": i * ROW,
            "text_y": i * ROW + 15,
            "width": round(BAR_AREA * (value or 0) / top, 1),
            "value_x": LABEL_AREA + round(BAR_AREA * (value or 0) / top, 1) + 6,
        }
        for i, (label, value) in enumerate(rows)
    ]
    return {"bars": bars, "height": len(rows) * ROW, "bar_x": LABEL_AREA, "width": LABEL_AREA + BAR_AREA + 70}


def _histogram(distribution):
    buckets = distribution["histogram"]
    top = max((b["count"] for b in buckets), default=0) or 1
    width = PLOT_WIDTH / len(buckets)
    bars = []
    for i, bucket in enumerate(buckets):
        height = round(PLOT_HEIGHT * bucket["count"] / top, 1)
        bars.append(
            {
                "label": bucket["label"],
                "count": bucket["count"],
                "x": round(i * width + 4, 1),
                "width": round(width - 8, 1),
                "y": round(PLOT_HEIGHT - height, 1),
                "height": height,
                "label_x": round(i * width + width / 2, 1),
            }
        )
    return {"bars": bars, "width": PLOT_WIDTH, "height": PLOT_HEIGHT, "axis_y": PLOT_HEIGHT + 16}


def _occupancy(occupancy):
    hours = occupancy["hours"]
    top = max(max(h["scheduled_agents"], h["erlang_c_agents"]) for h in hours) or 1
    width = PLOT_WIDTH / 24

    def y(value):
        return round(PLOT_HEIGHT - PLOT_HEIGHT * value / top, 1)

    return {
        "width": PLOT_WIDTH,
        "height": PLOT_HEIGHT,
        "axis_y": PLOT_HEIGHT + 16,
        "top": top,
        "hours": [
            {
                "hour": f"{h['hour']:02d}",
                "x": round(i * width + 2, 1),
                "bar_width": round(width - 4, 1),
                "label_x": round(i * width + width / 2, 1),
                "scheduled_y": y(h["scheduled_agents"]),
                "scheduled_height": round(PLOT_HEIGHT - y(h["scheduled_agents"]), 1),
                "busy_y": y(h["busy_agents"]),
                "busy_height": round(PLOT_HEIGHT - y(h["busy_agents"]), 1),
                "erlang_y": y(h["erlang_c_agents"]),
                "erlang_x2": round(i * width + width - 2, 1),
                **h,
            }
            for i, h in enumerate(hours)
        ],
    }


def charts(report):
    sla = report["sla"]
    return {
        "sla_priority": _hbars(
            [(f"{p} · first response", r["first_response_pct"]) for p, r in sla["by_priority"].items()]
            + [(f"{p} · resolution", r["resolution_pct"]) for p, r in sla["by_priority"].items()],
            "%",
            top=100,
        ),
        "sla_region": _hbars(
            [(f"{k} · first response", r["first_response_pct"]) for k, r in sla["by_region"].items()]
            + [(f"{k} · resolution", r["resolution_pct"]) for k, r in sla["by_region"].items()],
            "%",
            top=100,
        ),
        "first_response": _histogram(report["first_response_minutes"]),
        "resolution": _histogram(report["resolution_hours"]),
        "cold_by_team": _hbars(list(report["cold_queue"]["by_team"].items()), " h"),
        "occupancy": _occupancy(report["occupancy"]),
    }


def report_context(report):
    return {"report": report, "charts": charts(report), "summary": summary(report)}


def comparison_context(reports, names=None):
    """The headline figures of REPORTS side by side, columns headed by NAMES (default: the scenarios' names), and
    a chart of each run's cold-queue hours, the figure a follow-the-sun design exists to bring down."""
    names = names or [r["scenario"]["name"] for r in reports]
    rows = [(label, [summary(r)[i][1] for r in reports]) for i, (label, _) in enumerate(summary(reports[0]))]
    cold = _hbars([(name, r["cold_queue"]["hours_total"]) for name, r in zip(names, reports, strict=True)], " h")
    return {"names": names, "rows": rows, "cold": cold}


def html_document(reports):
    """A standalone HTML file of one report or a comparison; the app's stylesheet is embedded in it."""
    with open(finders.find("helpdesk/meridian.css"), encoding="utf-8") as css:
        stylesheet = css.read()
    return render_to_string(
        "helpdesk/simulation_file.html",
        {
            "css": stylesheet,
            "comparison": comparison_context(reports) if len(reports) > 1 else None,
            "reports": [report_context(r) for r in reports],
        },
    )
