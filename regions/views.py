import datetime as dt
import zoneinfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .cache import request_memo
from .coverage import coverage_check, coverage_grid
from .models import Tier


class CoverageForm(forms.Form):
    tier = forms.TypedChoiceField(choices=Tier.choices, coerce=int, required=False)
    tz = forms.ChoiceField(
        label="Time zone", choices=[(z, z) for z in sorted(zoneinfo.available_timezones())], required=False
    )
    start = forms.DateField(label="Week from", required=False)


@login_required
def coverage(request):
    """Leads and admins: who covers each hour of the week, per tier."""
    if not request.user.has_perm("regions.view_coverage"):
        raise Http404
    form = CoverageForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    zone_name = params.get("tz") or timezone.get_current_timezone_name()
    zone = zoneinfo.ZoneInfo(zone_name)
    now = timezone.now()
    tier = params.get("tier") or Tier.TIER_1
    first_day = params.get("start") or now.astimezone(zone).date()
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone)
    context = {
        "form": form,
        "tiers": Tier.choices,
        "tier": tier,
        "zone_name": zone_name,
        "first_day": first_day,
        "hours": range(24),
    }
    # The grid and the checks share one read of the tier's teams and shifts.
    with request_memo():
        context["rows"] = coverage_grid(tier=tier, first_day=first_day, zone=zone, now=now)
        context["issues"] = coverage_check(tier=tier, start=start, days=7)
    # Every time on the page, the problem list included, is shown in the chosen zone.
    with timezone.override(zone):
        return render(request, "regions/coverage.html", context)
