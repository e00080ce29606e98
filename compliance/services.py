import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from regions.models import ResidencyZone

from .audit import audit_record
from .masking import viewer_for
from .models import (
    DEFAULT_RETENTION_DAYS,
    ROLE_PERMISSIONS,
    Anonymisation,
    AuditAction,
    AuditEntry,
    ErasureRequest,
    ErasureStatus,
    PiiField,
    PiiReveal,
    RetentionPolicy,
    Role,
    Treatment,
)


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


def pii_reveal(*, user, customer_id, field, reason, customer_zone=None, request=None, now=None):
    """Let USER see FIELD of one customer (of residency CUSTOMER_ZONE) unmasked for REVEAL_MINUTES, for a stated
    reason; audited. A field masked by residency, not by role, is never revealed: no reason makes that lawful."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you need to see this value."})
    viewer = viewer_for(user)
    if not viewer.can_reveal:
        raise PermissionDenied("You may not reveal personal data.")
    if viewer.treatments[PiiField(field)] == Treatment.HIDDEN:
        raise PermissionDenied("This field is hidden for your role and cannot be revealed.")
    if (
        viewer.treatments[PiiField(field)] == Treatment.FULL
        and viewer.treatment(field, customer_zone) != Treatment.FULL
    ):
        raise PermissionDenied(f"{customer_zone} customer data may not be shown unmasked in your region.")
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


# ---- Retention and erasure ----------------------------------------------------------------------------------------


def retention_days(zone):
    """Days solved and closed tickets of customers in ZONE are kept: the admin's policy, else the default."""
    days = RetentionPolicy.objects.filter(residency_zone=zone).values_list("days", flat=True).first()
    return days if days is not None else DEFAULT_RETENTION_DAYS[ResidencyZone(zone)]


def anonymisations_record(*, object_type, object_ids, at, reason):
    """Record that OBJECT_IDS of OBJECT_TYPE were anonymised AT (a later run of the same object moves the date on)."""
    if not object_ids:
        return
    Anonymisation.objects.bulk_create(
        [Anonymisation(object_type=object_type, object_id=pk, at=at, reason=reason) for pk in object_ids],
        update_conflicts=True,
        unique_fields=["object_type", "object_id"],
        update_fields=["at", "reason"],
    )


def audit_mentions_count(*, text):
    """How many audit entries mention TEXT (a customer's email) in their summary or details.

    Entries cannot be changed, so an erasure reports this number; audit_record callers store ids, not emails.
    """
    if not text:
        return 0
    return AuditEntry.objects.filter(Q(summary__icontains=text) | Q(details__icontains=text)).count()


def _is_admin(user):
    return user is not None and getattr(user, "role", None) == Role.ADMIN


def erasure_request_check(*, customer_id, reason):
    """Refuse an erasure request without a reason, or for a customer who already has one open."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the data is to be erased (e.g. the customer's email of 3 May)."})
    open_statuses = [ErasureStatus.REQUESTED, ErasureStatus.APPROVED]
    if ErasureRequest.objects.filter(customer_id=customer_id, status__in=open_statuses).exists():
        raise ValidationError({"customer_id": f"Customer {customer_id} already has an open erasure request."})


def erasure_request(*, customer_id, reason, actor):
    """Ask for the erasure of one customer's data; an admin other than ACTOR must approve it. Audited."""
    if getattr(actor, "role", None) not in (Role.ADMIN, Role.LEAD):
        raise PermissionDenied("Only admins and leads may ask for an erasure.")
    reason = (reason or "").strip()
    with transaction.atomic():
        erasure_request_check(customer_id=customer_id, reason=reason)
        request = ErasureRequest.objects.create(customer_id=customer_id, reason=reason, requested_by=actor)
        # Ids only: the audit log is append-only and so must never hold what an erasure removes.
        audit_record(
            action=AuditAction.ERASURE,
            actor=actor,
            summary=f"Erasure #{request.pk} of customer {customer_id} requested",
            object_type=ErasureRequest._meta.label_lower,
            object_id=request.pk,
            details={"customer_id": customer_id, "status": request.status},
        )
    return request


