import datetime as dt

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login

from compliance.audit import audit_record
from compliance.models import AuditAction, Role
from tickets.selectors import ticket_get_for

from .forms import IntegrationForm, PreferencesForm, TwoFactorCodeForm
from .security import (
    totp_device_get,
    totp_disable,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_secret,
    totp_verify_login,
    two_factor_available_to,
    vendor_may,
)
from .selectors import health_status, integration_get, integration_list
from .services import integration_create, integration_token_issue, integration_token_revoke, user_set_preferences


@login_required
def home(request):
    """Send each role to its place."""
    role = request.user.role
    if role == Role.ADMIN:
        return redirect("admin:index")
    if role in (Role.AGENT, Role.LEAD) and request.user.has_perm("helpdesk.use_app"):
        return redirect("queue")
    return render(request, "helpdesk/home.html", {"role": role})


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None, initial={"time_zone": user.time_zone, "email_notifications": user.email_notifications}
    )
    if request.method == "POST" and form.is_valid():
        user_set_preferences(user=user, actor=user, **form.cleaned_data)
        messages.success(request, f"Saved. Times are now shown in {form.cleaned_data['time_zone']}.")
        return redirect("preferences")
    return render(request, "helpdesk/preferences.html", {"form": form})


@never_cache
@require_GET
def healthz(request):
    status = health_status()
    return JsonResponse(status, status=200 if status["ok"] else 503)


# ---- Login: lockout, second step, admin login ---------------------------------------------------------------------

TWO_FACTOR_PENDING_KEY = "_meridian_2fa_pending"


class TwoStepLoginView(auth_views.LoginView):
    """The password first; a user with a confirmed authenticator app then gives a code on a second page."""

    def form_valid(self, form):
        user = form.get_user()
        if totp_device_get(user) is None:
            return super().form_valid(form)
        # Not signed in yet: the session only remembers whose password was right, for a few minutes.
        self.request.session[TWO_FACTOR_PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),  # already checked to be on this site
            "at": int(timezone.now().timestamp()),
        }
        return redirect("login-two-factor")


def _pending_two_factor_user(request):
    pending = request.session.get(TWO_FACTOR_PENDING_KEY)
    if not pending:
        return None, None
    age = int(timezone.now().timestamp()) - pending["at"]
    if age > settings.TWO_FACTOR_PENDING_MINUTES * 60:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


@sensitive_post_parameters("otp_token")
@never_cache
def login_two_factor(request):
    """Second step of the login for users with two-factor sign-in: the code from their authenticator app."""
    user, pending = _pending_two_factor_user(request)
    device = totp_device_get(user) if user is not None else None
    if device is None:
        request.session.pop(TWO_FACTOR_PENDING_KEY, None)
        messages.info(request, "Please log in again.")
        return redirect("login")
    credentials = {"username": user.get_username()}
    if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(request, credentials):
        request.session.pop(TWO_FACTOR_PENDING_KEY, None)
        return login_locked_out(request, None, credentials)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, locked_until = totp_verify_login(device=device, token=form.cleaned_data["otp_token"])
        if ok:
            del request.session[TWO_FACTOR_PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            audit_record(
                action=AuditAction.LOGIN,
                actor=user,
                summary=f"{user.get_username()} confirmed the login with a two-factor code",
                object_type=user._meta.label_lower,
                object_id=user.pk,
                details={"2fa": True},
                request=request,
            )
            return HttpResponseRedirect(pending["next"])
        if locked_until is not None:
            wait = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
            form.add_error(None, f"Too many wrong codes. Wait {wait} seconds, then enter the newest code.")
        else:
            # A wrong code is a failed login: audited by compliance, and counted by django-axes for the lockout.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                request.session.pop(TWO_FACTOR_PENDING_KEY, None)
            form.add_error("otp_token", "That code is not right, or was used already. Enter the newest code.")
    return render(request, "registration/login_two_factor.html", {"form": form, "username": user.get_username()})


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): the page says when logging in works again."""
    username = get_client_username(request, credentials) or ""
    cool_off = get_cool_off(request) or dt.timedelta(hours=1)
    last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last or timezone.now()) + cool_off
    minutes = max(1, -(-int((retry_at - timezone.now()).total_seconds()) // 60))
    context = {
        "username": username,
        "retry_at": retry_at,
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
    }
    response = render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(minutes * 60)
    return response


def admin_login(request):
    """Django admin's own login would skip the lockout page and two-factor step: everyone uses ours."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect("admin:index")
        raise Http404  # signed in, but the admin is not theirs: nothing here (and audited)
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


