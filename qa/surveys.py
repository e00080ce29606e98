"""Customer surveys: created and emailed when a ticket is solved, answered through a signed link without login.

CES (1-7) or CSAT (1-5) as the customer's market says; NPS (0-10) added at most once per NPS_EVERY per customer;
worded in the customer's language; a low answer opens a follow-up for the lead of the team that served.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from compliance.masking import mask_body, viewer_for
from tickets.models import Status, Ticket

from .events import qa_audit
from .models import FollowUp, FollowUpStatus, Market, Survey
from .reviews import conversation_agent
from .survey_texts import language_of, texts_for

SALT = "qa.survey"
VALID_FOR = dt.timedelta(days=14)
NPS_EVERY = dt.timedelta(days=90)  # "quarterly at most": never twice within 90 days


def survey_token(survey):
    return signing.dumps(survey.pk, salt=SALT)


def survey_from_token(token):
    """The survey TOKEN was made for, or None when it was tampered with, is unknown or has expired."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.BadSignature:
        return None
    survey = Survey.objects.select_related("ticket", "customer").filter(pk=pk).first()
    if survey is None or survey.expires_at <= timezone.now():
        return None
    return survey


def survey_url(survey):
    return settings.SITE_URL + reverse("qa-survey", args=[survey_token(survey)])


def survey_create(*, ticket_id, now):
    """The survey of a solved ticket (one per ticket), or None when it is no longer solved or has no market."""
    ticket = Ticket.objects.select_related("customer", "team", "assignee").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (Status.SOLVED, Status.CLOSED):
        return None
    existing = Survey.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    customer = ticket.customer
    market = Market.for_country(customer.country)
    if market is None or not customer.email:
        return None
    asked_nps = Survey.objects.filter(customer=customer, asks_nps=True, created_at__gt=now - NPS_EVERY).exists()
    try:
        with transaction.atomic():
            return Survey.objects.create(
                ticket=ticket,
                customer=customer,
                market=market,
                kind=market.survey_kind,
                asks_nps=not asked_nps,
                language=language_of(customer.language),
                agent=conversation_agent(ticket),
                team=ticket.team,
                created_at=now,
                expires_at=now + VALID_FOR,
            )
    except IntegrityError:  # a concurrent run created it
        return Survey.objects.get(ticket=ticket)


def survey_email(*, survey, now):
    """Send SURVEY's email once (a retry after a failed send sends it; a second run does not)."""
    if survey.sent_at is not None:
        return False
    texts = texts_for(survey.language)
    customer = survey.customer
    # The subject line may quote personal data; it leaves only as the strictest audience may see it.
    subject_line = mask_body(viewer_for(None), survey.ticket.subject, customer).text
    reference = survey.ticket.reference
    send_mail(
        subject=texts["subject"].format(reference=reference),
        message=texts["email"].format(
            reference=reference,
            subject=subject_line,
            url=survey_url(survey),
            expires=f"{survey.expires_at:%Y-%m-%d %H:%M}",
        ),
        from_email=None,
        recipient_list=[customer.email],
    )
    with transaction.atomic():
        if Survey.objects.filter(pk=survey.pk, sent_at__isnull=True).update(sent_at=now):
            qa_audit(actor=None, obj=survey, summary=f"{survey.kind.upper()} survey emailed for {reference}")
    return True


def survey_send(*, ticket_id, now):
    survey = survey_create(ticket_id=ticket_id, now=now)
    if survey is not None:
        survey_email(survey=survey, now=now)
    return survey


def survey_answer(*, survey, score, nps=None, comment="", at=None):
    """The customer's answer, once; a low one opens a follow-up for the serving team's lead."""
    now = at or timezone.now()
    if not isinstance(score, int) or not 1 <= score <= survey.scale_max:
        raise ValidationError({"score": f"Choose a score from 1 to {survey.scale_max}."})
    if nps is not None and (not survey.asks_nps or not isinstance(nps, int) or not 0 <= nps <= 10):
        raise ValidationError({"nps": "Choose a score from 0 to 10."})
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.answered_at is not None:
            raise ValidationError({"score": "This survey was answered already."})
        if survey.expires_at <= now:
            raise ValidationError({"score": "This survey has expired."})
        survey.score, survey.nps, survey.comment, survey.answered_at = score, nps, comment.strip()[:2000], now
        survey.save(update_fields=["score", "nps", "comment", "answered_at"])
        summary = f"{survey.get_kind_display().split(' ')[0]} {score}" + (f", NPS {nps}" if nps is not None else "")
        if survey.is_low:
            follow_up = FollowUp.objects.create(survey=survey, team=survey.team, created_at=now)
            qa_audit(actor=None, obj=follow_up, summary=f"Follow-up opened on {survey.ticket.reference}: {summary}")
        qa_audit(actor=None, obj=survey, summary=f"Survey answered on {survey.ticket.reference}: {summary}")
    return survey


def follow_up_close(*, follow_up, note, actor, at=None):
    now = at or timezone.now()
    if not note.strip():
        raise ValidationError({"note": "Say what was done (called back, refunded, ...)."})
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.status == FollowUpStatus.DONE:
            raise ValidationError({"note": "This follow-up is done already."})
        follow_up.status, follow_up.note, follow_up.done_by, follow_up.done_at = FollowUpStatus.DONE, note, actor, now
        follow_up.save(update_fields=["status", "note", "done_by", "done_at"])
        qa_audit(actor=actor, obj=follow_up, summary=f"Follow-up of {follow_up.survey.ticket.reference} done")
    return follow_up
