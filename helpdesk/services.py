from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from compliance.audit import audit_record
from compliance.models import AuditAction, Role
from compliance.services import role_grant

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


def _token_audit(user, actor, what):
    audit_record(
        action=AuditAction.PERMISSION_CHANGE,
        actor=actor,
        summary=f"API token of {user.get_username()} {what}",
        object_type=Token._meta.label_lower,
        object_id=user.pk,
    )


def integration_create(*, username, actor):
    """A new integration account (API only: it cannot log in to the browser) and its token; returns the token."""
    with transaction.atomic():
        user = get_user_model()(username=username)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        role_grant(user=user, role=Role.INTEGRATION)
        token = Token.objects.create(user=user)
        _token_audit(user, actor, "issued with the new integration account")
    return token


def integration_token_issue(*, user, actor):
    """A new token for integration USER; the old one, if any, stops working at once."""
    with transaction.atomic():
        revoked = Token.objects.filter(user=user).delete()[0]
        token = Token.objects.create(user=user)
        _token_audit(user, actor, "replaced" if revoked else "issued")
    return token


def integration_token_revoke(*, user, actor):
    """USER's token stops working; the account stays, without a token."""
    with transaction.atomic():
        if Token.objects.filter(user=user).delete()[0]:
            _token_audit(user, actor, "revoked")
