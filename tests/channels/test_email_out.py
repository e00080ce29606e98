"""An agent's public reply reaches the customer by email: after commit, threaded, translated, through real SMTP."""

from email import message_from_bytes, policy

import pytest

from tests.channels.conftest import raw_mail
from tickets.channels.email_in import mail_receive
from tickets.channels.email_out import customer_email_paused
from tickets.models import EventKind, MailMessage
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def _received(envelope):
    return message_from_bytes(envelope.content, policy=policy.default)


def test_reply_is_sent_after_commit_threaded_with_both_parts(
    desk, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    # given Ana wrote in by email (Spanish, from Mexico): a ticket with her Message-ID stored
    _, ticket = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    # when Diego replies; nothing leaves before the transaction commits
    with django_capture_on_commit_callbacks() as callbacks:
        ticket_reply(ticket=ticket, body="Hola Ana, **ya revisé** el reembolso.", actor=desk["agent"])
        assert smtp_server.envelopes == []
    for callback in callbacks:
        callback()
    # then one message arrived at the SMTP server, to Ana, threaded under her email
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["ana.ruiz@example.mx"]
    message = _received(envelope)
    sent = MailMessage.objects.get(ticket=ticket, direction="out")
    assert message["Message-ID"] == f"<{sent.message_id}>"
    assert message["In-Reply-To"] == "<CAF=ana.1@mail.example.mx>"
    assert message["References"] == "<CAF=ana.1@mail.example.mx>"
    assert message["Subject"] == f"Re: [{ticket.reference}] No recibí mi reembolso"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hola Ana, **ya revisé** el reembolso." in text
    assert "<strong>ya revisé</strong>" in html
    # in her language, with her ticket link
    assert "Responda a este correo" in text and "/support/t/" in text
    assert "Diego Cruz" in text
    # and the timeline says it went out
    assert ticket.events.filter(kind=EventKind.EMAIL, data__sent=True, summary__startswith="Email sent").count() == 1


def test_a_second_run_of_the_task_sends_nothing_more(desk, smtp_server, run_tasks, django_capture_on_commit_callbacks):
    from tickets.tasks import reply_email_send_task

    _, ticket = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, body="Hola", actor=desk["agent"])
    event = ticket.events.get(kind=EventKind.REPLY)
    reply_email_send_task.apply(args=[event.pk])
    assert len(smtp_server.envelopes) == 1
    assert ticket.events.filter(kind=EventKind.EMAIL).count() == 1


def test_card_numbers_do_not_leave_by_email(desk, smtp_server, run_tasks, django_capture_on_commit_callbacks):
    _, ticket = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, body="Your card 4111 1111 1111 1111 is fine.", actor=desk["agent"])
    message = _received(smtp_server.envelopes[0])
    assert "4111 1111 1111 1111" not in message.get_body(("plain",)).get_content()
    assert "[card ending 1111]" in message.get_body(("plain",)).get_content()


def test_internal_notes_and_paused_replies_send_nothing(
    desk, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    _, ticket = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, body="Only for agents", actor=desk["agent"], internal=True)
        with customer_email_paused():
            ticket_reply(ticket=ticket, body="Replayed history", actor=desk["agent"])
    assert smtp_server.envelopes == []


def test_failures_are_retried_and_the_last_one_is_on_the_timeline(
    desk, closed_smtp_port, run_tasks, django_capture_on_commit_callbacks
):
    from tickets.tasks import EMAIL_RETRIES

    _, ticket = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, body="Hola", actor=desk["agent"])
    [failed] = ticket.events.filter(kind=EventKind.EMAIL)
    assert failed.data["sent"] is False
    assert f"failed after {EMAIL_RETRIES + 1} attempts" in failed.summary
    assert "ConnectionRefusedError" in failed.summary
    # the Message-ID was kept for every attempt: a later resend threads the same way
    assert MailMessage.objects.filter(ticket=ticket, direction="out", sent_at__isnull=True).count() == 1
