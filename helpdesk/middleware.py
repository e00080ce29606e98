import contextvars
import datetime as dt
import gc
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect

from compliance.audit import audit_record
from compliance.models import AuditAction, AuditEntry


class ViewerTimezoneMiddleware:
    """Render every time in the signed-in viewer's own zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# ---- Security middleware (docs/security.md) -----------------------------------------------------------------------


def _is_static(path):
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(static) or path in ("/favicon.ico", "/robots.txt")


def _signed_in(request):
    # DRF puts the token-authenticated user on the underlying request too, so API calls count.
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class NoStoreForSignedInMiddleware:
    """Nothing a signed-in person is shown may be kept by a browser or a shared cache (PII, vendor rule)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request) and not _is_static(request.path):
            patch_cache_control(response, no_store=True, private=True)
        return response


# Set per request by AccessDeniedAuditMiddleware; a view that audits its own refusal marks it here.
_denial_seen = contextvars.ContextVar("denial_seen", default=None)
# An open page that keeps polling a ticket that left the viewer's scope must not flood the log.
DENIAL_REPEAT_WINDOW = dt.timedelta(minutes=10)


def _note_denial(sender, instance, created, raw=False, **kwargs):
    seen = _denial_seen.get()
    if created and not raw and seen is not None and instance.action == AuditAction.ACCESS_DENIED:
        seen.append(instance.pk)


post_save.connect(_note_denial, sender=AuditEntry, dispatch_uid="helpdesk.middleware.note_denial")


class AccessDeniedAuditMiddleware:
    """Audit every 403 and 404 answered to a signed-in user: refusals and out-of-scope lookups (404 by design).

    Views that already audit their own refusal (the audit log) are not recorded twice, and the same refusal
    of the same path to the same user is recorded once per DENIAL_REPEAT_WINDOW.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen = []
        token = _denial_seen.set(seen)
        try:
            response = self.get_response(request)
        finally:
            _denial_seen.reset(token)
        if response.status_code in (403, 404) and not seen and _signed_in(request) and not _is_static(request.path):
            self._record(request, response.status_code)
        return response

    def _record(self, request, status):
        user = request.user
        # The path only: query strings can carry search terms, i.e. personal data.
        summary = f"{user.get_username()} was refused {request.method} {request.path} ({status})"
        recent = AuditEntry.objects.filter(
            actor=user,
            action=AuditAction.ACCESS_DENIED,
            at__gte=timezone.now() - DENIAL_REPEAT_WINDOW,
            summary=summary,
        )
        if recent.exists():
            return
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            summary=summary,
            details={"method": request.method, "path": request.path, "status": status},
            request=request,
        )


SESSION_STARTED_KEY = "_meridian_session_started"
SESSION_SEEN_KEY = "_meridian_session_seen"
# How often the last-seen instant is written: finer would write the session on every request.
SESSION_SEEN_RESOLUTION = 300


def _stamp_session(sender, request, user, **kwargs):
    """Every login starts both clocks, written with the login itself (no extra write on the next request)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(timezone.now().timestamp())
        session[SESSION_STARTED_KEY] = now
        session[SESSION_SEEN_KEY] = now


# Connected when the middleware is loaded, i.e. before the first request, and so before any login.
user_logged_in.connect(_stamp_session, dispatch_uid="helpdesk.middleware.stamp_session")


class SessionTimeoutMiddleware:
    """Sign out after settings.SESSION_IDLE_TIMEOUT without activity, or SESSION_COOKIE_AGE after login.

    The cookie's age alone would slide with every session write; this keeps the 12 hours absolute. Only what a
    person does counts as activity: htmx requests (live rows, presence pings, polling) do not keep a session
    alive. Token-authenticated API calls have no session and are not concerned.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None:
            now = int(timezone.now().timestamp())
            started = session.get(SESSION_STARTED_KEY)
            seen = session.get(SESSION_SEEN_KEY)
            # A session from before this middleware has no clocks; the session's own expiry still ends it.
            idle = seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT
            too_old = started is not None and now - started > settings.SESSION_COOKIE_AGE
            if idle or too_old:
                response = self._sign_out(request, idle=idle)
                if response is not None:
                    return response
            elif (
                seen is not None
                and now - seen >= SESSION_SEEN_RESOLUTION
                and request.headers.get("HX-Request") != "true"
            ):
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)

    def _sign_out(self, request, *, idle):
        """End the session; the request then goes on as an anonymous one (login page, 401 from the API)."""
        logout(request)
        if idle:
            hours = settings.SESSION_IDLE_TIMEOUT // 3600
            messages.info(request, f"You were signed out after {hours} hours without activity. Please log in again.")
        else:
            hours = settings.SESSION_COOKIE_AGE // 3600
            messages.info(request, f"Your session ended {hours} hours after you logged in. Please log in again.")
        if request.headers.get("HX-Request") == "true":
            # A background refresh would swap the login page into a fragment: send the whole page there.
            current = request.headers.get("HX-Current-URL") or "/"
            return HttpResponseClientRedirect(redirect_to_login(_local(current)).url)
        return None


def _local(url):
    """The path and query of URL (htmx's current page), so the login never redirects elsewhere."""
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


class BrowsableApiStylesMiddleware:
    """DRF's browsable API (the HTML pages under /api/) styles itself inline: allow inline styles there only.

    Scripts stay 'self' (it has no inline script); JSON answers keep the strict policy. Must come after
    csp.middleware.CSPMiddleware in MIDDLEWARE, so the policy is built after this has run.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and request.path.startswith("/api/") and not hasattr(response, "_csp_update"):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response


class FreezeWarmHeapMiddleware:
    """After each of a process's first WARM_REQUESTS requests, move what is alive into the permanent generation.

    Those requests load the rest of the application lazily (URL patterns, templates, serializers, the schema). Left
    in the collected generations, those ~60,000 long-lived objects were scanned by every full collection: a 27 ms
    pause that made the slowest 5 % of API requests at a million tickets (docs/performance.md). The request and
    response alive at that moment are frozen with them: a one-time cost of at most WARM_REQUESTS of them.
    """

    WARM_REQUESTS = 50

    def __init__(self, get_response):
        self.get_response = get_response
        self.warm = 0

    def __call__(self, request):
        response = self.get_response(request)
        if self.warm < self.WARM_REQUESTS:
            self.warm += 1
            gc.collect()
            gc.freeze()
        return response
