"""Inbound email: one parser for raw RFC 822 bytes, used by `fetch_mail` (IMAP) and the inbound webhook alike.

mail_receive(raw, source) never raises for bad mail: a new message opens a ticket, a reply goes onto its ticket,
a second delivery of the same Message-ID is dropped, and auto-replies, bounces and malformed mail are kept whole in
QuarantinedMail with the reason.
"""

import hashlib
import html
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.parser import BytesParser

import holidays
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Channel, MailMessage, QuarantinedMail, Status, Ticket
from ..services import customer_get_or_create, ticket_create, ticket_customer_message
from .email_out import acknowledgement_queue
from .intake import attachments_store, last_customer_message

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"\[\s*MER-(\d+)\s*\]", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
AUTO_SUBJECT = re.compile(r"^\s*(out of office|automatic reply|auto(?:matic)?[- ]?reply|auto:|abwesenheit)", re.I)
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
LANGUAGE_OF_COUNTRY = {
    **dict.fromkeys(["DE", "AT", "CH", "LI"], "de"),
    **dict.fromkeys(["ES", "MX", "AR", "CO", "CL", "PE", "UY", "PY", "BO", "EC", "VE", "CR", "PA", "GT"], "es"),
    **dict.fromkeys(["PT", "BR"], "pt"),
    "JP": "ja",
}
CUSTOMER_LANGUAGES = {"en", "es", "de", "pt", "ja"}


class MalformedMail(ValueError):
    """The bytes are not a message we can read; the text says why."""


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    body: str
    references: list = field(default_factory=list)
    attachments: list = field(default_factory=list)  # (file name, content type, bytes)
    language: str = ""
    junk: str = ""  # QuarantinedMail.Kind of an auto-reply or bounce
    junk_reason: str = ""


def _html_to_text(markup):
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d|blockquote)>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text):
    """Line ends as \\n; control characters (e.g. Windows-1252 bytes sent as ISO-8859-1) dropped."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _ids(value):
    return MESSAGE_ID.findall(str(value or ""))


def _junk(message, sender):
    """(kind, reason) when MESSAGE is an auto-reply or a bounce, else ("", "")."""
    if message.get_content_type() == "multipart/report" and message.get_param("report-type") == "delivery-status":
        return QuarantinedMail.Kind.BOUNCE, "Delivery status report (multipart/report)"
    if sender.split("@")[0].lower() in BOUNCE_SENDERS:
        return QuarantinedMail.Kind.BOUNCE, f"Sent by {sender.split('@')[0]}"
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return QuarantinedMail.Kind.AUTO_REPLY, f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond"):
        if message.get(header) is not None:
            return QuarantinedMail.Kind.AUTO_REPLY, f"{header} header"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in {"bulk", "auto_reply", "junk"}:
        return QuarantinedMail.Kind.AUTO_REPLY, f"Precedence: {precedence}"
    if AUTO_SUBJECT.match(str(message.get("Subject", ""))):
        return QuarantinedMail.Kind.AUTO_REPLY, "Out-of-office subject"
    return "", ""


def _attachments(message):
    files = []
    for part in message.iter_attachments():
        content = part.get_content()
        if part.get_content_type() == "message/rfc822":  # a forwarded message, kept as a file of its own
            content = content.as_bytes()
            name = part.get_filename() or "forwarded-message.eml"
        else:
            name = part.get_filename() or "attachment"
        if isinstance(content, str):
            content = content.encode(part.get_content_charset() or "utf-8")
        files.append((name, part.get_content_type(), content))
    return files


def mail_parse(raw):
    """RAW bytes as a ParsedMail; MalformedMail when they are not a message we can turn into a ticket message."""
    if not raw or not raw.strip():
        raise MalformedMail("Empty message")
    if len(raw) > settings.INBOUND_EMAIL_MAX_BYTES:
        raise MalformedMail(f"Larger than {settings.INBOUND_EMAIL_MAX_BYTES} bytes")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        addresses = message["From"].addresses if message["From"] is not None else ()
        sender = next((a for a in addresses if isinstance(a, Address) and a.domain), None)
        if sender is None:
            raise MalformedMail("No sender address in From")
        junk, junk_reason = _junk(message, sender.addr_spec)
        body_part = message.get_body(preferencelist=("plain", "html"))
        body = ""
        if body_part is not None:
            body = body_part.get_content()
            if body_part.get_content_type() == "text/html":
                body = _html_to_text(body)
        attachments = [] if junk else _attachments(message)
        subject = str(message.get("Subject", "")).strip()
    except MalformedMail:
        raise
    except (LookupError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise MalformedMail(f"Unreadable: {type(exc).__name__}: {exc}"[:300]) from exc
    message_ids = _ids(message.get("Message-ID"))
    references = _ids(message.get("In-Reply-To")) + list(reversed(_ids(message.get("References"))))
    return ParsedMail(
        # Without a Message-ID a second delivery is still recognised by its bytes.
        message_id=message_ids[0] if message_ids else f"sha256-{hashlib.sha256(raw).hexdigest()}@meridian",
        sender=sender.addr_spec.lower(),
        sender_name=sender.display_name or sender.username,
        subject=" ".join(_clean(subject).split()),
        body=_clean(body),
        references=references,
        attachments=attachments,
        language=str(message.get("Content-Language", "")).split(",")[0].strip()[:2].lower(),
        junk=junk,
        junk_reason=junk_reason,
    )


def known_country(code):
    """CODE as an ISO country code we know, else the configured default: residency needs a country."""
    code = (code or "").upper()
    code = "GB" if code == "UK" else code
    known = len(code) == 2 and code in holidays.list_supported_countries()
    return code if known else settings.INBOUND_EMAIL_DEFAULT_COUNTRY


def _country_of(address):
    """The country of the sender's domain (.de, .com.mx), else the default."""
    return known_country(address.rsplit(".", 1)[-1])


