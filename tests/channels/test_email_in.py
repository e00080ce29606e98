"""Inbound email from a fixture set of real-world message shapes: tickets, replies, junk, duplicates, garbage."""

import pytest

from tests.channels.conftest import raw_mail
from tests.factories import CustomerFactory, ticket
from tickets.channels.email_in import mail_parse, mail_receive
from tickets.models import Attachment, Customer, EventKind, MailMessage, QuarantinedMail, Status, Ticket
from tickets.services import ticket_reply, ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "sender", "subject", "words"),
    [
        ("multipart_alternative.eml", "ana.ruiz@example.mx", "No recibí mi reembolso", "todavía no lo recibí"),
        ("quoted_printable_cp1252.eml", "mark.taylor@example.com", "Export file is empty", "says “done” but"),
        ("latin1_8bit.eml", "juergen.mueller@example.de", "Rechnung doppelt abgebucht bitte prüfen", "für Oktober"),
        ("iso_2022_jp.eml", "hanako.yamada@example.co.jp", "ログインできません", "パスワードを再設定"),
        ("html_only.eml", "priya@example.in", "Invoice shows wrong VAT", "19% VAT & it should be 18%"),
        ("forwarded.eml", "lucia@example.com.ar", "Fwd: Pagamento recusado", "---------- Forwarded message"),
    ],
)
def test_new_mail_becomes_an_email_ticket(desk, name, sender, subject, words):
    outcome, t = mail_receive(raw=raw_mail(name), source="test")
    assert outcome == "ticket"
    t = Ticket.objects.get(pk=t.pk)
    assert (t.channel, t.customer.email, t.subject) == ("email", sender, subject)
    message = t.events.get(kind=EventKind.CUSTOMER_MESSAGE)
    assert words in message.body and "\r" not in message.body
    assert message.data == {"channel": "email"}
    assert MailMessage.objects.filter(ticket=t, direction="in").count() == 1


def test_html_only_mail_keeps_the_text_and_drops_scripts_and_styles():
    mail = mail_parse(raw_mail("html_only.eml"))
    assert "Thanks, Priya" in mail.body
    assert "alert" not in mail.body and "color: red" not in mail.body and "<" not in mail.body


def test_new_customer_gets_country_and_language_from_the_mail(desk):
    mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    mail_receive(raw=raw_mail("iso_2022_jp.eml"), source="test")
    ana, hanako = Customer.objects.get(email="ana.ruiz@example.mx"), Customer.objects.get(email__startswith="hanako")
    assert (ana.name, ana.country, ana.language) == ("Ana Ruíz", "MX", "es")
    assert (hanako.name, hanako.country, hanako.language) == ("山田 花子", "JP", "ja")


def test_new_email_ticket_is_routed_to_an_agent_who_speaks_the_language(desk):
    _, t = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    assert Ticket.objects.get(pk=t.pk).assignee == desk["agent"]


def test_attachments_are_stored_with_their_names(desk):
    _, t = mail_receive(raw=raw_mail("attachment.eml"), source="test")
    [pdf] = Attachment.objects.filter(ticket=t)
    assert (pdf.name, pdf.content_type, pdf.size) == ("Fehlerbericht über Login.pdf", "application/pdf", 45)
    assert pdf.file.read().startswith(b"%PDF-1.4")
    assert pdf.event == t.events.get(kind=EventKind.CUSTOMER_MESSAGE)


def test_a_forwarded_message_is_kept_as_an_eml_file(desk):
    _, t = mail_receive(raw=raw_mail("forwarded.eml"), source="test")
    [eml] = Attachment.objects.filter(ticket=t)
    assert eml.content_type == "message/rfc822" and b"O pagamento foi recusado" in eml.file.read()


def _reply_to(message_id, subject, sender="ana.ruiz@example.mx"):
    return (
        f"From: Ana <{sender}>\r\nTo: support@meridian.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <reply-{abs(hash((message_id, subject, sender)))}@example.mx>\r\n"
        f"In-Reply-To: <{message_id}>\r\nReferences: <{message_id}>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nGracias, ya llegó.\r\n\r\n> quoted\r\n"
    ).encode()


