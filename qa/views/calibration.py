from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tickets.forms import add_service_errors
from tickets.selectors import ticket_scope

from ..calibration import (
    calibration_score,
    can_run,
    reviewer_calibration_over_time,
    session_close,
    session_create,
    session_results,
)
from ..forms import ScorecardForm, SessionForm
from ..models import Review, SessionStatus
from ..reviews import rubric_for_ticket
from ..selectors import require_reviewer, session_get_for, session_scope
from .common import conversation, service_errors


@login_required
def calibration_index(request):
    require_reviewer(request.user)
    sessions = session_scope(request.user)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tickets = list(ticket_scope(request.user).filter(pk__in=form.cleaned_data["tickets"]))
        if len(tickets) != len(set(form.cleaned_data["tickets"])):
            form.add_error("tickets", "Some of these tickets do not exist or are not yours to see.")
        else:
            try:
                session = session_create(
                    name=form.cleaned_data["name"],
                    tickets=tickets,
                    reviewers=list(form.cleaned_data["reviewers"]),
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("qa-calibration", pk=session.pk)
    closed = [s for s in sessions if s.status == SessionStatus.CLOSED and can_run(request.user, s)]
    history = reviewer_calibration_over_time(closed)
    people = {u.pk: u for s in closed for u in s.reviewers.all()}
    context = {
        "sessions": sessions,
        "form": form,
        "history": [(people[pk], rows) for pk, rows in history.items()],
    }
    return render(request, "qa/calibration.html", context)


@login_required
def calibration_detail(request, pk):
    session = session_get_for(request.user, pk)
    lead = can_run(request.user, session)
    mine = set(
        Review.objects.filter(session=session, reviewer=request.user, is_reference=False).values_list(
            "ticket_id", flat=True
        )
    )
    references = set(Review.objects.filter(session=session, is_reference=True).values_list("ticket_id", flat=True))
    context = {
        "session": session,
        "lead": lead,
        "is_reviewer": session.reviewers.filter(pk=request.user.pk).exists(),
        "tickets": [(t, t.pk in mine, t.pk in references) for t in session.tickets.order_by("pk")],
    }
    if lead or session.status == SessionStatus.CLOSED:  # blind: reviewers see results once the lead closes it
        results = session_results(session)
        context["spread"] = results["spread"]
        context["deviation"] = [(u, results["deviation"].get(u.pk)) for u in session.reviewers.order_by("username")]
    return render(request, "qa/calibration_detail.html", context)


@login_required
def calibration_score_view(request, pk, ticket_pk):
    session = session_get_for(request.user, pk)
    ticket = get_object_or_404(session.tickets.select_related("customer"), pk=ticket_pk)
    reference = request.GET.get("reference") == "1" or request.POST.get("reference") == "1"
    if reference and not can_run(request.user, session):
        raise Http404
    try:
        rubric = rubric_for_ticket(ticket)
    except ValidationError as exc:
        service_errors(request, exc)
        return redirect("qa-calibration", pk=session.pk)
    form = ScorecardForm(request.POST or None, rubric=rubric)
    if request.method == "POST" and form.is_valid():
        try:
            calibration_score(
                session=session,
                ticket=ticket,
                scores=form.scores(),
                summary=form.cleaned_data["summary"],
                actor=request.user,
                reference=reference,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Reference saved." if reference else "Score saved (blind until the lead closes).")
            return redirect("qa-calibration", pk=session.pk)
    context = {
        "session": session,
        "ticket": ticket,
        "rubric": rubric,
        "form": form,
        "reference": reference,
        **conversation(ticket, request.user),
    }
    return render(request, "qa/calibration_score.html", context)


@login_required
@require_POST
def calibration_close(request, pk):
    session = session_get_for(request.user, pk)
    if not can_run(request.user, session):
        raise Http404
    try:
        session_close(session=session, actor=request.user)
        messages.success(request, "Session closed; reviewers now see the results.")
    except ValidationError as exc:
        service_errors(request, exc)
    return redirect("qa-calibration", pk=session.pk)
