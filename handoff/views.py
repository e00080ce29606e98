from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from compliance.masking import principal_load
from compliance.models import Role
from regions.cache import request_memo
from regions.models import Team
from regions.selectors import led_team_ids, teams_with_shifts
from tickets.selectors import ticket_scope

from . import selectors
from .forms import AcknowledgeForm
from .models import Briefing
from .services import arriving_team_for, briefing_acknowledge


def _teams_for(user):
    """The teams whose dashboard USER may run: an admin's are all, a lead's are those they lead."""
    if not user.has_perm("handoff.view_dashboard"):
        raise Http404
    teams = Team.objects.select_related("region").order_by("tier", "code")
    return teams if user.role == Role.ADMIN else teams.filter(leads=user)


def _dashboard_teams(user):
    """_teams_for(USER) as a list, from the teams with shifts the rest of the dashboard shares (request_memo)."""
    if not user.has_perm("handoff.view_dashboard"):
        raise Http404
    teams = teams_with_shifts()
    if user.role != Role.ADMIN:
        led = set(led_team_ids(user))
        teams = [t for t in teams if t.pk in led]
    return sorted(teams, key=lambda t: (t.tier, t.code))


def _dashboard_context(request):
    teams = _dashboard_teams(request.user)
    if not teams:
        return {"teams": [], "team": None}
    team = next((t for t in teams if t.code == request.GET.get("team")), teams[0])
    now = timezone.now()
    boundary = selectors.next_boundary_of(team, now)
    arriving = None
    if boundary and boundary[1] == "end":
        arriving, _ = arriving_team_for(team, boundary[0])
    scope = ticket_scope(request.user).filter(tier=team.tier).select_related("team", "assignee")
    runs = selectors.run_list([team])
    briefing, held = selectors.briefings_with_attendance(team, now)
    metrics = selectors.run_metrics(runs, now=now)
    readiness_count, readiness = selectors.readiness(team)
    return {
        "teams": teams,
        "team": team,
        "now": now,
        "boundary": boundary,
        "arriving": arriving,
        "readiness": readiness,
        "readiness_count": readiness_count,
        "briefing": briefing,
        "ack_form": AcknowledgeForm(people=_briefing_people(briefing)) if briefing else None,
        "blocked": selectors.blocked_handoffs([team])[:50],
        "cold": selectors.cold_tickets(scope, now=now).order_by("updated_at")[:50],
        "bouncing": selectors.bouncing_tickets(scope).order_by("-handoffs_since_progress")[:50],
        "metrics": metrics,
        "trend": _trend(metrics),
        "attendance": selectors.attendance_chart(held, team.headcount),
    }


def _trend(metrics):
    """Bars of the blocked share per run for a small inline SVG, oldest first."""
    bars = []
    for i, m in enumerate(reversed(metrics)):
        height = round(m["blocked_share"] * 40)
        label = f"{m['run'].boundary_at:%a %H:%M} UTC: {round(m['blocked_share'] * 100)} % blocked"
        bars.append({"x": i * 10, "y": 40 - height, "height": height, "label": label})
    return {"bars": bars, "width": max(10, len(bars) * 10)}


def _briefing_people(briefing):
    """Who can attend the arriving team's stand-up: its agents and leads."""
    team = briefing.team
    return get_user_model().objects.filter(Q(agent__team=team) | Q(led_teams=team)).distinct().order_by("first_name")


@login_required
def dashboard(request):
    principal_load(request.user)
    template = "handoff/_dashboard_body.html" if request.htmx else "handoff/dashboard.html"
    # Teams with their shifts and the handoff settings are read once for the boundary, the arriving team, the
    # detectors and the template alike.
    with request_memo():
        return render(request, template, _dashboard_context(request))


def _briefing_get_for(user, pk):
    teams = _teams_for(user)
    return get_object_or_404(Briefing.objects.select_related("team", "departing_team"), pk=pk, team__in=teams)


@login_required
def briefing(request, pk):
    """The printable briefing for the stand-up."""
    briefing = _briefing_get_for(request.user, pk)
    return render(request, "handoff/briefing.html", {"briefing": briefing})


@login_required
@require_POST
def briefing_ack(request, pk):
    briefing = _briefing_get_for(request.user, pk)
    form = AcknowledgeForm(request.POST, people=_briefing_people(briefing))
    if form.is_valid():
        briefing_acknowledge(
            briefing=briefing,
            attendees=form.cleaned_data["attendees"],
            standup_held=form.cleaned_data["standup_held"],
            actor=request.user,
        )
        messages.success(request, "Briefing acknowledged.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('handoff-dashboard')}?team={briefing.team.code}")
