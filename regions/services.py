from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Region, RegionStatus, RegionStatusChange
from .signals import region_status_changed


def region_set_status(*, region, status, reason, actor):
    """Mark a region operational, degraded or down; records who, when and why."""
    status = RegionStatus(status)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the region's status changes."})
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        if locked.status == status:
            raise ValidationError({"status": f"{locked.name} is already {status.label.lower()}."})
        now = timezone.now()
        RegionStatusChange.objects.create(
            region=locked,
            from_status=locked.status,
            to_status=status,
            reason=reason,
            changed_by=actor,
            changed_at=now,
        )
        previous = locked.status
        locked.status, locked.status_reason, locked.status_since = status, reason, now
        locked.save(update_fields=["status", "status_reason", "status_since"])
        transaction.on_commit(
            lambda: region_status_changed.send(sender=Region, region=locked, previous=previous, actor=actor)
        )
    region.status, region.status_reason, region.status_since = locked.status, reason, now
    return locked
