import csv
import datetime as dt
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .audit import audit_entries_older_than, audit_entry_list, audit_record
from .models import DEFAULT_TREATMENTS, Audience, AuditAction, AuditEntry, PiiField, PiiPolicy, Role, Treatment
from .services import pii_policy_set

PAGE_SIZE = 50
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
CSV_COLUMNS = ["at_utc", "actor", "action", "object_type", "object_id", "summary", "ip", "details"]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ICONS = {
    AuditAction.LOGIN: "→",
    AuditAction.LOGOUT: "←",
    AuditAction.LOGIN_FAILED: "✕",
    AuditAction.ACCESS_DENIED: "⊘",
    AuditAction.PII_REVEAL: "◉",
    AuditAction.EXPORT: "⤓",
    AuditAction.PERMISSION_CHANGE: "⚿",
    AuditAction.POLICY_CHANGE: "§",
    AuditAction.REGION_STATUS: "◐",
    AuditAction.ERASURE: "⌫",
}


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    actor = forms.CharField(label="Actor (username)", max_length=150, required=False)
    object_type = forms.CharField(label="Object type", max_length=100, required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "“To” must be on or after “From”.")
        return data

    def filters(self):
        """Keyword arguments for audit_entry_list(); dates are whole days in the viewer's time zone."""
        data = getattr(self, "cleaned_data", {})
        zone = timezone.get_current_timezone()
        since = until = None
        if data.get("date_from"):
            since = dt.datetime.combine(data["date_from"], dt.time(), tzinfo=zone)
        if data.get("date_to"):
            until = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return {
            "action": data.get("action") or None,
            "actor": (data.get("actor") or "").strip() or None,
            "object_type": (data.get("object_type") or "").strip() or None,
            "since": since,
            "until": until,
        }


def _admin_or_404(request):
    """The audit log is for admins; anyone else is told nothing exists here, and the attempt is recorded."""
    if request.user.role == Role.ADMIN:
        return
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=request.user,
        summary=f"{request.user.get_username()} was refused {request.path}",
        object_type=AuditEntry._meta.label_lower,
        request=request,
    )
    raise Http404


def cursor_for(entry):
    micros = (entry.at - EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}.{entry.pk}"


def cursor_parse(value):
    """(at, pk) from a cursor, or None for a missing or malformed one (the newest page)."""
    try:
        micros, pk = (int(part) for part in (value or "").split("."))
        return EPOCH + dt.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


@never_cache
@login_required
@require_GET
def audit_log(request):
    """Admins: every recorded sign-in, permission and policy change, export and refusal, newest first."""
    _admin_or_404(request)
    form = AuditFilterForm(request.GET)
    form.is_valid()  # invalid fields are shown as errors and left out of the filter
    filters = form.filters()
    entries = audit_entry_list(**filters)
    position = cursor_parse(request.GET.get("before"))
    if position:
        entries = audit_entries_older_than(entries, at=position[0], pk=position[1])
    rows = list(entries[: PAGE_SIZE + 1])
    older = cursor_for(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    for row in rows:
        row.icon = ICONS.get(row.action, "•")
        row.details_text = (
            json.dumps(row.details, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1, sort_keys=True)
            if row.details
            else ""
        )
    # The filters as typed (even a rejected one, so it can be corrected), without empty fields or the cursor.
    query = QueryDict(mutable=True)
    for name in form.fields:
        if value := request.GET.get(name, "").strip():
            query[name] = value
    context = {
        "form": form,
        "entries": rows,
        "filtered": any(filters.values()),
        "filter_query": query.urlencode(),
        "older_cursor": older,
        "paged": position is not None,
    }
    return render(request, "compliance/audit_log.html", context)


class _Echo:
    """csv.writer writes into this, and each row comes back as a string to stream."""

    def write(self, value):
        return value


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_lines(entries):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in entries.iterator(chunk_size=2000):
        details = json.dumps(e.details, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True) if e.details else ""
        yield writer.writerow(
            [
                e.at.astimezone(dt.UTC).isoformat(),
                _cell(e.actor_label),
                e.action,
                _cell(e.object_type),
                _cell(e.object_id),
                _cell(e.summary),
                e.ip or "",
                _cell(details),
            ]
        )


@never_cache
@login_required
@require_GET
def audit_export(request):
    """Admins: the entries of the current filter as CSV (all pages), streamed; the export is itself audited."""
    _admin_or_404(request)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in form.errors.items())
        return HttpResponseBadRequest(f"The filters are not valid ({errors}). Fix them on the audit log page.")
    used = {name: value for name, value in form.cleaned_data.items() if value}
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        summary="Exported the audit log as CSV" + (" (filtered)" if used else ""),
        object_type=AuditEntry._meta.label_lower,
        details={"format": "csv", "filters": used, "time_zone": timezone.get_current_timezone_name()},
        request=request,
    )
    entries = audit_entry_list(**form.filters())
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


