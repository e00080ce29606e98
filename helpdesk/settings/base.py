"""Settings shared by every environment; the development defaults live here.

Everything that differs between machines comes from the environment (see
README "Configuration"). Without DATABASE_URL / REDIS_URL Meridian runs on a
SQLite file and kombu's filesystem broker under var/, so `make run` needs no
services.
"""

from pathlib import Path

from celery.schedules import crontab
from kombu import Queue

from . import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env.raw("MERIDIAN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# A fixed key is acceptable only for local development; production.py requires one.
SECRET_KEY = env.raw("SECRET_KEY", "django-insecure-meridian-local-development-only")
DEBUG = env.boolean("DEBUG", False)
ALLOWED_HOSTS = env.host_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [o for o in (env.raw("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "guardian",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "helpdesk",
    "compliance",
    "regions",
    "knowledge",
    "tickets",
    "handoff",
    "qa",
]

MIDDLEWARE = [
    "helpdesk.middleware.FreezeWarmHeapMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "helpdesk.middleware.BrowsableApiStylesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "compliance.audit.AuditRequestMiddleware",
    # Outside the views, so it sees every 403/404 (CSRF failures included) with the user known.
    "helpdesk.middleware.AccessDeniedAuditMiddleware",
    "helpdesk.middleware.NoStoreForSignedInMiddleware",
    "helpdesk.middleware.ViewerTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "helpdesk.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Runs report views with their reads on the replica; after the session and user are read from the primary.
    "helpdesk.replica.ReplicaReadsMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpdesk.context_processors.viewer",
            ],
        },
    },
]

