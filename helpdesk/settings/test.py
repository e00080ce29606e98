"""Test settings: the same stack as production, fast password hashing.

DATABASE_URL / REDIS_URL choose PostgreSQL and Redis exactly as elsewhere.
"""

from .base import *  # noqa: F403

SECRET_KEY = "meridian-test-key-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests need no hashed manifest: collectstatic is not run before them.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# The webhook tests' receiver listens on localhost; tests of the address guard turn this off.
WEBHOOK_ALLOW_PRIVATE_HOSTS = True
