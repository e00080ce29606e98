from django.urls import reverse
from django.utils import timezone

from compliance.models import Role


def viewer(request):
    """Navigation for the viewer's role and the zone times are shown in."""
    user = request.user
    nav = []
    if user.is_authenticated:
        nav.append(("Home", reverse("home")))
        if user.has_perm("regions.view_coverage"):
            nav.append(("Coverage", reverse("coverage")))
        if user.role == Role.ADMIN or user.is_staff:
            nav.append(("Admin", reverse("admin:index")))
        nav.append(("API docs", reverse("api-docs")))
    return {"nav_links": nav, "viewer_zone": timezone.get_current_timezone_name()}
