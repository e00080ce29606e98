from django.contrib.auth import get_user_model
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404

from compliance.models import Role

from .celery import app as celery_app
from .models import Heartbeat


def health_status():
    """Database and broker reachability, plus when the scheduler last ran a task."""
    status = {"database": "ok", "broker": "ok", "scheduler_last_seen": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = Heartbeat.objects.filter(name="scheduler").first()
        status["scheduler_last_seen"] = beat.seen_at.isoformat() if beat else None
    except Exception as exc:  # any driver error means "down"; say which
        status["database"] = f"error: {exc.__class__.__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        status["broker"] = f"error: {exc.__class__.__name__}"
    status["ok"] = status["database"] == "ok" and status["broker"] == "ok"
    return status


def integration_list():
    """Integration accounts with their token (or None), by username."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.INTEGRATION.label)
        .select_related("auth_token")
        .order_by("username")
    )


def integration_get(pk):
    """The integration account PK, else 404 (a person's account is not managed here)."""
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(integration_list(), pk=pk)