def _erasure_decide(*, request, actor, status, now=None):
    now = now or timezone.now()
    if not _is_admin(actor):
        raise PermissionDenied("Only an admin may approve or reject an erasure.")
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ErasureStatus.REQUESTED:
            raise ValidationError(f"Erasure #{request.pk} is {request.get_status_display().lower()}, not requested.")
        if request.requested_by_id == actor.pk:
            raise ValidationError("Another admin must decide on an erasure you asked for.")
        request.status, request.approved_by, request.approved_at = status, actor, now
        request.save(update_fields=["status", "approved_by", "approved_at"])
        verb = "approved" if status == ErasureStatus.APPROVED else "rejected"
        audit_record(
            action=AuditAction.ERASURE,
            actor=actor,
            summary=f"Erasure #{request.pk} of customer {request.customer_id} {verb}",
            object_type=ErasureRequest._meta.label_lower,
            object_id=request.pk,
            details={"customer_id": request.customer_id, "status": request.status},
        )
    return request


def erasure_approve(*, request, actor, now=None):
    """An admin who did not ask for it approves the erasure; the tickets app then carries it out."""
    return _erasure_decide(request=request, actor=actor, status=ErasureStatus.APPROVED, now=now)


def erasure_reject(*, request, actor, now=None):
    return _erasure_decide(request=request, actor=actor, status=ErasureStatus.REJECTED, now=now)


def erasure_complete(*, request, report, actor=None, now=None):
    """Mark an approved erasure done with REPORT (counts and field names only), in the caller's transaction."""
    now = now or timezone.now()
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureStatus.APPROVED:
        raise ValidationError(f"Erasure #{request.pk} is {request.get_status_display().lower()}, not approved.")
    request.status, request.done_at, request.report = ErasureStatus.DONE, now, report
    request.save(update_fields=["status", "done_at", "report"])
    audit_record(
        action=AuditAction.ERASURE,
        actor=actor,
        summary=f"Erasure #{request.pk} of customer {request.customer_id} carried out",
        object_type=ErasureRequest._meta.label_lower,
        object_id=request.pk,
        details={"customer_id": request.customer_id, "report": report},
    )
    return request


def pii_policy_set(*, field, audience, treatment, actor, request=None):
    """Set how FIELD is shown to AUDIENCE (TREATMENT None: back to the default); audited. Returns the effect."""
    from .models import DEFAULT_TREATMENTS, Audience, PiiPolicy

    field, audience = PiiField(field), Audience(audience)
    treatment = Treatment(treatment) if treatment else None
    default = DEFAULT_TREATMENTS[(field, audience)]
    with transaction.atomic():
        row = PiiPolicy.objects.select_for_update().filter(field=field, audience=audience).first()
        before = Treatment(row.treatment) if row else None
        if before == treatment:
            return treatment or default
        if treatment is None:
            row.delete()
        elif row is None:
            PiiPolicy.objects.create(field=field, audience=audience, treatment=treatment)
        else:
            row.treatment = treatment
            row.save(update_fields=["treatment"])
        was, now = (before or default), (treatment or default)
        audit_record(
            action=AuditAction.POLICY_CHANGE,
            actor=actor,
            summary=(
                f"PII policy: {field.label} for {audience.label} {was.label.lower()} → {now.label.lower()}"
                + (" (back to the default)" if treatment is None else "")
            ),
            object_type="compliance.piipolicy",
            object_id=f"{field.value}:{audience.value}",
            details={
                "field": field.value,
                "audience": audience.value,
                "before": before.value if before else "default",
                "after": treatment.value if treatment else "default",
                "effective_before": was.value,
                "effective_after": now.value,
            },
            request=request,
        )
    return treatment or default
