from django.db import transaction

from regions.models import RegionStatus


def region_status_changed(sender, region, previous, actor, **kwargs):
    """A region going down hands its open tickets over at once; coming back moves nothing back."""
    if region.status == RegionStatus.DOWN and previous != RegionStatus.DOWN:
        from .tasks import handoff_failover_task

        transaction.on_commit(lambda: handoff_failover_task.delay(region.pk))


def tickets_anonymised(sender, ticket_ids, reason, **kwargs):
    """Retention or erasure reached these tickets: the handoff records' copies of their text go too."""
    from .models import Briefing, Handoff

    Handoff.objects.filter(ticket_id__in=ticket_ids).update(next_action_snapshot="")
    wanted = set(ticket_ids)
    for briefing in Briefing.objects.all().only("pk", "content"):
        content, changed = briefing.content, False
        for rows in content.values():
            if isinstance(rows, list):
                for row in rows:
                    if isinstance(row, dict) and row.get("id") in wanted and row.get("subject") != "[removed]":
                        row["subject"], changed = "[removed]", True
        if changed:
            Briefing.objects.filter(pk=briefing.pk).update(content=content)
