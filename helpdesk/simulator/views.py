"""Admins' simulation pages: start a run (upload or built-in), follow its progress, read past reports."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from compliance.models import Role

from ..models import SimulationRun
from .forms import SimulationForm
from .render import comparison_context, report_context
from .services import simulation_start

RUNS_LISTED = 50
MAX_COMPARED = 4


def _admin_only(request):
    if request.user.role != Role.ADMIN:
        raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def simulations(request):
    _admin_only(request)
    form = SimulationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            run = simulation_start(scenario=data["scenario"], seed=data["seed"], days=data["days"], actor=request.user)
            return redirect("simulation", pk=run.pk)
        status = 400
    runs = SimulationRun.objects.select_related("started_by").defer("report", "scenario")[:RUNS_LISTED]
    return render(request, "helpdesk/simulations.html", {"form": form, "runs": runs}, status=status)


@never_cache
@login_required
@require_GET
def simulation(request, pk):
    _admin_only(request)
    run = get_object_or_404(SimulationRun.objects.select_related("started_by"), pk=pk)
    if request.htmx:
        response = render(request, "helpdesk/_simulation_status.html", {"run": run})
        if not run.in_progress:
            response["HX-Refresh"] = "true"  # done: the whole page shows the report
        return response
    context = {"run": run, **(report_context(run.report) if run.report else {})}
    return render(request, "helpdesk/simulation.html", context)


@never_cache
@login_required
@require_GET
def simulation_compare(request):
    """Finished runs (?run=ID, two to four, in the order given) side by side."""
    _admin_only(request)
    ids = list(dict.fromkeys(request.GET.getlist("run")))
    if not all(i.isdigit() for i in ids):
        raise Http404
    found = SimulationRun.objects.select_related("started_by").in_bulk([int(i) for i in ids])
    if len(found) != len(ids):
        raise Http404
    runs = [found[int(i)] for i in ids]
    error = ""
    if not 2 <= len(runs) <= MAX_COMPARED:
        error = f"Pick two to {MAX_COMPARED} finished runs to compare; {len(runs)} picked."
    elif unfinished := [run for run in runs if run.report is None]:
        status = unfinished[0].get_status_display().lower()
        error = f"Only finished runs have reports to compare; run {unfinished[0].pk} is {status}."
    if error:
        return render(request, "helpdesk/simulation_compare.html", {"error": error}, status=400)
    reports = [run.report for run in runs]
    traffic = {tuple(r["scenario"][k] for k in ("seed", "days", "start", "tickets_per_day")) for r in reports}
    context = {
        "runs": runs,
        "comparison": comparison_context(reports, names=[f"{run.scenario_name} · #{run.pk}" for run in runs]),
        "same_traffic": len(traffic) == 1,
    }
    return render(request, "helpdesk/simulation_compare.html", context)
