from django.db import transaction

from regions.models import RegionStatus


def region_status_changed(sender, region, previous, actor, **kwargs):
    """A region going down hands its open tickets over at once; coming back moves nothing back."""
    if region.status == RegionStatus.DOWN and previous != RegionStatus.DOWN:
        from .tasks import handoff_failover_task

        transaction.on_commit(lambda: handoff_failover_task.delay(region.pk))
