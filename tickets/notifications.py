"""Notifications reach an agent within their shift; urgent ones go to a lead on shift instead of waiting."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from compliance.masking import CUSTOMER_FIELDS, mask, viewer_for
from helpdesk.rows import row_insert
from regions.cache import memoized
from regions.models import Team
from regions.selectors import team_next_boundary, team_on_shift, team_with_shifts

from .models import Notification


def _delivery_time(user, now):
    """NOW if USER is on shift (or has no shift pattern); else when their team's next shift starts."""
    agent = memoized(("agent", user.pk), lambda: getattr(user, "agent", None))
    if agent is None:
        return now
    team = team_with_shifts(agent.team_id)
    if team_on_shift(team, now):
        return now
    boundary = team_next_boundary(team, now)
    return boundary[0] if boundary else now


def leads_on_shift(team, tier, now):
    """The leads of TEAM if it is on shift, else of the first other team of TIER that is (who covers for it)."""
    teams = [team] if team is not None else []
    teams += list(Team.objects.filter(tier=tier).exclude(pk=team.pk if team else None))
    for team in teams:
        if team_on_shift(team_with_shifts(team.pk), now):
            leads = list(team.leads.all())
            if leads:
                return leads
    return []


def text_for(recipient, ticket, text):
    """TEXT as RECIPIENT may read it: the customer's personal values in it masked by RECIPIENT's PII policy.

    Notification texts are stored and emailed, so a time-limited reveal never applies to them.
    """
    if ticket is None or not text:
        return text
    customer = ticket.customer
    viewer = None  # read only when a personal value is in the text
    values = sorted(((getattr(customer, a) or "", f) for a, f in CUSTOMER_FIELDS.items()), key=lambda v: -len(v[0]))
    for value, field in values:
        if len(value) > 1 and value in text:
            viewer = viewer or memoized(("notification_viewer", recipient.pk), lambda: viewer_for(recipient))
            shown = mask(viewer, field, value, customer_zone=customer.residency_zone)
            text = text.replace(value, shown.text)
    return text


def notification_create(*, recipient, ticket, kind, text, now, urgent=False, lead_team=None):
    """Queue a notification for RECIPIENT's shift; urgent and off shift: a lead on shift gets it now, of LEAD_TEAM
    (or the team covering for it) when given, else of the ticket's team (or the team covering for it)."""
    deliver_at = _delivery_time(recipient, now)
    recipients = [(recipient, deliver_at)]
    if urgent and deliver_at > now:
        if lead_team is not None:
            leads = leads_on_shift(lead_team, lead_team.tier, now)
        else:
            leads = leads_on_shift(ticket.team if ticket.team_id else None, ticket.tier, now)
        recipients = [(lead, now) for lead in leads] or recipients
    for user, at in recipients:
        said = text if user == recipient else f"Urgent, {recipient.get_full_name()} is off shift: {text}"
        row_insert(
            Notification(
                recipient=user,
                ticket=ticket,
                kind=kind,
                text=text_for(user, ticket, said)[:300],
                urgent=urgent,
                created_at=now,
                deliver_at=at,
            )
        )


def notice_create(*, recipients, kind, text, url, now):
    """An escalation about many tickets (a blocked handoff run, a briefing nobody acknowledged), delivered now."""
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, text=text, url=url, urgent=True, created_at=now, deliver_at=now)
        for user in recipients
    )


def notifications_deliver_due(*, now, batch_size=500):
    """Mark due notifications delivered and email those whose recipient asked for email. Returns the count."""
    delivered = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "ticket")
                .filter(delivered_at__isnull=True, deliver_at__lte=now)
                .order_by("deliver_at")[:batch_size]
            )
            ids = [n.pk for n in batch]
            Notification.objects.filter(pk__in=ids).update(delivered_at=now)
            to_email = [n.pk for n in batch if n.recipient.email_notifications and n.recipient.email]
            if to_email:
                transaction.on_commit(lambda ids=to_email: _email_task().delay(ids))
        delivered += len(batch)
        if len(batch) < batch_size:
            return delivered


def _email_task():
    from .tasks import notifications_email_task

    return notifications_email_task


def notifications_email(*, ids, now):
    """Send the email copy of each delivered notification once."""
    for notification in Notification.objects.select_related("recipient", "ticket__customer").filter(
        pk__in=ids, emailed_at__isnull=True
    ):
        path = f"/tickets/{notification.ticket_id}/" if notification.ticket_id else notification.url
        # Masked again as the policy stands now: it may have tightened since the notification was queued.
        text = text_for(notification.recipient, notification.ticket, notification.text)
        send_mail(
            subject=f"[Meridian] {text}",
            message=f"{text}\n\nOpen it in Meridian: {settings.SITE_URL}{path}",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        Notification.objects.filter(pk=notification.pk).update(emailed_at=now)
