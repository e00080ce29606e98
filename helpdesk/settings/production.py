"""Production: everything secret or host-specific must come from the environment."""

from . import env
from .base import *  # noqa: F403

SECRET_KEY = env.required("SECRET_KEY")
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise env.ConfigError("SECRET_KEY", "must be at least 50 random characters")
DEBUG = env.boolean("DEBUG", False)
ALLOWED_HOSTS = env.host_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise env.ConfigError("ALLOWED_HOSTS", "is required and not set")

# TLS ends at the proxy in front of gunicorn, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
# The container health check calls /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
