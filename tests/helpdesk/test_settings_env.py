import pytest

from helpdesk.settings import env


def test_boolean_accepts_words_and_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env.boolean("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env.boolean("FLAG", True) is False
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(env.ConfigError, match="FLAG must be true or false"):
        env.boolean("FLAG", False)


def test_secret_read_from_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env.raw("SECRET_KEY") == "s3cret"
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(env.ConfigError, match="SECRET_KEY_FILE cannot be read"):
        env.raw("SECRET_KEY")


def test_database_url_postgres_and_sqlite(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://meridian:pw@db:5432/meridian")
    config = env.database("DATABASE_URL", "sqlite:///x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db", 5432, "meridian")
    monkeypatch.delenv("DATABASE_URL")
    config = env.database("DATABASE_URL", "sqlite:////tmp/m.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_rejects_other_engines(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(env.ConfigError, match="DATABASE_URL must be a postgres"):
        env.database("DATABASE_URL", "sqlite:///x")


def test_redis_url_must_be_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "amqp://guest@localhost//")
    with pytest.raises(env.ConfigError, match="REDIS_URL must be a redis://"):
        env.redis_url("REDIS_URL")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com:2525", {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": 2525}),
        (
            "smtp+tls://u%40x:p@smtp.example.com",
            {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_HOST_USER": "u@x"},
        ),
        ("smtps://smtp.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ],
)
def test_email_url(monkeypatch, url, expected):
    monkeypatch.setenv("EMAIL_URL", url)
    config = env.email("EMAIL_URL", "console://")
    assert expected.items() <= config.items()


def test_email_url_errors(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "pigeon://coop")
    with pytest.raises(env.ConfigError, match="EMAIL_URL scheme must be one of"):
        env.email("EMAIL_URL", "console://")
    monkeypatch.setenv("EMAIL_URL", "smtp://")
    with pytest.raises(env.ConfigError, match="EMAIL_URL needs a host"):
        env.email("EMAIL_URL", "console://")


@pytest.mark.redis
def test_cache_url_gives_every_process_one_redis_cache(tmp_path):
    # given CACHE_URL, as every web and worker process of a deployment has it
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    url = settings.REDIS_URL.rsplit("/", 1)[0] + "/7"
    script = (
        "import django; django.setup(); from django.core.cache import cache; import sys; "
        "cache.set('probe', sys.argv[1]) if sys.argv[1] != '-' else print(cache.get('probe'))"
    )
    env = {**os.environ, "CACHE_URL": url, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test"}
    root = Path(__file__).resolve().parents[2]

    # when one process writes and another reads
    subprocess.run([sys.executable, "-c", script, "from-the-first"], env=env, cwd=root, check=True)
    second = subprocess.run([sys.executable, "-c", script, "-"], env=env, cwd=root, check=True, capture_output=True)

    # then the second sees what the first wrote
    assert second.stdout.decode().strip() == "from-the-first"