def test_a_reply_by_threading_headers_appends_and_reopens_a_solved_ticket(desk):
    _, t = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    ticket_reply(ticket=t, body="Listo", actor=desk["agent"])
    ticket_set_status(ticket=t, status=Status.SOLVED, actor=desk["agent"])
    outcome, again = mail_receive(raw=_reply_to("CAF=ana.1@mail.example.mx", "Re: something"), source="test")
    assert outcome == "reply" and again.pk == t.pk
    t.refresh_from_db()
    assert t.status == Status.OPEN
    assert t.events.filter(kind=EventKind.CUSTOMER_MESSAGE).count() == 2


def test_a_reply_by_the_reference_in_the_subject(desk):
    customer = CustomerFactory(email="ana.ruiz@example.mx")
    t = ticket(customer=customer, channel="web")
    outcome, again = mail_receive(raw=_reply_to("unknown@x", f"Re: [{t.reference}] Cannot log in"), source="test")
    assert outcome == "reply" and again.pk == t.pk
    assert t.events.filter(kind=EventKind.CUSTOMER_MESSAGE).last().data == {"channel": "email"}


def test_a_stranger_quoting_a_reference_opens_their_own_ticket(desk):
    t = ticket(customer=CustomerFactory(email="ana.ruiz@example.mx"))
    raw = _reply_to("unknown@x", f"Re: [{t.reference}] hello", sender="mallory@example.com")
    outcome, other = mail_receive(raw=raw, source="test")
    assert outcome == "ticket" and other.pk != t.pk and other.subject == "Re: hello"


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(desk):
    _, t = mail_receive(raw=raw_mail("multipart_alternative.eml"), source="test")
    ticket_set_status(ticket=t, status=Status.CLOSED, actor=desk["agent"])
    outcome, follow_up = mail_receive(raw=_reply_to("CAF=ana.1@mail.example.mx", "Re: again"), source="test")
    assert outcome == "ticket" and follow_up.pk != t.pk


def test_a_second_delivery_of_the_same_message_is_ignored(desk):
    assert mail_receive(raw=raw_mail("attachment.eml"), source="test")[0] == "ticket"
    assert mail_receive(raw=raw_mail("attachment.eml"), source="other")[0] == "duplicate"
    assert Ticket.objects.count() == 1 and Attachment.objects.count() == 1


@pytest.mark.parametrize(("name", "kind"), [("auto_reply.eml", "auto_reply"), ("bounce.eml", "bounce")])
def test_auto_replies_and_bounces_are_recorded_not_ticketed(desk, name, kind):
    outcome, t = mail_receive(raw=raw_mail(name), source="support")
    assert (outcome, t) == (kind, None)
    [kept] = QuarantinedMail.objects.all()
    assert kept.kind == kind and bytes(kept.raw) == raw_mail(name) and kept.source == "support"
    assert Ticket.objects.count() == 0


def test_garbage_is_quarantined_whole_with_a_reason(desk):
    outcome, t = mail_receive(raw=raw_mail("garbage.bin"), source="webhook")
    assert (outcome, t) == ("malformed", None)
    [kept] = QuarantinedMail.objects.all()
    assert (kept.kind, kept.reason) == ("malformed", "No sender address in From")
    assert bytes(kept.raw) == raw_mail("garbage.bin") and kept.received_at is not None


def test_an_empty_mail_is_quarantined_not_crashing(desk):
    raw = b"From: a@example.com\r\nSubject: hi\r\nMessage-ID: <e@x>\r\n\r\n"
    assert mail_receive(raw=raw, source="test")[0] == "malformed"
    assert QuarantinedMail.objects.get().reason.startswith("Refused by the ticket services")


def test_an_unexpected_error_still_keeps_the_mail(desk, monkeypatch):
    from tickets.channels import email_in

    monkeypatch.setattr(email_in, "_intake", lambda mail, now: 1 / 0)
    assert mail_receive(raw=raw_mail("attachment.eml"), source="test")[0] == "malformed"
    assert QuarantinedMail.objects.get().reason == "Failed to process: ZeroDivisionError"
