from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from compliance.models import Role

from .forms import PreferencesForm
from .selectors import health_status
from .services import user_set_preferences


@login_required
def home(request):
    """Send each role to its place."""
    role = request.user.role
    if role == Role.ADMIN:
        return redirect("admin:index")
    if role in (Role.AGENT, Role.LEAD) and request.user.has_perm("helpdesk.use_app"):
        return redirect("queue")
    return render(request, "helpdesk/home.html", {"role": role})


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None, initial={"time_zone": user.time_zone, "email_notifications": user.email_notifications}
    )
    if request.method == "POST" and form.is_valid():
        user_set_preferences(user=user, actor=user, **form.cleaned_data)
        messages.success(request, f"Saved. Times are now shown in {form.cleaned_data['time_zone']}.")
        return redirect("preferences")
    return render(request, "helpdesk/preferences.html", {"form": form})


@never_cache
@require_GET
def healthz(request):
    status = health_status()
    return JsonResponse(status, status=200 if status["ok"] else 503)
