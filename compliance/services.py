import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .masking import viewer_for
from .models import ROLE_PERMISSIONS, AuditAction, PiiField, PiiReveal, Role, Treatment


def _permissions_for(role):
    if role == Role.ADMIN:
        return list(Permission.objects.all())
    wanted = ROLE_PERMISSIONS.get(role, [])
    found = []
    for dotted in wanted:
        app_label, codename = dotted.split(".")
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


def roles_sync():
    """Create one group per role and set exactly the role's permissions."""
    with transaction.atomic():
        for role in Role:
            group, _ = Group.objects.get_or_create(name=role.label)
            group.permissions.set(_permissions_for(role))


def roles_sync_from_signal(sender, **kwargs):
    # Each app's permissions are created by its own post_migrate call, so sync
    # after every app; the work is a handful of small queries.
    roles_sync()


def role_grant(*, user, role, actor=None):
    """Give USER the role's group; admins also get access to the Django admin."""
    with transaction.atomic():
        user.groups.add(Group.objects.get(name=Role(role).label))
        if role == Role.ADMIN and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])


REVEAL_MINUTES = 15


def pii_reveal(*, user, customer_id, field, reason, request=None, now=None):
    """Let USER see FIELD of one customer unmasked for REVEAL_MINUTES, for a stated reason; audited."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you need to see this value."})
    viewer = viewer_for(user)
    if not viewer.can_reveal:
        raise PermissionDenied("You may not reveal personal data.")
    if viewer.treatments[PiiField(field)] == Treatment.HIDDEN:
        raise PermissionDenied("This field is hidden for your role and cannot be revealed.")
    with transaction.atomic():
        reveal = PiiReveal.objects.create(
            user=user,
            customer_id=customer_id,
            field=field,
            reason=reason,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=REVEAL_MINUTES),
        )
        audit_record(
            action=AuditAction.PII_REVEAL,
            actor=user,
            summary=f"Revealed {PiiField(field).label.lower()} of customer {customer_id}: {reason}",
            object_type="customer",
            object_id=str(customer_id),
            details={"field": field, "reason": reason, "until": reveal.expires_at.isoformat()},
            request=request,
        )
    user.__dict__.pop("_pii_viewer", None)
    return reveal
