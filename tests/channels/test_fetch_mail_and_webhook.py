"""The two ways raw mail comes in: `fetch_mail` (IMAP, with imaplib replaced by a stand-in) and the webhook."""

import imaplib
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.channels.conftest import raw_mail
from tests.factories import UserFactory
from tickets.models import Mailbox, QuarantinedMail, Ticket

pytestmark = pytest.mark.django_db


class FakeImap:
    """imaplib.IMAP4_SSL for one mailbox holding MESSAGES; records logins and the messages flagged seen."""

    messages = {}
    seen = []
    logins = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def login(self, user, password):
        if password != "secret":
            raise imaplib.IMAP4.error("AUTHENTICATIONFAILED")
        FakeImap.logins.append((self.host, user))

    def select(self, folder):
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command, *args):
        if command == "SEARCH":
            unseen = [uid for uid in self.messages if uid not in FakeImap.seen]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            return "OK", [(args[0] + b" (UID BODY[] {1}", self.messages[args[0]]), b")"]
        FakeImap.seen.append(args[0])
        return "OK", []


@pytest.fixture
def imap(monkeypatch):
    FakeImap.messages = {b"1": raw_mail("multipart_alternative.eml"), b"2": raw_mail("bounce.eml"), b"3": b"\x00junk"}
    FakeImap.seen, FakeImap.logins = [], []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeImap)
    return FakeImap


def _mailbox(**kwargs):
    defaults = {"name": "support", "host": "imap.example.com", "username": "support", "password": "secret"}
    return Mailbox.objects.create(**{**defaults, "enabled": True, **kwargs})


def test_fetch_mail_reads_enabled_mailboxes_and_marks_messages_seen(desk, imap):
    _mailbox()
    _mailbox(name="old", host="imap.old.example.com", enabled=False)
    out = StringIO()
    call_command("fetch_mail", stdout=out)
    assert out.getvalue().strip() == "fetch_mail: 1 bounce, 1 malformed, 1 ticket"
    assert imap.logins == [("imap.example.com", "support")]
    assert sorted(imap.seen) == [b"1", b"2", b"3"]
    assert Ticket.objects.get().channel == "email"
    assert set(QuarantinedMail.objects.values_list("kind", "source")) == {
        ("bounce", "support"),
        ("malformed", "support"),
    }
    # the next minute finds nothing new
    call_command("fetch_mail", stdout=out)
    assert Ticket.objects.count() == 1


def test_a_failing_mailbox_is_noted_and_stops_no_other(desk, imap):
    _mailbox(name="broken", password="wrong")
    _mailbox(name="support")
    call_command("fetch_mail", stdout=StringIO())
    broken = Mailbox.objects.get(name="broken")
    assert "AUTHENTICATIONFAILED" in broken.last_error and broken.last_fetched_at is not None
    assert Ticket.objects.count() == 1


def test_beat_runs_fetch_mail_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["fetch-mail"]
    assert (entry["task"], entry["schedule"]) == ("tickets.tasks.mailboxes_fetch_task", 60.0)


# ---- the inbound webhook


def _post(raw, **headers):
    return Client(enforce_csrf_checks=True).post(
        "/inbound/email/", data=raw, content_type=headers.pop("content_type", "message/rfc822"), **headers
    )


def test_webhook_with_the_shared_secret_creates_the_ticket(desk, settings):
    settings.INBOUND_EMAIL_TOKEN = "s3cret-inbound"
    response = _post(raw_mail("iso_2022_jp.eml"), HTTP_X_MERIDIAN_TOKEN="s3cret-inbound")
    assert response.status_code == 202
    t = Ticket.objects.get()
    assert response.json() == {"outcome": "ticket", "ticket": t.reference}
    assert t.subject == "ログインできません"


def test_webhook_takes_an_integration_token_but_no_other(desk, settings):
    settings.INBOUND_EMAIL_TOKEN = None
    integration = Token.objects.create(user=UserFactory(role="integration"))
    agent = Token.objects.create(user=UserFactory(role="agent"))
    assert _post(raw_mail("bounce.eml"), HTTP_AUTHORIZATION=f"Token {agent.key}").status_code == 403
    response = _post(raw_mail("bounce.eml"), HTTP_AUTHORIZATION=f"Token {integration.key}")
    assert response.status_code == 202 and response.json()["outcome"] == "bounce"


def test_webhook_refuses_without_or_with_a_wrong_token(desk, settings):
    settings.INBOUND_EMAIL_TOKEN = "s3cret-inbound"
    assert _post(raw_mail("html_only.eml")).status_code == 403
    response = _post(raw_mail("html_only.eml"), HTTP_X_MERIDIAN_TOKEN="guess")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_authenticated"
    assert Ticket.objects.count() == 0


def test_webhook_wants_the_raw_message(desk, settings):
    settings.INBOUND_EMAIL_TOKEN = "s3cret-inbound"
    response = _post(b'{"a": 1}', content_type="application/json", HTTP_X_MERIDIAN_TOKEN="s3cret-inbound")
    assert response.status_code == 415


def test_webhook_quarantines_garbage(desk, settings):
    settings.INBOUND_EMAIL_TOKEN = "s3cret-inbound"
    response = _post(raw_mail("garbage.bin"), HTTP_X_MERIDIAN_TOKEN="s3cret-inbound")
    assert response.json() == {"outcome": "malformed", "ticket": None}
    assert bytes(QuarantinedMail.objects.get(source="webhook").raw) == raw_mail("garbage.bin")