# ---- PII policies: a matrix of field x audience ------------------------------------------------------------------

DEFAULT_CHOICE = "default"


def _cell_name(field, audience):
    return f"{audience}__{field}"


class PiiPolicyMatrixForm(forms.Form):
    """One select per (field, audience): "default" or a treatment that overrides it."""

    def __init__(self, *args, overrides, **kwargs):
        super().__init__(*args, **kwargs)
        for field in PiiField:
            for audience in Audience:
                name = _cell_name(field, audience)
                self.fields[name] = forms.ChoiceField(
                    label=f"{field.label} for {audience.label}",
                    choices=[(DEFAULT_CHOICE, "Default"), *Treatment.choices],
                    initial=overrides.get((field, audience), DEFAULT_CHOICE),
                )
                self.fields[name].widget.attrs["class"] = "matrix-select"

    def changes(self):
        """(field, audience, treatment or None for the default) for every cell that differs from its initial."""
        for name in self.changed_data:
            audience, field = name.split("__", 1)
            value = self.cleaned_data[name]
            yield PiiField(field), Audience(audience), (None if value == DEFAULT_CHOICE else Treatment(value))


def _pii_overrides():
    return {
        (PiiField(f), Audience(a)): Treatment(t)
        for f, a, t in PiiPolicy.objects.values_list("field", "audience", "treatment")
    }


ICON_FOR_TREATMENT = {Treatment.FULL: "●", Treatment.MASKED: "◍", Treatment.HIDDEN: "⊘"}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pii_policies(request):
    """Admins: how each personal field is shown to each audience; a cell's select overrides the default."""
    _admin_or_404(request)
    overrides = _pii_overrides()
    form = PiiPolicyMatrixForm(request.POST or None, overrides=overrides)
    if request.method == "POST" and form.is_valid():
        changed = 0
        for field, audience, treatment in form.changes():
            pii_policy_set(field=field, audience=audience, treatment=treatment, actor=request.user, request=request)
            changed += 1
        if changed:
            messages.success(
                request, f"Saved {changed} change{'s' if changed != 1 else ''}; each is recorded in the audit log."
            )
        else:
            messages.info(request, "Nothing changed.")
        return redirect("pii-policies")
    rows = []
    for field in PiiField:
        cells = []
        for audience in Audience:
            override = overrides.get((field, audience))
            effective = override or DEFAULT_TREATMENTS[(field, audience)]
            cells.append(
                {
                    "field": form[_cell_name(field, audience)],
                    "effective": effective,
                    "icon": ICON_FOR_TREATMENT[effective],
                    "override": override is not None,
                }
            )
        rows.append({"field": field, "cells": cells})
    status = 400 if form.is_bound else 200
    context = {"form": form, "audiences": list(Audience), "rows": rows}
    return render(request, "compliance/pii_policies.html", context, status=status)
