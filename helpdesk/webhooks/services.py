"""Webhook subscriptions, event fan-out and the delivery of one event over HTTP.

Deliveries are at least once: a receiver deduplicates by the payload's "id" (also the Meridian-Delivery header).
"""

import datetime as dt
import json
import secrets
import time
import urllib.error
import urllib.request

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compliance.audit import audit_record
from compliance.models import AuditAction
from regions.cache import memoized

from .addresses import BlockedAddress, opener, webhook_url_check
from .models import DISABLE_AFTER, EVENTS, WebhookDelivery, WebhookSubscription
from .signing import HEADER, signature_header

TIMEOUT = 5  # seconds per HTTP attempt
USER_AGENT = "Meridian-Webhooks/1"


class WebhookRetryableError(Exception):
    """The attempt failed in a way that can pass (network error, timeout, 5xx, 429): try again later."""


def _iso(value):
    return value.isoformat() if value is not None else None


# ---- Payloads (no customer personal data: no names, emails, subjects or messages) ----------------------------------


def ticket_summary(ticket):
    team = ticket.team if ticket.team_id else None
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "tier": ticket.tier,
        "channel": ticket.channel,
        "team": team.code if team else None,
        "region": team.region.code if team else None,
        "is_critical": ticket.is_critical,
        "is_outage": ticket.is_outage,
        "sla_state": ticket.sla_state,
        "sla_due_at": _iso(ticket.sla_due_at),
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "solved_at": _iso(ticket.solved_at),
    }


def handoff_summary(run):
    return {
        "id": run.pk,
        "kind": run.kind,
        "team": run.team.code,
        "arriving_team": run.arriving_team.code if run.arriving_team_id else None,
        "boundary_at": _iso(run.boundary_at),
        "finished_at": _iso(run.finished_at),
        "moved": run.moved,
        "blocked": run.blocked,
        "failed_over": run.failed_over,
        "skipped": run.skipped,
        "note": run.note,
    }


def region_summary(region, previous):
    return {"code": region.code, "name": region.name, "status": region.status, "previous": previous}


# ---- Subscriptions -------------------------------------------------------------------------------------------------


def _clean_events(events):
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise ValidationError({"events": f"Choose among {', '.join(EVENTS)}."})
    return sorted(set(events), key=EVENTS.index)


def webhook_subscription_create(*, url, events, actor, active=True):
    """A new subscription with a fresh secret (the caller shows it once)."""
    webhook_url_check(url)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            url=url, events=_clean_events(events), active=active, secret=secrets.token_hex(32), created_by=actor
        )
        audit_record(
            action=AuditAction.ADMIN_ACTION,
            actor=actor,
            summary=f"Webhook {subscription.pk} to {url} created",
            object_type=WebhookSubscription._meta.label_lower,
            object_id=subscription.pk,
            details={"url": url, "events": subscription.events},
        )
    return subscription


def webhook_subscription_update(*, subscription, actor, url=None, events=None, active=None):
    """Change URL, events or active; switching a disabled subscription back on forgets its failures."""
    if url is not None:
        webhook_url_check(url)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if url is not None:
            subscription.url = url
        if events is not None:
            subscription.events = _clean_events(events)
        if active is not None:
            if active and not subscription.active:
                subscription.failure_count, subscription.disabled_at = 0, None
            subscription.active = active
        subscription.save()
        audit_record(
            action=AuditAction.ADMIN_ACTION,
            actor=actor,
            summary=f"Webhook {subscription.pk} to {subscription.url} changed",
            object_type=WebhookSubscription._meta.label_lower,
            object_id=subscription.pk,
            details={"url": subscription.url, "events": subscription.events, "active": subscription.active},
        )
    return subscription


def webhook_subscription_delete(*, subscription, actor):
    with transaction.atomic():
        audit_record(
            action=AuditAction.ADMIN_ACTION,
            actor=actor,
            summary=f"Webhook {subscription.pk} to {subscription.url} deleted",
            object_type=WebhookSubscription._meta.label_lower,
            object_id=subscription.pk,
        )
        subscription.delete()


# ---- Events --------------------------------------------------------------------------------------------------------


