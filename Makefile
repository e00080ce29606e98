# Meridian: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean

install: $(STAMP)

# Reinstalls only when the lock file changes.
$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@echo "Meridian: http://127.0.0.1:8000 (Ctrl-C stops the web server, worker and scheduler)"
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A helpdesk worker --beat --loglevel=INFO --concurrency=1 & \
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000 & \
	wait

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) -m pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

# Needs PostgreSQL on 127.0.0.1; writes docs/performance.md. BENCH_ARGS="--tickets 100000" for a quicker run.
bench: install
	$(PY) bench/scale.py $(BENCH_ARGS)
	$(PY) bench/handoff.py
	$(PY) bench/simulator.py

clean:
	rm -rf var
