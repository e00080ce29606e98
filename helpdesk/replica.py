"""An optional read replica for reports. With DATABASE_REPLICA_URL set, the report pages below read from it; every
other read, and every write, goes to the primary (a replica lags a moment, which a report can bear and a ticket
page cannot). Without it everything uses the primary."""

import contextvars

from django.conf import settings

REPLICA = "replica"
# Reports and exports by URL name: they only read, and they read a lot.
REPORT_URL_NAMES = {"qa-metrics", "qa-metrics-csv", "audit-log", "audit-export", "knowledge-effectiveness", "coverage"}

_reading_reports = contextvars.ContextVar("reading_reports", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reading_reports.get() and REPLICA in settings.DATABASES else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # it gets the schema by replication


class ReplicaReadsMiddleware:
    """Runs a GET of a report page with its reads routed to the replica. Late in MIDDLEWARE: the session and the
    user are read from the primary before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in {"GET", "HEAD"} or request.resolver_match.url_name not in REPORT_URL_NAMES:
            return None
        token = _reading_reports.set(True)
        try:
            return view_func(request, *view_args, **view_kwargs)
        finally:
            _reading_reports.reset(token)
