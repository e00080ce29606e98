"""The follow-the-sun simulator: replays synthetic traffic through the real services on simulated time.

scenario.py loads and validates a scenario file; runner.py starts child.py, a process of its own that runs engine.py
in a throwaway database, so the caller's database is never touched; report.py builds the figures; render.py prints
and draws them. services.py, tasks (helpdesk/tasks.py), forms.py and views.py are the app's /simulations/ pages.
docs/simulator.md describes the scenario format and the report.
"""