def webhook_event_emit(*, event, data, now=None):
    """Log one delivery per active subscription that wants EVENT and send each after the transaction commits.

    DATA may be a function giving it: a payload that reads related rows is then built only when someone wants it.
    """
    from .tasks import webhook_deliver_task

    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    now = now or timezone.now()
    # A handful of subscriptions at most: filtering the JSON list in Python works on every database.
    active = memoized("webhook_subscriptions", lambda: list(WebhookSubscription.objects.filter(active=True)))
    wanted = [s for s in active if s.wants(event)]
    if not wanted:
        return []
    data = data() if callable(data) else data
    deliveries = []
    with transaction.atomic():
        for subscription in wanted:
            delivery = WebhookDelivery(subscription=subscription, event=event, created_at=now)
            delivery.payload = {"event": event, "id": str(delivery.id), "created_at": _iso(now), "data": data}
            deliveries.append(delivery)
        WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            transaction.on_commit(lambda pk=str(delivery.pk): webhook_deliver_task.delay(pk), robust=True)
    return deliveries


def body_of(delivery):
    """The exact bytes sent (and signed)."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _post(url, body, headers):
    """(status, error, retryable): status None when no HTTP answer came back."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            response.read(1024)
            return response.status, "", False
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}", exc.code >= 500 or exc.code == 429
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, str(reason) or type(reason).__name__, not isinstance(reason, BlockedAddress)


def webhook_deliver(*, delivery_id, final=False, now=None):
    """Make one attempt at DELIVERY_ID; returns the delivery.

    Raises WebhookRetryableError when the attempt failed in a way that can pass and FINAL is false; otherwise
    a failure is final: the delivery is marked failed and counts towards disabling the subscription.
    """
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery  # already settled by an earlier run of the task
    subscription = delivery.subscription
    if not subscription.active:
        _settle(delivery, WebhookDelivery.Status.FAILED, now, last_error="Subscription is disabled")
        return delivery
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Meridian-Event": delivery.event,
        "Meridian-Delivery": str(delivery.pk),
        HEADER: signature_header(subscription.secret, body),
    }
    started = time.monotonic()
    status, error, retryable = _post(subscription.url, body, headers)
    elapsed = int((time.monotonic() - started) * 1000)
    result = {"attempts": F("attempts") + 1, "response_status": status, "response_ms": elapsed, "last_error": error}
    if status is not None and 200 <= status < 300:
        _settle(delivery, WebhookDelivery.Status.OK, now, **result)
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failure_count=0)
        return delivery
    if retryable and not final:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(**result)
        raise WebhookRetryableError(error)
    if _settle(delivery, WebhookDelivery.Status.FAILED, now, **result):
        _count_failure(subscription, now)
    return delivery


def _settle(delivery, status, now, **fields):
    """Conditional on still pending, so two runs of one task settle a delivery once."""
    now = now or timezone.now()
    done = WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        status=status, delivered_at=now if status == WebhookDelivery.Status.OK else None, **fields
    )
    delivery.refresh_from_db()
    return done


def _count_failure(subscription, now):
    now = now or timezone.now()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.failure_count += 1
        fields = ["failure_count"]
        if subscription.active and subscription.failure_count >= DISABLE_AFTER:
            subscription.active, subscription.disabled_at = False, now
            fields += ["active", "disabled_at"]
            audit_record(
                action=AuditAction.ADMIN_ACTION,
                summary=f"Webhook {subscription.pk} to {subscription.url} disabled after "
                f"{subscription.failure_count} consecutive failed deliveries",
                object_type=WebhookSubscription._meta.label_lower,
                object_id=subscription.pk,
                details={"failure_count": subscription.failure_count},
            )
        subscription.save(update_fields=fields)
    return subscription


STALE_AFTER = dt.timedelta(minutes=15)  # longer than the whole retry chain (about two minutes)


def webhook_deliveries_resend_stale(*, now, batch_size=200):
    """Send again deliveries still pending long after they were logged: their message was lost (the broker was
    down at commit, or a worker died). Delivery is at least once; receivers drop repeats by the delivery id."""
    from .tasks import webhook_deliver_task

    stale = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, created_at__lt=now - STALE_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for pk in stale:
        webhook_deliver_task.delay(str(pk))
    return len(stale)
