from django.urls import reverse
from django.utils import timezone

from compliance.models import Role
from tickets.selectors import notification_unread_count


def viewer(request):
    """Navigation for the viewer's role and the zone times are shown in."""
    user = request.user
    nav = []
    unread = 0
    if user.is_authenticated:
        nav.append(("Home", reverse("home")))
        if user.has_perm("helpdesk.use_app"):
            unread = notification_unread_count(user, timezone.now())
            nav.append(("Queue", reverse("queue")))
            nav.append((f"Notifications ({unread})", reverse("notifications")))
            nav.append(("Knowledge", reverse("knowledge")))
            nav.append(("Quality", reverse("qa-home")))
        if user.has_perm("handoff.view_dashboard"):
            nav.append(("Handoff", reverse("handoff-dashboard")))
        if user.has_perm("regions.view_coverage"):
            nav.append(("Coverage", reverse("coverage")))
        if user.role in (Role.ADMIN, Role.LEAD):
            nav.append(("QA metrics", reverse("qa-metrics")))
        if user.role == Role.ADMIN:
            nav.append(("Audit log", reverse("audit-log")))
            nav.append(("PII policies", reverse("pii-policies")))
            nav.append(("Integrations", reverse("integrations")))
            nav.append(("Simulations", reverse("simulations")))
        if user.role == Role.ADMIN or user.is_staff:
            nav.append(("Admin", reverse("admin:index")))
        nav.append(("API docs", reverse("api-docs")))
    return {
        "nav_links": nav,
        "unread_notifications": unread,
        "viewer_zone": timezone.get_current_timezone_name(),
    }
