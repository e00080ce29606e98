import pytest
from django.db import connection
from django.db.utils import OperationalError

from helpdesk.celery import app as celery_app
from helpdesk.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_and_broker_answer(client):
    heartbeat_record(name="scheduler")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["database"], body["broker"]) == (True, "ok", "ok")
    assert body["scheduler_last_seen"] is not None


def test_healthz_503_when_broker_does_not_answer(client, monkeypatch):
    # Port 9 (discard) has no Redis on it: the connection is refused.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error:")
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
