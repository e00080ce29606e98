import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from qa.calibration import (
    calibration_score,
    reviewer_calibration_over_time,
    session_close,
    session_create,
    session_results,
)
from qa.models import QaSettings, ReviewAssignment
from qa.reviews import review_create
from qa.sampling import sample_week, samples_run, week_start
from qa.tasks import samples_run_task
from tests.factories import AgentFactory, UserFactory

from .conftest import T0, conversation, points

pytestmark = pytest.mark.django_db


def _users_joined(world, days_ago):
    for key in ("agent.mnl", "agent.dub"):
        world[key].date_joined = T0 - dt.timedelta(days=days_ago)
        world[key].save(update_fields=["date_joined"])


def test_weekly_sample_per_agent_with_more_for_new_agents_and_low_scorers(world):
    # given last week: 5 solved tickets each for a veteran (Dublin) and a new agent (Manila)
    _users_joined(world, 400)
    newcomer = world["agent.mnl"]
    newcomer.date_joined = T0 - dt.timedelta(days=10)
    newcomer.save(update_fields=["date_joined"])
    for i in range(5):
        conversation(agent=newcomer, team=world["teams"]["mnl"], at=T0 + dt.timedelta(hours=i))
        conversation(agent=world["agent.dub"], team=world["teams"]["dub"], at=T0 + dt.timedelta(hours=i))
    conversation(agent=world["agent.dub"], team=world["teams"]["dub"], at=T0 - dt.timedelta(days=1))  # week before
    conversation(agent=world["agent.dub"], team=world["teams"]["dub"], solve=False)  # not solved

    # when the Monday job runs in the following week (sample 2, 2 more for new agents)
    queued = samples_run(now=T0 + dt.timedelta(days=7, minutes=30))

    # then 2 for the veteran, 4 for the newcomer, all of that week, and a rerun adds nothing
    assert queued == 6
    rows = ReviewAssignment.objects.all()
    assert {r.week for r in rows} == {week_start(T0).date()}
    assert rows.filter(agent=world["agent.dub"], reason="sample").count() == 2
    assert rows.filter(agent=newcomer, reason="new_agent").count() == 4
    assert samples_run(now=T0 + dt.timedelta(days=7, hours=5)) == 0
    assert ReviewAssignment.objects.count() == 6


def test_low_scorers_get_more_and_the_size_is_configurable(world):
    _users_joined(world, 400)
    QaSettings.objects.update_or_create(pk=1, defaults={"sample_per_agent": 1, "sample_extra": 3})
    for i in range(6):
        conversation(agent=world["agent.dub"], team=world["teams"]["dub"], at=T0 + dt.timedelta(hours=i))
    poor = conversation(agent=world["agent.dub"], team=world["teams"]["dub"], at=T0 - dt.timedelta(days=3))
    review_create(ticket=poor, scores=points(world["rubrics"]["dach"], 2), actor=world["lead.dub"], at=T0)
    assert sample_week(start=week_start(T0), now=T0 + dt.timedelta(days=7)) == 4
    assert set(ReviewAssignment.objects.values_list("reason", flat=True)) == {"low_score"}


def test_reviewing_a_sampled_ticket_marks_it_done(world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"])
    _users_joined(world, 400)
    samples_run(now=T0 + dt.timedelta(days=7))
    review = review_create(ticket=t, scores=points(world["rubrics"]["dach"]), actor=world["lead.dub"])
    assert ReviewAssignment.objects.get(ticket=t).review == review


def test_sampling_is_a_weekly_beat_job():
    entry = django_settings.CELERY_BEAT_SCHEDULE["qa-sampling"]
    assert entry["task"] == samples_run_task.name
    assert entry["schedule"].day_of_week == {1} and entry["schedule"].hour == {0}


def test_calibration_spread_deviation_and_history(world):
    lead = world["lead.mnl"]
    r1, r2 = world["lead.dub"], UserFactory(username="qa.rev", role="lead")
    AgentFactory(team=world["teams"]["dub"])
    t1 = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE")
    t2 = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE")
    dach = world["rubrics"]["dach"]
    with pytest.raises(ValidationError):
        session_create(name="Too few", tickets=[t1], reviewers=[r1], actor=lead)
    session = session_create(name="Week 45", tickets=[t1, t2], reviewers=[r1, r2], actor=lead)

    for t in (t1, t2):
        calibration_score(session=session, ticket=t, scores=points(dach), actor=lead, reference=True)  # all top
        calibration_score(session=session, ticket=t, scores=points(dach), actor=r1)  # agrees: 0 % off
        calibration_score(
            session=session, ticket=t, scores=points(dach, 3), actor=r2
        )  # 5-pt at 3 = 50 % off; 2-pt at 2
    with pytest.raises(ValidationError, match="already has your score"):
        calibration_score(session=session, ticket=t1, scores=points(dach), actor=r1)
    with pytest.raises(ValidationError, match="Only the session's reviewers"):
        calibration_score(session=session, ticket=t1, scores=points(dach), actor=world["admin"])

    results = session_results(session)
    # per 5-point criterion: r1 at 100 %, r2 at 50 % -> population standard deviation 25 %; 2-point: both 100 %
    assert results["spread"] == [
        ("Accuracy", 25.0),
        ("Brevity", 25.0),
        ("Customer effort", 25.0),
        ("Security and privacy", 0.0),
    ]
    # r2: three criteria 50 % off and one 0 % off, on both tickets -> 37.5 %
    assert results["deviation"] == {r1.pk: 0.0, r2.pk: 37.5}
    # calibration scores are not reviews of the agent
    assert not world["agent.mnl"].qa_reviews.filter(session__isnull=True).exists()

    session_close(session=session, actor=lead)
    with pytest.raises(ValidationError, match="closed"):
        calibration_score(session=session, ticket=t1, scores=points(dach), actor=r2)
    history = reviewer_calibration_over_time([session])
    assert history[r2.pk] == [(session, 37.5)]


def test_tickets_reviewed_already_are_not_sampled(world):
    _users_joined(world, 400)
    done = conversation(agent=world["agent.dub"], team=world["teams"]["dub"])
    review_create(ticket=done, scores=points(world["rubrics"]["dach"]), actor=world["lead.dub"])
    assert samples_run(now=T0 + dt.timedelta(days=7)) == 0
