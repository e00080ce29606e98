"""Signal receivers: lower apps announce what happened (after commit); these turn it into webhook events."""

import functools
import logging

from .services import handoff_summary, region_summary, ticket_summary, webhook_event_emit

logger = logging.getLogger(__name__)


def _robust(receiver):
    """The change has committed already: a webhook problem is logged, never raised into the caller."""

    @functools.wraps(receiver)
    def wrapper(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
        except Exception:
            logger.exception("webhook event from %s not logged", receiver.__name__)

    return wrapper


@_robust
def on_ticket_changed(sender, ticket, event, **kwargs):
    webhook_event_emit(event=event, data=lambda: {"ticket": ticket_summary(ticket)})


@_robust
def on_sla_breached(sender, ticket, target, at=None, **kwargs):
    webhook_event_emit(event="sla.breached", data=lambda: {"ticket": ticket_summary(ticket), "target": target}, now=at)


@_robust
def on_handoff_finished(sender, run, **kwargs):
    data = {"run": handoff_summary(run)}
    webhook_event_emit(event="handoff.completed", data=data)
    if run.blocked:
        webhook_event_emit(event="handoff.blocked", data=data)


@_robust
def on_region_status_changed(sender, region, previous, actor=None, **kwargs):
    webhook_event_emit(event="region.status_changed", data={"region": region_summary(region, previous)})


def connect():
    from handoff.signals import handoff_finished
    from regions.signals import region_status_changed
    from tickets.signals import sla_breached, ticket_changed

    from . import tasks  # noqa: F401  (registers the delivery task with the worker)

    ticket_changed.connect(on_ticket_changed, dispatch_uid="helpdesk.webhooks.ticket")
    sla_breached.connect(on_sla_breached, dispatch_uid="helpdesk.webhooks.sla")
    handoff_finished.connect(on_handoff_finished, dispatch_uid="helpdesk.webhooks.handoff")
    region_status_changed.connect(on_region_status_changed, dispatch_uid="helpdesk.webhooks.region")
