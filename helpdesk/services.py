from django.db import transaction
from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name):
    """Note that NAME (the worker, via the scheduler) is alive now."""
    with transaction.atomic():
        Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def user_set_time_zone(*, user, time_zone, actor):
    user.time_zone = time_zone
    user.full_clean(validate_unique=False, exclude=["password"])
    user.save(update_fields=["time_zone"])
