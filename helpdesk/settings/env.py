"""Strict parsing of the environment.

A bad value stops the process with one line naming the variable, instead of a
traceback deep inside Django or a silent fallback.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url


class ConfigError(SystemExit):
    def __init__(self, name, problem):
        super().__init__(f"Meridian configuration error: {name} {problem}")


def raw(name, default=None):
    """The value of NAME, or of the file named by NAME_FILE (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE", f"cannot be read: {exc.strerror}") from None
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def required(name):
    value = raw(name)
    if value is None:
        raise ConfigError(name, "is required and not set")
    return value


def boolean(name, default):
    value = raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"must be true or false, not {value!r}")


def integer(name, default):
    value = raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, not {value!r}") from None


def host_list(name, default):
    value = raw(name)
    if value is None:
        return list(default)
    hosts = [h.strip() for h in value.split(",") if h.strip()]
    if not hosts:
        raise ConfigError(name, "must list at least one host name")
    return hosts


def database(name, default_url):
    value = raw(name, default_url)
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as exc:
        raise ConfigError(name, f"is not a database URL we understand ({exc})") from None
    if config["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ConfigError(name, "must be a postgres:// or sqlite:// URL")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Web server and worker write at once: take the write lock at BEGIN and
        # wait for it, and let readers run beside the writer (WAL).
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


def redis_url(name):
    value = raw(name)
    if value is None:
        return None
    if urlsplit(value).scheme not in {"redis", "rediss"}:
        raise ConfigError(name, f"must be a redis:// or rediss:// URL, not {value!r}")
    return value


EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def email(name, default_url):
    """EMAIL_URL like smtp+tls://user:password@host:587 or console://."""
    value = raw(name, default_url)
    parts = urlsplit(value)
    if parts.scheme not in EMAIL_BACKENDS:
        raise ConfigError(name, f"scheme must be one of {', '.join(sorted(EMAIL_BACKENDS))}")
    config = {"EMAIL_BACKEND": EMAIL_BACKENDS[parts.scheme]}
    if parts.scheme.startswith("smtp"):
        if not parts.hostname:
            raise ConfigError(name, "needs a host, e.g. smtp://mail.example.com:25")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(name, "has a port that is not a number") from None
        query = parse_qs(parts.query)
        config.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=port or {"smtps": 465, "smtp+tls": 587}.get(parts.scheme, 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=parts.scheme == "smtp+tls",
        )
        if "timeout" in query:
            config["EMAIL_TIMEOUT"] = int(query["timeout"][0])
    return config
