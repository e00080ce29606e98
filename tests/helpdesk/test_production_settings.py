import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "x9Qz!v" * 10


def _manage(*args, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(DJANGO_SETTINGS_MODULE="helpdesk.settings.production", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_is_clean_when_required_variables_are_set():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="help.example.com"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_refuses_to_start_with_one_line():
    result = _manage("check", ALLOWED_HOSTS="help.example.com")
    assert result.returncode == 1
    assert result.stderr.strip() == "Meridian configuration error: SECRET_KEY is required and not set"


def test_weak_secret_key_and_missing_hosts_are_refused():
    weak = _manage("check", SECRET_KEY="short", ALLOWED_HOSTS="help.example.com")
    assert weak.stderr.strip() == "Meridian configuration error: SECRET_KEY must be at least 50 random characters"
    no_hosts = _manage("check", SECRET_KEY=GOOD_KEY)
    assert no_hosts.stderr.strip() == "Meridian configuration error: ALLOWED_HOSTS is required and not set"
