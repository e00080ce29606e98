import socket
from pathlib import Path

import pytest

from tests.factories import AgentFactory, RegionFactory, TeamFactory, shift_pattern

MAIL = Path(__file__).parent / "mail"


def raw_mail(name):
    """One message of the fixture set, as the bytes a mail server hands over."""
    return (MAIL / name).read_bytes()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message the SMTP server accepted."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free localhost port, with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def closed_smtp_port(settings):
    """Django's SMTP backend pointed at a port where nothing listens: every send fails with a refused connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


@pytest.fixture
def desk(settings, tmp_path):
    """A Tier 1 team on shift around the clock with a Spanish-speaking agent; uploads under a temporary MEDIA_ROOT."""
    from regions.models import AgentLanguage

    settings.MEDIA_ROOT = tmp_path / "media"
    team = TeamFactory(code="t1-mex", name="Mexico Tier 1", region=RegionFactory(code="mex", country="MX"), tier=1)
    shift_pattern(team, "00:00-00:00")
    agent = AgentFactory(
        team=team, presence="available", user__username="diego", user__first_name="Diego", user__last_name="Cruz"
    )
    AgentLanguage.objects.create(agent=agent, language="es", proficiency="native")
    return {"team": team, "agent": agent.user}


@pytest.fixture
def run_tasks(monkeypatch):
    """.delay() of the channel tasks runs the task in this process (with its retries), as a worker would."""
    from tickets import tasks

    for name in ("reply_email_send_task", "acknowledgement_send_task"):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda *args, task=task: task.apply(args=args))
