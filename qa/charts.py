"""Small inline SVG bar charts for qa pages (templates/qa/_chart.html): no script, no CDN."""

HEIGHT = 40
STEP = 12  # a bar of 10 and a gap of 2


def bar_chart(*, key, label, points, top, bottom=0):
    """POINTS [(what a bar is, value or None)] as bars scaled from BOTTOM to TOP; KEY names the figure (its id)."""
    bars = []
    for i, (name, value) in enumerate(points):
        shown = "no data" if value is None else value
        height = 1 if value is None else max(2, round(HEIGHT * (value - bottom) / ((top - bottom) or 1)))
        bars.append(
            {"x": i * STEP, "y": HEIGHT - height, "height": height, "label": f"{name}: {shown}", "empty": value is None}
        )
    latest = next((v for _, v in reversed(points) if v is not None), None)
    return {"metric": key, "label": label, "bars": bars, "width": len(bars) * STEP, "latest": latest}
