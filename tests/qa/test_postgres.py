"""What PostgreSQL must guarantee: one survey per ticket, one answer, one dispute, one sample row per ticket, one
published rubric per market, under concurrent callers."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction

from qa.models import Dispute, FollowUp, Rubric, Survey
from qa.reviews import dispute_raise, review_create
from qa.sampling import samples_run
from qa.surveys import survey_answer, survey_create

from .conftest import T0, conversation, points

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(target, count=4):
    """Run TARGET in COUNT threads started together; returns (results, errors)."""
    barrier, results, errors = threading.Barrier(count), [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def test_concurrent_survey_sends_make_one_survey(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"])
    results, errors = race(lambda: survey_create(ticket_id=t.pk, now=T0).pk)
    assert not errors and len(set(results)) == 1 and Survey.objects.count() == 1


def test_concurrent_answers_count_once_and_open_one_follow_up(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="US", language="en")
    survey = survey_create(ticket_id=t.pk, now=T0)
    results, errors = race(lambda: survey_answer(survey=survey, score=1, at=T0 + dt.timedelta(hours=1)))
    assert len(results) == 1 and all(isinstance(e, ValidationError) for e in errors) and len(errors) == 3
    assert FollowUp.objects.count() == 1


def test_concurrent_disputes_make_one(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"])
    review = review_create(ticket=t, scores=points(world["rubrics"]["dach"], 2), actor=world["lead.mnl"])
    results, errors = race(lambda: dispute_raise(review=review, reason="Unfair", actor=world["agent.mnl"]))
    assert len(results) == 1 and len(errors) == 3 and Dispute.objects.count() == 1


def test_concurrent_sampling_queues_each_ticket_once(world):
    for i in range(5):
        conversation(agent=world["agent.dub"], team=world["teams"]["dub"], at=T0 + dt.timedelta(hours=i))
    world["agent.dub"].date_joined = T0 - dt.timedelta(days=400)
    world["agent.dub"].save(update_fields=["date_joined"])
    race(lambda: samples_run(now=T0 + dt.timedelta(days=7)))
    from qa.models import ReviewAssignment

    assert ReviewAssignment.objects.count() == 2


def test_one_published_rubric_per_market_is_a_database_rule(world):
    dach = world["rubrics"]["dach"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Rubric.objects.create(market=dach.market, version=9, name="x", status="published", created_at=T0)
