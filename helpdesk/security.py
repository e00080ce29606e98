"""Account security: vendor restrictions and optional TOTP two-factor sign-in (docs/security.md)."""

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from compliance.audit import audit_record
from compliance.masking import audience_for
from compliance.models import Audience, AuditAction, Role

# ---- Vendor restrictions -------------------------------------------------------------------------------------------

# What settings.VENDOR_RESTRICTIONS can refuse; naming anything else is a mistake, not a new permission.
VENDOR_ACTIONS = ("bulk_export", "attachment_download")
_VENDOR_TIERS = {Audience.VENDOR_T1: 1, Audience.VENDOR_T2: 2, Audience.VENDOR_T3: 3}


def vendor_may(user, action):
    """False when USER is an outsourced (BPO) agent whose tier settings.VENDOR_RESTRICTIONS refuses ACTION.

    Apply it on top of the usual permission and scope checks wherever ACTION happens (page, API, task), e.g.
    `if not vendor_may(request.user, "bulk_export"): raise Http404`. It decides nothing for anyone else.
    Whom compliance treats as a vendor agent of which tier (compliance.masking.audience_for) decides here too,
    so an account with no agent record counts as vendor Tier 1, the strictest.
    """
    if action not in VENDOR_ACTIONS:
        raise ValueError(f"Unknown vendor action {action!r}; expected one of {', '.join(VENDOR_ACTIONS)}")
    if user is None or not user.is_authenticated:
        return False
    if user.role in (Role.ADMIN, Role.LEAD, Role.INTEGRATION):
        return True
    tier = _VENDOR_TIERS.get(audience_for(user))
    if tier is None:  # in-house agent
        return True
    return bool(settings.VENDOR_RESTRICTIONS.get(f"tier{tier}_{action}", True))


# ---- Two-factor sign-in (TOTP) -------------------------------------------------------------------------------------

TWO_FACTOR_ROLES = (Role.ADMIN, Role.LEAD)
DEVICE_NAME = "Authenticator app"


def two_factor_available_to(user):
    return user.is_authenticated and user.role in TWO_FACTOR_ROLES


def totp_device_get(user, *, confirmed=True):
    """The user's confirmed TOTP device (or the one being set up, with confirmed=False), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def totp_secret(device):
    """The base32 secret people type into an authenticator app."""
    return b32encode(device.bin_key).decode("ascii")


def totp_enrol_start(*, user, actor):
    """A fresh unconfirmed device for USER; an earlier unfinished setup is dropped. Nothing changes yet."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_enrol_confirm(*, user, token, actor, request=None):
    """Turn two-factor sign-in on when TOKEN comes from the device being set up; audited. Returns success."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or not device.verify_token(token):
            return False
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            action=AuditAction.PERMISSION_CHANGE,
            actor=actor,
            summary=f"Two-factor sign-in turned on for {user.get_username()}",
            object_type=user._meta.label_lower,
            object_id=user.pk,
            details={"2fa": "enabled", "username": user.get_username()},
            request=request,
        )
        return True


def totp_disable(*, user, token, actor, request=None):
    """Turn two-factor sign-in off, proven by a current code (a borrowed session is not enough); audited."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is None or not device.verify_token(token):
            return False
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            action=AuditAction.PERMISSION_CHANGE,
            actor=actor,
            summary=f"Two-factor sign-in turned off for {user.get_username()}",
            object_type=user._meta.label_lower,
            object_id=user.pk,
            details={"2fa": "disabled", "username": user.get_username()},
            request=request,
        )
        return True


def totp_verify_login(*, device, token):
    """(ok, locked_until): whether TOKEN is a fresh code of DEVICE; after wrong codes django-otp makes one wait
    (1, 2, 4... seconds) and LOCKED_UNTIL says until when."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until")
        return False, locked_until
    return device.verify_token(token), None
