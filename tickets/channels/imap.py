"""`fetch_mail`: read unseen messages from the IMAP mailboxes enabled in the admin and hand each to mail_receive.

A message is marked seen only after it was received (ticket, reply, quarantine...), so a crash in between means it
is fetched again next minute and dropped then as a duplicate of its Message-ID.
"""

import imaplib
import logging
from collections import Counter

from django.utils import timezone

from ..models import Mailbox
from .email_in import mail_receive

log = logging.getLogger(__name__)

TIMEOUT = 30  # seconds for the IMAP connection
BATCH_SIZE = 200  # messages per mailbox and run; the rest come next minute


def _connect(mailbox):
    client = imaplib.IMAP4_SSL if mailbox.use_ssl else imaplib.IMAP4
    return client(mailbox.host, mailbox.port, timeout=TIMEOUT)


def mailbox_fetch(mailbox, *, now=None):
    """Receive MAILBOX's unseen messages; returns a Counter of outcomes. IMAP errors propagate (network, login)."""
    outcomes = Counter()
    with _connect(mailbox) as imap:
        imap.login(mailbox.username, mailbox.password)
        imap.select(mailbox.folder)
        _, found = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (found[0] or b"").split()[:BATCH_SIZE]:
            _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            outcome, _ = mail_receive(raw=raw, source=mailbox.name, now=now)
            outcomes[outcome] += 1
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return outcomes


def mailboxes_fetch(*, names=None):
    """Every enabled mailbox (or those NAMES, enabled or not) once; one failing mailbox stops no other."""
    mailboxes = Mailbox.objects.filter(name__in=names) if names else Mailbox.objects.filter(enabled=True)
    total = Counter()
    for mailbox in mailboxes:
        now = timezone.now()
        try:
            total += mailbox_fetch(mailbox, now=now)
            error = ""
        except (imaplib.IMAP4.error, OSError) as exc:
            log.warning("Mailbox %s: %s", mailbox.name, exc)
            error = f"{type(exc).__name__}: {exc}"[:300]
        Mailbox.objects.filter(pk=mailbox.pk).update(last_fetched_at=now, last_error=error)
    return dict(total)