# ---- Two-factor enrolment ----------------------------------------------------------------------------------------


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
def two_factor(request):
    """Admins and leads turn two-factor sign-in on (authenticator app, TOTP) or off; others see nothing here."""
    user = request.user
    if not two_factor_available_to(user):
        raise Http404
    device = totp_device_get(user)
    pending = None if device else totp_device_get(user, confirmed=False)
    form = TwoFactorCodeForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start" and device is None:
        totp_enrol_start(user=user, actor=user)
        return redirect("two-factor")
    if action in ("confirm", "disable"):
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            token = form.cleaned_data["otp_token"]
            if action == "confirm":
                done = pending is not None and totp_enrol_confirm(user=user, token=token, actor=user, request=request)
                message = "Two-factor sign-in is on. From your next login on, Meridian asks for a code."
            else:
                done = device is not None and totp_disable(user=user, token=token, actor=user, request=request)
                message = "Two-factor sign-in is off."
            if done:
                messages.success(request, message)
                return redirect("two-factor")
            form.add_error("otp_token", "That code is not right, or was used already. Enter the newest code.")
    context = {"device": device, "pending": pending, "form": form}
    if pending is not None:
        context.update(otpauth_uri=pending.config_url, secret=totp_secret(pending), qr=_qr_data_uri(pending))
    return render(request, "helpdesk/two_factor.html", context)


def _qr_data_uri(device):
    """The otpauth:// URI as a QR code image (SVG data URI: CSP allows data: images, and nothing is inline)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def integrations(request):
    """Admins: integration accounts and their API tokens. A new key is shown once, in the answer to the POST."""
    if request.user.role != Role.ADMIN:
        raise Http404
    form = IntegrationForm(request.POST if request.POST.get("action") == "create" else None)
    issued, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            if form.is_valid():
                issued = integration_create(username=form.cleaned_data["username"], actor=request.user)
                form = IntegrationForm()
            else:
                status = 400
        elif action in {"issue", "revoke"}:
            account = integration_get(request.POST.get("account") or 0)
            if action == "issue":
                issued = integration_token_issue(user=account, actor=request.user)
            else:
                integration_token_revoke(user=account, actor=request.user)
                messages.success(request, f"The token of {account.username} is revoked; calls with it now get 401.")
                return redirect("integrations")
        else:
            return HttpResponseBadRequest("Unknown action.")
    context = {"form": form, "accounts": integration_list(), "issued": issued}
    return render(request, "helpdesk/integrations.html", context, status=status)


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    """A customer's file, to an agent who may see the ticket (else 404) and whose vendor tier may download files
    (settings.VENDOR_RESTRICTIONS); each download is in the audit log."""
    if not request.user.has_perm("helpdesk.use_app") or not vendor_may(request.user, "attachment_download"):
        raise Http404
    ticket = ticket_get_for(request.user, pk)
    attachment = get_object_or_404(ticket.attachments, pk=attachment_pk)
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        summary=f"{request.user.get_username()} downloaded {attachment.name} of {ticket.reference}",
        object_type=attachment._meta.label_lower,
        object_id=attachment.pk,
        request=request,
    )
    # Always a download, never shown inline: a customer's HTML file must not run as a page of ours.
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