DATABASES = {"default": env.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'meridian.sqlite3'}")}
if env.raw("DATABASE_REPLICA_URL"):
    # Reports read from a streaming replica of the primary (helpdesk.replica); tests point it at the test database.
    DATABASES["replica"] = {**env.database("DATABASE_REPLICA_URL", None), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["helpdesk.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "helpdesk.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# No object permissions are ever granted to anonymous visitors.
ANONYMOUS_USER_NAME = None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ---- Security (docs/security.md) ---------------------------------------------------------------------------------

# Sessions: one shift plus the overlap at most, however active; 8 hours without activity ends it sooner
# (helpdesk.middleware.SessionTimeoutMiddleware enforces both; the cookie age alone would slide).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_IDLE_TIMEOUT = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# htmx sends the token from the hx-headers attribute in base.html, so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Login rate limiting (django-axes): 100 failed attempts on one username lock it for an hour. Attempts less
# than an hour apart add up, so no hour ever sees more than 100 failures for an account. Failures during the
# lockout do not extend it, so the lockout page can say when to try again.
AXES_FAILURE_LIMIT = 100
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the IP address as a lockout key too. Not here: an outsourcing partner's whole floor, or every
# user behind the TLS proxy, shares one address, and one person's typos (or an attacker) would lock them all out.
# Locking by username alone cannot be bypassed by rotating user agents or cookies, which is what W006 is about.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "helpdesk.views.login_locked_out"
# The audit log already records every sign-in; axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# No banner on every start: management commands keep stderr for their own one-line errors.
AXES_VERBOSE = False

# Two-factor sign-in (django-otp TOTP), optional for admins and leads.
OTP_TOTP_ISSUER = "Meridian"
# Minutes between the password and the code before the sign-in must start again.
TWO_FACTOR_PENDING_MINUTES = 5

# Content Security Policy (django-csp): nothing inline, nothing from elsewhere. Swagger UI (/api/docs/, see
# helpdesk/urls.py) and DRF's browsable API (HTML under /api/, BrowsableApiStylesMiddleware) add inline styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# What outsourced (BPO) agents may not do, per tier: "tier<N>_<action>": False refuses it (helpdesk.security).
VENDOR_RESTRICTIONS = {
    "tier1_bulk_export": False,
    "tier1_attachment_download": False,
}

LANGUAGE_CODE = "en"
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

EMAIL = env.email("EMAIL_URL", "console://")
EMAIL_BACKEND = EMAIL.pop("EMAIL_BACKEND")
globals().update(EMAIL)
DEFAULT_FROM_EMAIL = env.raw("DEFAULT_FROM_EMAIL", "Meridian <support@meridian.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails.
SITE_URL = env.raw("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Channels (docs/channels.md). The customer's ticket link stops working after this many days; every email we send
# carries a fresh one.
TICKET_LINK_MAX_AGE_DAYS = env.integer("TICKET_LINK_MAX_AGE_DAYS", 30)
# The shared secret a mail provider sends to POST /inbound/email/ (header X-Meridian-Token); unset: only
# integration API tokens are accepted there.
INBOUND_EMAIL_TOKEN = env.raw("INBOUND_EMAIL_TOKEN")
# The country of a new customer who writes from a domain without a country (.com): residency needs one.
INBOUND_EMAIL_DEFAULT_COUNTRY = env.raw("INBOUND_EMAIL_DEFAULT_COUNTRY", "US")
# Inbound mail larger than this is quarantined unread (bytes).
INBOUND_EMAIL_MAX_BYTES = 25 * 1024 * 1024
# The public web form and chat: this many new tickets (chats) per IP address and hour.
WEB_FORM_RATE_PER_HOUR = 5

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, JSON out: a form-encoded body cannot carry the nested and list fields the API takes.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Lists that declare filterset_fields take them as query parameters (documented in the schema).
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Every list is a cursor page (no OFFSET, no COUNT); lists with another order name their own class.
    "DEFAULT_PAGINATION_CLASS": "compliance.pagination.StrictCursorPagination",
    # Documents the common errors (one shape, compliance.api_errors) and Idempotency-Key on every operation.
    "DEFAULT_SCHEMA_CLASS": "helpdesk.idempotency.ApiAutoSchema",
    "EXCEPTION_HANDLER": "compliance.api_errors.api_exception_handler",
    # Per user (so per token) and per anonymous IP; a 429 carries Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": "1200/minute", "anon": "60/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meridian API",
    "DESCRIPTION": "Follow-the-sun helpdesk: tickets, handoffs, regions and quality.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so a required text's minLength and read-only fields are exact.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "compliance.api_errors.document_empty_query_values",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" field; each enum gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "RegionStatusEnum": "regions.models.RegionStatus",
        "WebhookDeliveryStatusEnum": "helpdesk.webhooks.models.WebhookDelivery.Status",
        "TicketStatusEnum": "tickets.models.Status",
        "ArticleStatusEnum": "knowledge.models.Status",
        "ArticleAudienceEnum": "knowledge.models.Audience",
    },
}

# Celery. Redis when REDIS_URL is set; otherwise kombu's filesystem transport,
# chosen explicitly (never eager execution). The handoff design reconciles from
# the database every minute, which is why a broker that is not crash-safe is
# acceptable for a laptop.
REDIS_URL = env.redis_url("REDIS_URL")
# API throttles, the web form's limits and chat presence live in the cache. With more than one web or worker process
# they must share it: a Redis database of its own (not the broker's). Unset: a cache per process.
CACHE_URL = env.redis_url("CACHE_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    # Sessions are read from the shared cache (written through to the database): one query less on every page.
    # Only with a shared cache: a per-process cache would keep serving a session another process ended.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Webhooks reach public addresses only, unless this is a closed network (helpdesk.webhooks.addresses).
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.boolean("WEBHOOK_ALLOW_PRIVATE_HOSTS", False)
CELERY_BROKER_DIR = VAR_DIR / "celery"
# No task may run longer than this; Redis redelivers an unacknowledged message only after the
# visibility timeout, which must be longer, or a slow acks_late task would run twice at once.
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_VISIBILITY_TIMEOUT = 2 * 60 * 60
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    for sub in ("queue", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "polling_interval": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
# One queue per kind of work, so a backlog of one kind (10,000 webhook deliveries, a mail outage) never delays
# another (a shift handoff). A worker without -Q consumes all four; production runs one worker service per queue.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "handoff", "email", "webhooks")]
# The queue simulations started from the app go to (helpdesk.simulator); a site running many can give them a worker.
SIMULATION_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "handoff.tasks.*": {"queue": "handoff"},
    "helpdesk.webhooks.tasks.*": {"queue": "webhooks"},
    "tickets.tasks.notifications_email_task": {"queue": "email"},
    "qa.tasks.survey_send_task": {"queue": "email"},
}
# Acknowledge on receipt by default; only idempotent tasks opt in to acks_late (redelivery after a crash).
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "helpdesk.tasks.heartbeat_record_task", "schedule": 60.0},
    "sla-check": {"task": "tickets.tasks.sla_check_due_task", "schedule": 60.0},
    "notifications": {"task": "tickets.tasks.notifications_deliver_due_task", "schedule": 60.0},
    "handoffs": {"task": "handoff.tasks.run_due_handoffs_task", "schedule": 60.0},
    "webhooks-resend": {"task": "helpdesk.webhooks.tasks.webhook_deliveries_resend_stale_task", "schedule": 60.0},
    # Nightly, when the fewest agents are working: anonymise tickets past retention (CELERY_TIMEZONE is UTC).
    "retention": {"task": "tickets.tasks.retention_run_task", "schedule": crontab(hour=2, minute=30)},
    "erasures": {"task": "tickets.tasks.erasures_run_approved_task", "schedule": 60.0},
    "acknowledgement-reminders": {"task": "tickets.tasks.acknowledgement_reminders_send_task", "schedule": 60.0},
    # Reads the IMAP mailboxes enabled in the admin; a no-op while none is.
    "fetch-mail": {"task": "tickets.tasks.mailboxes_fetch_task", "schedule": 60.0},
    # Nightly: quarantined mail (auto-replies, bounces, malformed) is kept 30 days, then deleted.
    "quarantine-purge": {"task": "tickets.tasks.quarantine_purge_task", "schedule": crontab(hour=2, minute=45)},
    # Weekly, Monday 00:30 UTC: queue last week's QA sample (weeks are UTC; a rerun queues nothing twice).
    "qa-sampling": {"task": "qa.tasks.samples_run_task", "schedule": crontab(day_of_week=1, hour=0, minute=30)},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.raw("LOG_LEVEL", "INFO")},
}
