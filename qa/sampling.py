"""The weekly sample: solved tickets per agent queued for review, more for new agents and low scorers.

Weeks are ISO weeks in UTC: Monday 00:00 UTC to the next Monday 00:00 UTC.
"""

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from tickets.models import Status, Ticket

from .events import qa_audit
from .models import QaSettings, Review, ReviewAssignment, SampleReason

LOW_SCORE_WINDOW = dt.timedelta(weeks=4)


def week_start(at):
    """Monday 00:00 UTC of the week AT falls in."""
    day = at.astimezone(dt.UTC).date()
    return dt.datetime.combine(day - dt.timedelta(days=day.weekday()), dt.time(), tzinfo=dt.UTC)


def _reason(agent_user, qa_settings, now):
    if agent_user.date_joined >= now - dt.timedelta(days=qa_settings.new_agent_days):
        return SampleReason.NEW_AGENT
    recent = Review.objects.filter(agent=agent_user, session__isnull=True, created_at__gte=now - LOW_SCORE_WINDOW)
    mean = recent.aggregate(mean=Avg("total"))["mean"]
    if mean is not None and mean < qa_settings.low_score_below:
        return SampleReason.LOW_SCORE
    return SampleReason.SAMPLE


def sample_week(*, start, now):
    """Queue the sample of the week starting START; running it again adds nothing. Returns how many were queued."""
    qa_settings = QaSettings.current()
    solved = (
        Ticket.objects.filter(
            solved_at__gte=start,
            solved_at__lt=start + dt.timedelta(days=7),
            status__in=[Status.SOLVED, Status.CLOSED],
            assignee__agent__isnull=False,
            qa_sample__isnull=True,
        )
        .exclude(pk__in=Review.objects.filter(session__isnull=True).values("ticket_id"))  # reviewed already
        .select_related("assignee")
        .order_by("pk")
    )
    candidates, agents = defaultdict(list), {}
    for ticket in solved:
        candidates[ticket.assignee_id].append(ticket.pk)
        agents[ticket.assignee_id] = ticket.assignee
    queued = []
    for agent_id, ticket_ids in candidates.items():
        reason = _reason(agents[agent_id], qa_settings, now)
        wanted = qa_settings.sample_per_agent + (qa_settings.sample_extra if reason != SampleReason.SAMPLE else 0)
        wanted -= ReviewAssignment.objects.filter(agent_id=agent_id, week=start.date()).count()
        # Seeded by agent and week: the same week samples the same tickets, however often it runs.
        chosen = random.Random(f"{agent_id}:{start.date()}").sample(ticket_ids, k=max(0, min(wanted, len(ticket_ids))))
        queued += [
            ReviewAssignment(ticket_id=pk, agent_id=agent_id, week=start.date(), reason=reason, created_at=now)
            for pk in chosen
        ]
    with transaction.atomic():
        ReviewAssignment.objects.bulk_create(queued, ignore_conflicts=True)
        if queued:
            qa_audit(
                actor=None,
                object_type="qa.reviewassignment",
                summary=f"QA sample of the week of {start.date()}: {len(queued)} tickets queued for review",
            )
    return len(queued)


def samples_run(*, now=None):
    """The weekly job: sample the week that ended last Monday 00:00 UTC."""
    now = now or timezone.now()
    return sample_week(start=week_start(now) - dt.timedelta(days=7), now=now)
