"""Calibration: reviewers score the same tickets blind; the lead sets the agreed reference and closes the session.

Spread per criterion: the standard deviation of the reviewers' points (in % of the scale) on each ticket, averaged
over the session's tickets. A reviewer's deviation: the mean absolute difference, in % of the scale, between their
points and the reference's, over every criterion of every ticket both scored.
"""

import statistics
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .events import qa_audit
from .models import CalibrationSession, ReviewScore, SessionStatus


def session_create(*, name, tickets, reviewers, actor, at=None):
    now = at or timezone.now()
    if not name.strip() or not tickets or len(reviewers) < 2:
        raise ValidationError("Name the session, pick tickets and at least two reviewers.")
    with transaction.atomic():
        session = CalibrationSession.objects.create(name=name.strip(), created_by=actor, created_at=now)
        session.tickets.set(tickets)
        session.reviewers.set(reviewers)
        qa_audit(actor=actor, obj=session, summary=f"Calibration session {session.name} opened")
    return session


def session_close(*, session, actor, at=None):
    now = at or timezone.now()
    with transaction.atomic():
        session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        if session.status == SessionStatus.CLOSED:
            raise ValidationError("The session is closed already.")
        session.status, session.closed_at = SessionStatus.CLOSED, now
        session.save(update_fields=["status", "closed_at"])
        qa_audit(actor=actor, obj=session, summary=f"Calibration session {session.name} closed")
    return session


def _scores(session):
    """[(ticket id, reviewer id or "reference", criterion, point)] of SESSION."""
    rows = ReviewScore.objects.filter(review__session=session).select_related("criterion", "review")
    return [
        (s.review.ticket_id, "reference" if s.review.is_reference else s.review.reviewer_id, s.criterion, s.point)
        for s in rows
    ]


def _pct(criterion, point):
    return 100 * criterion.fraction(point)


def session_results(session):
    """{"spread": [(criterion name, spread %)], "deviation": {reviewer id: mean abs deviation % or None}}."""
    by_cell = defaultdict(list)  # (ticket, criterion name) -> reviewers' % points
    reference = {}
    mine = defaultdict(dict)  # reviewer -> {(ticket, criterion name): %}
    for ticket_id, who, criterion, point in _scores(session):
        key = (ticket_id, criterion.name)
        if who == "reference":
            reference[key] = _pct(criterion, point)
        else:
            by_cell[key].append(_pct(criterion, point))
            mine[who][key] = _pct(criterion, point)
    spread = defaultdict(list)
    for (_, name), values in by_cell.items():
        if len(values) > 1:
            spread[name].append(statistics.pstdev(values))
    deviation = {}
    for reviewer in session.reviewers.all():
        diffs = [abs(v - reference[k]) for k, v in mine.get(reviewer.pk, {}).items() if k in reference]
        deviation[reviewer.pk] = round(sum(diffs) / len(diffs), 1) if diffs else None
    return {
        "spread": sorted((name, round(sum(v) / len(v), 1)) for name, v in spread.items()),
        "deviation": deviation,
    }


def reviewer_calibration_over_time(sessions):
    """{reviewer id: [(session, deviation %)]} over closed SESSIONS, oldest first."""
    history = defaultdict(list)
    for session in sorted(sessions, key=lambda s: (s.created_at, s.pk)):
        for reviewer_id, value in session_results(session)["deviation"].items():
            if value is not None:
                history[reviewer_id].append((session, value))
    return history


def can_run(user, session):
    """The lead who opened SESSION, or an admin, sees everything in it and sets the reference."""
    return user.role == "admin" or session.created_by_id == user.pk


def calibration_score(*, session, ticket, scores, actor, reference=False, summary=""):
    """A reviewer's blind score (or, REFERENCE, the lead's agreed one) of one of SESSION's tickets."""
    from .reviews import review_create

    if not CalibrationSession.objects.filter(pk=session.pk, status=SessionStatus.OPEN).exists():
        raise ValidationError("The session is closed.")
    if not session.tickets.filter(pk=ticket.pk).exists():
        raise ValidationError("This ticket is not part of the session.")
    allowed = can_run(actor, session) if reference else session.reviewers.filter(pk=actor.pk).exists()
    if not allowed:
        raise ValidationError("Only the session's reviewers score; only its lead sets the reference.")
    return review_create(
        ticket=ticket, scores=scores, actor=actor, summary=summary, session=session, reference=reference
    )
