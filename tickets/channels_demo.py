"""seed_demo: what each channel leaves behind, on the demo's own tickets (their number stays what was asked for):
the first email ticket gets its Message-ID and a file, the first web ticket a file, the first phone ticket a logged
call; chat tickets already carry their transcript. Plus one configured, disabled IMAP mailbox. Nothing is emailed."""

from django.utils import timezone

from regions.models import Agent

from .channels.intake import attachments_store, last_customer_message
from .channels.phone import ticket_call_log
from .models import Channel, Mailbox, MailMessage, Ticket

MAILBOX = {
    "name": "support (demo)",
    "host": "imap.example.com",
    "port": 993,
    "username": "support@meridian.example",
    "password": "not-a-real-password",
    "folder": "INBOX",
    "use_ssl": True,
    "enabled": False,
}


def _first(channel):
    return Ticket.objects.filter(channel=channel).select_related("assignee").order_by("pk").first()


def _agent_for(ticket):
    agent = Agent.objects.select_related("user").filter(team=ticket.team_id).order_by("user__username").first()
    return ticket.assignee or (agent.user if agent else None)


def seed_channels():
    """Returns the summary line."""
    now = timezone.now()
    Mailbox.objects.update_or_create(name=MAILBOX["name"], defaults=MAILBOX)
    done = ["a disabled IMAP mailbox"]
    emailed = _first(Channel.EMAIL)
    if emailed is not None and not emailed.mail_messages.exists():
        event = last_customer_message(emailed)
        message_id = f"demo-{emailed.pk}@mail.example.com"
        MailMessage.objects.create(ticket=emailed, event=event, direction="in", message_id=message_id, created_at=now)
        invoice = ("invoice 2026-11.pdf", "application/pdf", b"%PDF-1.4 demo invoice\n%%EOF\n")
        attachments_store(ticket=emailed, event=event, files=[invoice], now=now)
        done.append(f"{emailed.reference} has its Message-ID and a PDF")
    web = _first(Channel.WEB)
    if web is not None and not web.attachments.exists():
        screenshot = ("error screenshot.png", "image/png", b"\x89PNG\r\n\x1a\n demo")
        attachments_store(ticket=web, event=last_customer_message(web), files=[screenshot], now=now)
        done.append(f"{web.reference} has a screenshot")
    phoned = _first(Channel.PHONE)
    if phoned is not None and not phoned.events.filter(kind="call").exists():
        summary = "Went through the error with the customer; they will send the log by email."
        ticket_call_log(ticket=phoned, direction="in", minutes=7, summary=summary, actor=_agent_for(phoned), at=now)
        done.append(f"{phoned.reference} has a logged call")
    return "Channels: " + "; ".join(done)
