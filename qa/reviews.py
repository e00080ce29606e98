"""Scoring a conversation, disputing a review once, resolving the dispute.

The rubric is never an input: it is the published rubric of the customer's market (see rubric_for_ticket), so a
Manila agent's reply to a German customer is scored on the DACH rubric.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compliance.models import Role
from tickets.models import EventKind

from .events import qa_audit
from .models import Dispute, DisputeStatus, Market, Review, ReviewAssignment, ReviewScore, Rubric, RubricStatus


def rubric_for_ticket(ticket):
    """The published rubric of the ticket's customer's market (or of the default market)."""
    market = Market.for_country(ticket.customer.country)
    rubric = None
    if market is not None:
        rubric = Rubric.objects.filter(market=market, status=RubricStatus.PUBLISHED).first()
    if rubric is None:
        rubric = Rubric.objects.filter(market__is_default=True, status=RubricStatus.PUBLISHED).first()
    if rubric is None:
        raise ValidationError("No published rubric applies to this customer's market; an admin publishes one first.")
    return rubric


def conversation_agent(ticket):
    """Whose conversation it is: the assignee, else the agent who replied last."""
    if ticket.assignee_id:
        return ticket.assignee
    reply = ticket.events.filter(kind=EventKind.REPLY, actor__agent__isnull=False).select_related("actor").last()
    return reply.actor if reply else None


def _clean_points(rubric, scores):
    """{criterion id: (point, comment)} checked against RUBRIC: every criterion once, each point on its scale."""
    criteria = {c.pk: c for c in rubric.criteria.all()}
    if set(scores) != set(criteria):
        raise ValidationError({"scores": f"Score every criterion of {rubric} and nothing else."})
    for pk, (point, _) in scores.items():
        if not isinstance(point, int) or not 1 <= point <= criteria[pk].scale:
            raise ValidationError({"scores": f"{criteria[pk].name}: give a point from 1 to {criteria[pk].scale}."})
    return criteria


def _write_scores(review, scores):
    review.scores.all().delete()
    ReviewScore.objects.bulk_create(
        ReviewScore(review=review, criterion_id=pk, point=point, comment=comment.strip())
        for pk, (point, comment) in scores.items()
    )
    review.total, review.auto_failed = review.rubric.score({pk: point for pk, (point, _) in scores.items()})


def review_create(*, ticket, scores, actor, summary="", session=None, reference=False, at=None):
    """Score TICKET's conversation. SCORES: {criterion id: (point, comment)} for the customer's market's rubric."""
    now = at or timezone.now()
    if actor.role not in (Role.ADMIN, Role.LEAD):
        raise ValidationError("Only leads and admins score conversations.")
    rubric = rubric_for_ticket(ticket)
    _clean_points(rubric, scores)
    agent = conversation_agent(ticket)
    if session is None and agent is not None and agent.pk == actor.pk:
        raise ValidationError("You cannot review your own conversation.")
    agent_profile = getattr(agent, "agent", None) if agent else None
    with transaction.atomic():
        duplicate = Review.objects.filter(ticket=ticket, session=session, is_reference=reference)
        if not reference:
            duplicate = duplicate.filter(reviewer=actor)
        if duplicate.exists():
            raise ValidationError("This ticket already has your score; open it to see it.")
        review = Review.objects.create(
            ticket=ticket,
            rubric=rubric,
            reviewer=actor,
            agent=agent,
            team_id=agent_profile.team_id if agent_profile else ticket.team_id,
            session=session,
            is_reference=reference,
            summary=summary.strip(),
            total=0,
            created_at=now,
        )
        _write_scores(review, scores)
        review.save(update_fields=["total", "auto_failed"])
        if session is None:
            ReviewAssignment.objects.filter(ticket=ticket, review__isnull=True).update(review=review)
        what = "Calibration reference" if reference else "Calibration score" if session else "QA review"
        qa_audit(
            actor=actor,
            obj=review,
            summary=f"{what} of {ticket.reference} on {rubric}: {review.total}",
            details={
                "ticket": ticket.pk,
                "rubric": rubric.pk,
                "total": review.total,
                "session": session and session.pk,
            },
        )
    return review


def dispute_raise(*, review, reason, actor, at=None):
    """The reviewed agent disputes REVIEW, once."""
    now = at or timezone.now()
    reason = reason.strip()
    if review.agent_id != actor.pk:
        raise ValidationError("Only the reviewed agent disputes a review.")
    if not reason:
        raise ValidationError({"reason": "Say what the review got wrong."})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if Dispute.objects.filter(review=review).exists():
            raise ValidationError({"reason": "This review was disputed already; a review is disputed once."})
        dispute = Dispute.objects.create(
            review=review, reason=reason, raised_by=actor, raised_at=now, original_total=review.total
        )
        qa_audit(actor=actor, obj=dispute, summary=f"Dispute of the review of {review.ticket.reference}")
    return dispute


def can_resolve(user, dispute):
    if user.role == Role.ADMIN:
        return True
    team = dispute.review.team
    return user.role == Role.LEAD and team is not None and team.leads.filter(pk=user.pk).exists()


def dispute_resolve(*, dispute, status, resolution, actor, scores=None, at=None):
    """The lead upholds the review or rescores it (SCORES as for review_create)."""
    now = at or timezone.now()
    status = DisputeStatus(status)
    if status == DisputeStatus.OPEN:
        raise ValidationError({"status": "Uphold or revise."})
    if not can_resolve(actor, dispute):
        raise ValidationError("Only a lead of the agent's team or an admin resolves a dispute.")
    if not resolution.strip():
        raise ValidationError({"resolution": "Explain the decision to the agent."})
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update().select_related("review__rubric", "review__ticket").get(pk=dispute.pk)
        )
        if dispute.status != DisputeStatus.OPEN:
            raise ValidationError({"status": "This dispute is resolved already."})
        review = dispute.review
        if status == DisputeStatus.REVISED:
            if not scores:
                raise ValidationError({"scores": "Give the revised scores."})
            _clean_points(review.rubric, scores)
            _write_scores(review, scores)
            review.save(update_fields=["total", "auto_failed"])
        dispute.status, dispute.resolution = status, resolution.strip()
        dispute.resolved_by, dispute.resolved_at = actor, now
        dispute.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        qa_audit(
            actor=actor,
            obj=dispute,
            summary=f"Dispute of {review.ticket.reference} {status.label.lower()}: {dispute.original_total} → "
            f"{review.total}",
        )
    return dispute