def _ticket_for_reply(mail):
    """The ticket MAIL answers (by its threading headers, then by the reference in the subject), if the sender is
    that ticket's customer: a stranger who quotes a reference opens a ticket of their own."""
    ticket = None
    if mail.references:
        known = MailMessage.objects.filter(message_id__in=mail.references).select_related("ticket__customer")
        by_id = {m.message_id: m.ticket for m in known}
        ticket = next((by_id[mid] for mid in mail.references if mid in by_id), None)
    if ticket is None and (match := REFERENCE.search(mail.subject)):
        ticket = Ticket.objects.select_related("customer").filter(pk=int(match.group(1))).first()
    if ticket is not None and ticket.customer.email == mail.sender:
        return ticket
    return None


def _store(ticket, event, mail, now):
    MailMessage.objects.create(
        ticket=ticket, event=event, direction=MailMessage.Direction.IN, message_id=mail.message_id, created_at=now
    )
    attachments_store(ticket=ticket, event=event, files=mail.attachments, now=now)


def quarantine(*, raw, kind, reason, source, message_id="", now=None):
    return QuarantinedMail.objects.create(
        raw=raw,
        kind=kind,
        reason=reason[:300],
        source=source[:100],
        message_id=message_id,
        received_at=now or timezone.now(),
    )


def _intake(mail, now):
    """MAIL onto its ticket, or a new ticket; returns (outcome, ticket)."""
    ticket = _ticket_for_reply(mail)
    body = (mail.body or "(no text; see the attachments)") if mail.attachments else mail.body
    if ticket is not None and ticket.status != Status.CLOSED:
        ticket = ticket_customer_message(ticket=ticket, body=body, at=now, channel=Channel.EMAIL)
        outcome = "reply"
    else:
        country = _country_of(mail.sender)
        language = mail.language if mail.language in CUSTOMER_LANGUAGES else LANGUAGE_OF_COUNTRY.get(country, "en")
        customer = customer_get_or_create(email=mail.sender, name=mail.sender_name, country=country, language=language)
        subject = " ".join(REFERENCE.sub("", mail.subject).split()) or "(no subject)"
        ticket = ticket_create(customer=customer, subject=subject, body=body, channel=Channel.EMAIL, at=now)
        acknowledgement_queue(ticket=ticket)
        outcome = "ticket"
    _store(ticket, last_customer_message(ticket), mail, now)
    return outcome, ticket


def mail_receive(*, raw, source, now=None):
    """Take one raw message from SOURCE (a mailbox name, "webhook"); returns (outcome, ticket or None).

    Outcomes: ticket, reply, duplicate, auto_reply, bounce, malformed. Never raises for the content of the mail:
    even a message that trips a bug of ours is kept in quarantine rather than lost or stopping the run.
    """
    now = now or timezone.now()
    try:
        return _receive(raw, source, now)
    except Exception as exc:  # noqa: BLE001 - the one place that must keep any mail, whatever went wrong
        log.exception("Inbound mail from %s quarantined after an error", source)
        reason = f"Failed to process: {type(exc).__name__}"
        quarantine(raw=raw, kind=QuarantinedMail.Kind.MALFORMED, reason=reason, source=source, now=now)
        return "malformed", None


def _receive(raw, source, now):
    try:
        mail = mail_parse(raw)
    except MalformedMail as exc:
        quarantine(raw=raw, kind=QuarantinedMail.Kind.MALFORMED, reason=str(exc), source=source, now=now)
        return "malformed", None
    if MailMessage.objects.filter(message_id=mail.message_id).exists():
        return "duplicate", None
    if mail.junk:
        quarantine(raw=raw, kind=mail.junk, reason=mail.junk_reason, source=source, message_id=mail.message_id, now=now)
        return mail.junk, None
    try:
        with transaction.atomic():
            return _intake(mail, now)
    except IntegrityError:  # the same Message-ID taken at the same moment by another worker
        if MailMessage.objects.filter(message_id=mail.message_id).exists():
            return "duplicate", None
        raise
    except ValidationError as exc:
        reason = "Refused by the ticket services: " + "; ".join(exc.messages)
        quarantine(raw=raw, kind=QuarantinedMail.Kind.MALFORMED, reason=reason, source=source, now=now)
        return "malformed", None
