"""Retention and erasure reach what the channels keep: files, call notes, quarantined mail."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.channels.conftest import raw_mail
from tickets.channels.email_in import mail_receive
from tickets.channels.phone import ticket_call_log
from tickets.channels.retention import REMOVED_CALL, quarantine_purge
from tickets.models import Attachment, EventKind, QuarantinedMail
from tickets.retention import tickets_anonymised
from tickets.tasks import quarantine_purge_task

pytestmark = pytest.mark.django_db


def test_anonymised_tickets_lose_their_files_and_call_notes(desk, django_capture_on_commit_callbacks):
    _, t = mail_receive(raw=raw_mail("attachment.eml"), source="test")
    ticket_call_log(ticket=t, direction="out", minutes=4, summary="Told Tom his IBAN is wrong", actor=desk["agent"])
    [attachment] = Attachment.objects.filter(ticket=t)
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        tickets_anonymised.send(sender=type(t), ticket_ids=[t.pk], reason="erasure")
    assert not Attachment.objects.filter(ticket=t).exists() and not storage.exists(name)
    assert t.events.get(kind=EventKind.CALL).body == REMOVED_CALL


def test_quarantined_mail_is_deleted_after_30_days(desk):
    now = timezone.now()
    mail_receive(raw=raw_mail("bounce.eml"), source="test", now=now - dt.timedelta(days=31))
    mail_receive(raw=raw_mail("garbage.bin"), source="test", now=now - dt.timedelta(days=29))
    assert quarantine_purge(now=now) == 1
    assert list(QuarantinedMail.objects.values_list("kind", flat=True)) == ["malformed"]
    assert quarantine_purge_task.apply().get() == 0
