import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


WORKERS = {"worker": "default", "handoff": "handoff", "email": "email", "webhooks": "webhooks"}


def test_compose_has_the_contracted_services_with_health_checks():
    services = _compose()["services"]
    assert set(services) == {"web", "beat", "db", "redis", *WORKERS}
    for name in ("web", "db", "redis", *WORKERS):
        assert "healthcheck" in services[name], name
    assert services["db"]["image"].startswith("postgres:16")
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]


def test_every_app_command_refers_to_modules_and_settings_that_exist():
    services = _compose()["services"]
    for name in ("web", "beat", *WORKERS):
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


def test_one_worker_service_consumes_each_queue_of_the_settings():
    from django.conf import settings

    services = _compose()["services"]
    queues = {name: re.search(r" -Q (\S+)", services[name]["command"]).group(1) for name in WORKERS}
    assert queues == WORKERS
    assert set(queues.values()) == {queue.name for queue in settings.CELERY_TASK_QUEUES}
