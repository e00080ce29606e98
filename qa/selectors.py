"""Who may see what in QA: one scope per object type, used by pages, API and exports alike (404 outside it)."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from compliance.masking import principal_load
from compliance.models import Role
from regions.models import Region, Team
from tickets.selectors import ticket_scope

from .models import CalibrationSession, FollowUp, Review, Rubric, Survey


def is_reviewer(user):
    """Leads and admins score conversations, resolve disputes and run calibration."""
    return user.is_authenticated and user.role in (Role.ADMIN, Role.LEAD)


def is_admin(user):
    return user.is_authenticated and user.role == Role.ADMIN


def team_scope(user):
    """Teams whose quality USER oversees: all for admins, the led teams for leads, none otherwise."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.role == Role.ADMIN:
        return Team.objects.all()
    if user.role == Role.LEAD:
        return Team.objects.filter(leads=user)
    return Team.objects.none()


def _owned(user, queryset, *, team_field="team", agent_field="agent"):
    if not user.is_authenticated:
        return queryset.none()
    if user.role == Role.ADMIN:
        return queryset
    if user.role == Role.INTEGRATION:
        return queryset.filter(ticket__in=ticket_scope(user).values("pk"))
    if user.role == Role.LEAD:
        return queryset.filter(**{f"{team_field}__leads": user}).distinct()
    if user.has_perm("helpdesk.use_app"):
        return queryset.filter(**{agent_field: user})
    return queryset.none()


def review_scope(user):
    """Reviews (not calibration scores): an agent's own, a lead's teams', all for admins."""
    reviews = Review.objects.filter(session__isnull=True)
    if user.is_authenticated and user.role == Role.LEAD:
        scoped = reviews.filter(Q(team__leads=user) | Q(reviewer=user)).distinct()
    else:
        scoped = _owned(user, reviews)
    return scoped.select_related("ticket__customer", "rubric__market", "reviewer", "agent", "team", "dispute")


def review_get_for(user, pk):
    return get_object_or_404(review_scope(user), pk=pk)


def survey_scope(user):
    return _owned(user, Survey.objects.all()).select_related(
        "ticket", "market", "agent", "team__vendor", "team__region"
    )


def follow_up_scope(user):
    return FollowUp.objects.filter(team__in=team_scope(user)).select_related("survey__ticket", "team")


def rubric_list(user):
    """Every user of the app may read rubrics: they are the yardstick agents are measured by."""
    if not user.is_authenticated or not (user.has_perm("helpdesk.use_app") or user.has_perm("helpdesk.use_api")):
        return Rubric.objects.none()
    return Rubric.objects.select_related("market").prefetch_related("criteria")


def rubric_get_for(user, pk):
    return get_object_or_404(rubric_list(user), pk=pk)


def session_scope(user):
    """Calibration sessions: the lead who runs one and admins see all of it; a reviewer sees the ones they are in."""
    if not is_reviewer(user):
        return CalibrationSession.objects.none()
    sessions = CalibrationSession.objects.all()
    if user.role != Role.ADMIN:
        sessions = sessions.filter(Q(created_by=user) | Q(reviewers=user)).distinct()
    return sessions.select_related("created_by")


def session_get_for(user, pk):
    return get_object_or_404(session_scope(user), pk=pk)


def require_reviewer(user):
    principal_load(user)  # role, permissions and led teams in one query for the rest of the request
    if not is_reviewer(user):
        raise Http404


def region_scope(user):
    """[(code, name)] of the regions of the teams whose quality USER oversees (team_scope)."""
    return list(
        Region.objects.filter(teams__in=team_scope(user)).distinct().order_by("name").values_list("code", "name")
    )
