"""The audit log: its one write path, the reads the page, CSV export and API share, and the signal receivers.

Entries are append-only: AuditEntry refuses save() of an existing row and delete(), its queryset refuses
update()/delete(), the admin is read-only and on PostgreSQL a trigger refuses UPDATE and DELETE.
"""

import contextlib
import contextvars
import ipaddress

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.db.models import Q, signals

from .models import AuditAction, AuditEntry, ResidencyRestriction

ANONYMOUS = "anonymous"
SYSTEM = "system"

# The request being served, so receivers that are not handed one (m2m_changed when an admin edits
# a user's groups) still record who did it and from where. Set by AuditRequestMiddleware.
_current_request = contextvars.ContextVar("audit_request", default=None)


class AuditRequestMiddleware:
    """Lets audit_record() find the acting user and IP when a signal receiver has no request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


@contextlib.contextmanager
def audit_request(request):
    """Attribute audit entries written inside the block to REQUEST (for code run outside the middleware)."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def _ip(request):
    value = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _one_line(text, limit):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_record(*, action, actor=None, summary, object_type="", object_id="", details=None, request=None):
    """Append one entry to the audit log, in the caller's transaction. The only way entries are written.

    Without ACTOR the request's signed-in user is the actor; without either the entry is by "anonymous" when
    there is a request (a failed login) and by "system" when there is none (a task, a command).
    """
    request = request if request is not None else _current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor.get_username()
    else:
        actor = None
        label = ANONYMOUS if request is not None else SYSTEM
    return AuditEntry.objects.create(
        action=AuditAction(action),
        actor=actor,
        actor_label=label,
        summary=_one_line(summary, AuditEntry._meta.get_field("summary").max_length),
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
        ip=_ip(request) if request is not None else None,
    )


# ---- Reads ------------------------------------------------------------------------------------------------------


def audit_entry_list(*, action=None, actor=None, object_type=None, since=None, until=None):
    """Entries newest first, filtered; every filter is served by an index that ends in `at`."""
    entries = AuditEntry.objects.order_by("-at", "-id")
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_label=actor)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries


def audit_entries_older_than(entries, *, at, pk):
    """Keyset page: the entries after (at, pk) in newest-first order; no OFFSET, no count."""
    return entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))


# ---- Signal receivers (connected in ComplianceConfig.ready) -------------------------------------------------------


def _label(model_or_instance):
    return model_or_instance._meta.label_lower


def on_user_logged_in(sender, request, user, **kwargs):
    audit_record(
        action=AuditAction.LOGIN,
        actor=user,
        summary=f"{user.get_username()} logged in",
        object_type=_label(user),
        object_id=user.pk,
        request=request,
    )


def on_user_logged_out(sender, request, user, **kwargs):
    if user is None:  # logging out without a session: nothing happened
        return
    audit_record(
        action=AuditAction.LOGOUT,
        actor=user,
        summary=f"{user.get_username()} logged out",
        object_type=_label(user),
        object_id=user.pk,
        request=request,
    )


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    # Only the username is kept; Django has already masked the password, and we do not store even that.
    username = _one_line(credentials.get("username") or "", 150)
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        summary=f"Failed login as “{username}”",
        details={"username": username},
        request=request,
    )


def on_user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Roles are groups: record every grant and removal, one entry per user."""
    if action == "pre_clear":
        # post_clear is not told what was removed; remember it now.
        related = instance.user_set if reverse else instance.groups
        instance._audit_cleared = set(related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        pk_set = instance.__dict__.pop("_audit_cleared", set())
    if not pk_set:
        return
    change, preposition = ("granted", "to") if action == "post_add" else ("removed", "from")
    if reverse:  # group.user_set.add(...): the instance is the group, pk_set holds users
        pairs = [(user, [instance.name]) for user in model.objects.filter(pk__in=pk_set).order_by("pk")]
    else:
        pairs = [(instance, sorted(model.objects.filter(pk__in=pk_set).values_list("name", flat=True)))]
    for user, groups in pairs:
        noun = "Role" if len(groups) == 1 else "Roles"
        audit_record(
            action=AuditAction.PERMISSION_CHANGE,
            summary=f"{noun} {', '.join(groups)} {change} {preposition} {user.get_username()}",
            object_type=_label(user),
            object_id=user.pk,
            details={"change": change, "groups": groups, "username": user.get_username()},
        )


def _restriction_values(restriction):
    return {"data_zone": restriction.data_zone, "handling_zone": restriction.handling_zone, "note": restriction.note}


def on_restriction_pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    before = ResidencyRestriction.objects.filter(pk=instance.pk).first()
    instance._audit_before = _restriction_values(before) if before else None


def on_restriction_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # loaddata
        return
    before = instance.__dict__.pop("_audit_before", None)
    after = _restriction_values(instance)
    details = {"after": after} if created else {"before": before, "after": after}
    audit_record(
        action=AuditAction.POLICY_CHANGE,
        summary=f"Residency restriction {'added' if created else 'changed'}: {instance}",
        object_type=_label(ResidencyRestriction),
        object_id=instance.pk,
        details=details,
    )


def on_restriction_deleted(sender, instance, **kwargs):
    audit_record(
        action=AuditAction.POLICY_CHANGE,
        summary=f"Residency restriction removed: {instance}",
        object_type=_label(ResidencyRestriction),
        object_id=instance.pk,
        details={"before": _restriction_values(instance)},
    )


def on_region_status_change(sender, instance, created, raw=False, **kwargs):
    """regions.RegionStatusChange rows are written by region_set_status, in its transaction."""
    if raw or not created:
        return
    audit_record(
        action=AuditAction.REGION_STATUS,
        actor=instance.changed_by,
        summary=f"Region {instance.region.code} {instance.from_status} → {instance.to_status}: {instance.reason}",
        object_type="regions.region",
        object_id=instance.region_id,
        details={"from": instance.from_status, "to": instance.to_status, "reason": instance.reason},
    )


def connect_signals():
    auth_signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="compliance.audit.login")
    auth_signals.user_logged_out.connect(on_user_logged_out, dispatch_uid="compliance.audit.logout")
    auth_signals.user_login_failed.connect(on_user_login_failed, dispatch_uid="compliance.audit.login_failed")
    signals.m2m_changed.connect(
        on_user_groups_changed, sender=get_user_model().groups.through, dispatch_uid="compliance.audit.groups"
    )
    signals.pre_save.connect(
        on_restriction_pre_save, sender=ResidencyRestriction, dispatch_uid="compliance.audit.restriction_pre"
    )
    signals.post_save.connect(
        on_restriction_saved, sender=ResidencyRestriction, dispatch_uid="compliance.audit.restriction_saved"
    )
    signals.post_delete.connect(
        on_restriction_deleted, sender=ResidencyRestriction, dispatch_uid="compliance.audit.restriction_deleted"
    )
    if apps.is_installed("regions"):
        signals.post_save.connect(
            on_region_status_change,
            sender="regions.RegionStatusChange",
            dispatch_uid="compliance.audit.region_status",
        )
