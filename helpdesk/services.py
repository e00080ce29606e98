from django.db import transaction
from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name):
    """Note that NAME (the worker, via the scheduler) is alive now."""
    with transaction.atomic():
        Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def user_set_preferences(*, user, time_zone, email_notifications, actor):
    """The viewer's own settings: the zone times are shown in, and whether notifications also come by email."""
    user.time_zone, user.email_notifications = time_zone, email_notifications
    user.full_clean(validate_unique=False, exclude=["password"])
    user.save(update_fields=["time_zone", "email_notifications"])
