import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from qa import receivers
from qa.models import FollowUp, Survey
from qa.surveys import survey_answer, survey_from_token, survey_send, survey_token
from tickets.services import ticket_set_status

from .conftest import T0, conversation

pytestmark = pytest.mark.django_db


def _solved(world, **kwargs):
    kwargs.setdefault("agent", world["agent.mnl"])
    kwargs.setdefault("team", world["teams"]["mnl"])
    return conversation(**kwargs)


def test_solving_queues_the_survey_task_after_commit(world, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("qa.tasks.survey_send_task.delay", queued.append)
    t = _solved(world, solve=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=t, status="solved", actor=world["agent.mnl"])
    assert queued == [t.pk]
    receivers.on_ticket_changed(sender=None, ticket=t, event="ticket.updated")
    assert queued == [t.pk]  # only a solve sends a survey


def test_german_customer_gets_a_ces_survey_in_german_with_a_masked_subject(world, settings):
    settings.SITE_URL = "https://help.example"
    t = _solved(world, country="DE", language="de", subject="Rechnung an max@example.de falsch", email="k@kunde.de")

    survey = survey_send(ticket_id=t.pk, now=dt.datetime.now(dt.UTC))

    assert survey.kind == "ces" and survey.asks_nps and survey.language == "de"
    assert survey.agent == world["agent.mnl"] and survey.team == world["teams"]["mnl"]
    assert survey.market.code == "dach"
    [email] = mail.outbox
    assert email.to == ["k@kunde.de"]
    assert email.subject == f"Wie war unser Support zu {t.reference}?"
    assert "max@example.de" not in email.body and "m•••@example.de" in email.body  # the subject masked
    [token] = re.findall(r"https://help\.example/survey/([^/\s]+)/", email.body)
    assert survey_from_token(token) == survey
    assert "Der Link gilt bis" in email.body
    # a second run (a retried task) neither makes a second survey nor a second email
    assert survey_send(ticket_id=t.pk, now=dt.datetime.now(dt.UTC)) == survey
    assert len(mail.outbox) == 1


def test_latam_gets_csat_and_nps_at_most_once_per_90_days(world):
    first = survey_send(ticket_id=_solved(world, country="MX", language="es").pk, now=T0)
    customer = first.customer
    second = _solved(world, country="MX", language="es", email=customer.email, at=T0 + dt.timedelta(days=1))
    again = survey_send(ticket_id=second.pk, now=T0 + dt.timedelta(days=30))
    later = _solved(world, country="MX", language="es", email=customer.email, at=T0 + dt.timedelta(days=2))
    after = survey_send(ticket_id=later.pk, now=T0 + dt.timedelta(days=91))
    assert first.kind == "csat" and first.asks_nps and first.language == "es"
    assert not again.asks_nps
    assert after.asks_nps
    assert mail.outbox[0].subject.startswith("¿Cómo lo hicimos")


def test_a_reopened_ticket_gets_no_survey(world):
    t = _solved(world)
    ticket_set_status(ticket=t, status="open", actor=world["agent.mnl"])
    assert survey_send(ticket_id=t.pk, now=T0) is None and not mail.outbox


def test_low_answer_opens_a_follow_up_for_the_serving_team(world):
    survey = survey_send(ticket_id=_solved(world, country="US", language="en").pk, now=T0)
    survey_answer(survey=survey, score=2, nps=9, comment="Took ages", at=T0 + dt.timedelta(hours=1))
    follow_up = FollowUp.objects.get(survey=survey)
    assert follow_up.team == world["teams"]["mnl"] and follow_up.status == "open"
    with pytest.raises(ValidationError, match="answered already"):
        survey_answer(survey=survey, score=7, at=T0 + dt.timedelta(hours=2))


def test_scores_outside_the_scale_are_refused(world):
    survey = survey_send(ticket_id=_solved(world, country="US", language="en").pk, now=T0)
    with pytest.raises(ValidationError):
        survey_answer(survey=survey, score=8, at=T0)
    with pytest.raises(ValidationError):
        survey_answer(survey=survey, score=5, nps=11, at=T0)
    survey_answer(survey=survey, score=6, nps=10, at=T0)
    assert not FollowUp.objects.exists()


def test_the_link_opens_only_its_own_survey_without_login_and_expires(world, client):
    survey = survey_send(ticket_id=_solved(world, country="DE", language="de").pk, now=T0)
    other = survey_send(ticket_id=_solved(world, country="US", language="en").pk, now=T0)
    token = survey_token(survey)

    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        page = client.get(f"/survey/{token}/")
        assert page.status_code == 200
        assert '<html lang="de">' in page.content.decode()
        assert "Das Unternehmen hat es mir leicht gemacht" in page.content.decode()
        assert client.get(f"/survey/{token[:-2]}xx/").status_code == 404  # tampered
        assert survey_from_token(survey_token(other)) == other != survey
        answered = client.post(f"/survey/{token}/", {"score": "6", "nps": "9", "comment": "Schnell"})
        assert "Vielen Dank" in answered.content.decode()
        survey.refresh_from_db()
        assert (survey.score, survey.nps, survey.comment) == (6, 9, "Schnell")
        assert Survey.objects.get(pk=other.pk).answered_at is None  # the other ticket's survey is untouched
        assert "bereits beantwortet" in client.get(f"/survey/{token}/").content.decode()

    with time_machine.travel(T0 + dt.timedelta(days=15), tick=False):
        assert client.get(f"/survey/{survey_token(other)}/").status_code == 404  # expired after 14 days


def test_sending_is_audited(world):
    from compliance.models import AuditEntry

    survey = survey_send(ticket_id=_solved(world, country="US", language="en").pk, now=dt.datetime.now(dt.UTC))
    entry = AuditEntry.objects.get(object_type="qa.survey", object_id=str(survey.pk))
    assert entry.actor_label == "system" and "CES survey emailed" in entry.summary
