from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tickets.forms import add_service_errors
from tickets.models import Ticket
from tickets.selectors import ticket_get_for

from ..forms import DisputeForm, FollowUpForm, ResolveForm, ScorecardForm
from ..models import Dispute, DisputeStatus, FollowUpStatus, ReviewAssignment
from ..reviews import can_resolve, dispute_raise, dispute_resolve, review_create, rubric_for_ticket
from ..selectors import follow_up_scope, is_reviewer, require_reviewer, review_get_for, review_scope, team_scope
from ..surveys import follow_up_close
from .common import conversation, service_errors


@login_required
def home(request):
    """Reviewers: the sample to review, open disputes and follow-ups. Agents: their own reviews."""
    user = request.user
    if not is_reviewer(user) and not user.has_perm("helpdesk.use_app"):
        raise Http404
    reference = request.GET.get("ticket", "").strip()
    if reference and is_reviewer(user):
        pk = Ticket.pk_from_reference(reference)
        if pk is not None:
            return redirect("qa-review-new", ticket_pk=pk)
        messages.error(request, "Give a ticket reference such as MER-123.")
    context = {"reviews": review_scope(user)[:50], "is_reviewer": is_reviewer(user)}
    if is_reviewer(user):
        teams = team_scope(user)
        context |= {
            "queue": ReviewAssignment.objects.filter(review__isnull=True, agent__agent__team__in=teams)
            .select_related("ticket", "agent")
            .order_by("week", "id")[:100],
            "disputes": Dispute.objects.filter(status=DisputeStatus.OPEN, review__team__in=teams).select_related(
                "review__ticket", "review__agent"
            ),
            "follow_ups": follow_up_scope(user).filter(status=FollowUpStatus.OPEN).select_related("survey__ticket"),
            "follow_up_form": FollowUpForm(),
        }
    return render(request, "qa/home.html", context)


@login_required
def review_new(request, ticket_pk):
    require_reviewer(request.user)
    ticket = ticket_get_for(request.user, ticket_pk)
    try:
        rubric = rubric_for_ticket(ticket)
    except ValidationError as exc:
        service_errors(request, exc)
        return redirect("qa-home")
    form = ScorecardForm(request.POST or None, rubric=rubric)
    if request.method == "POST" and form.is_valid():
        try:
            review = review_create(
                ticket=ticket, scores=form.scores(), summary=form.cleaned_data["summary"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Review saved: {review.total} on {rubric}.")
            return redirect("qa-review", pk=review.pk)
    context = {"ticket": ticket, "rubric": rubric, "form": form, **conversation(ticket, request.user)}
    return render(request, "qa/review_new.html", context)


def _detail_context(request, review, **forms):
    dispute = getattr(review, "dispute", None)
    context = {"review": review, "dispute": dispute, "scores": review.scores.select_related("criterion")}
    if review.agent_id == request.user.pk and dispute is None:
        context["dispute_form"] = forms.get("dispute_form") or DisputeForm()
    if dispute is not None and dispute.status == DisputeStatus.OPEN and can_resolve(request.user, dispute):
        initial = {s.criterion_id: (s.point, s.comment) for s in context["scores"]}
        context["resolve_form"] = forms.get("resolve_form") or ResolveForm(rubric=review.rubric, initial_scores=initial)
    return context | conversation(review.ticket, request.user)


@login_required
def review_detail(request, pk):
    review = review_get_for(request.user, pk)
    return render(request, "qa/review_detail.html", _detail_context(request, review))


@login_required
@require_POST
def review_dispute(request, pk):
    review = review_get_for(request.user, pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            dispute_raise(review=review, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Dispute sent to your lead.")
            return redirect("qa-review", pk=review.pk)
    return render(request, "qa/review_detail.html", _detail_context(request, review, dispute_form=form), status=400)


@login_required
@require_POST
def review_resolve(request, pk):
    review = review_get_for(request.user, pk)
    dispute = getattr(review, "dispute", None)
    if dispute is None or not can_resolve(request.user, dispute):
        raise Http404
    form = ResolveForm(request.POST, rubric=review.rubric)
    if form.is_valid():
        data = form.cleaned_data
        scores = form.scores() if data["status"] == DisputeStatus.REVISED else None
        if scores and None in (point for point, _ in scores.values()):
            scores = None  # the service says what is missing
        try:
            dispute_resolve(
                dispute=dispute, status=data["status"], resolution=data["resolution"], scores=scores, actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Dispute resolved; the agent sees the decision.")
            return redirect("qa-review", pk=review.pk)
    return render(request, "qa/review_detail.html", _detail_context(request, review, resolve_form=form), status=400)


@login_required
@require_POST
def follow_up_done(request, pk):
    require_reviewer(request.user)
    follow_up = follow_up_scope(request.user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            follow_up_close(follow_up=follow_up, note=form.cleaned_data["note"], actor=request.user)
            messages.success(request, "Follow-up done.")
        except ValidationError as exc:
            service_errors(request, exc)
    else:
        messages.error(request, "Say what was done.")
    return redirect("qa-home")
