import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_health_checks():
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert services["db"]["image"].startswith("postgres:16")
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]


def test_every_app_command_refers_to_modules_and_settings_that_exist():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        settings_module = service["environment"]["DJANGO_SETTINGS_MODULE"]
        assert (ROOT / (settings_module.replace(".", "/") + ".py")).is_file(), name
        command = service["command"]
        for module in re.findall(r"gunicorn ([\w.]+):(\w+)", command):
            assert hasattr(importlib.import_module(module[0]), module[1]), command
        for app in re.findall(r"celery -A (\w+)", command):
            assert hasattr(importlib.import_module(app), "celery_app"), command
        assert "migrate" in command or name != "web", "web must migrate on start"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
