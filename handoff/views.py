from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def dashboard(request):
    if not request.user.has_perm("regions.view_coverage"):
        raise Http404
    return render(request, "handoff/dashboard.html", {})
