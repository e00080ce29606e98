from django.db import models


class Role(models.TextChoices):
    """The four roles; each is a Django group holding the role's permissions."""

    ADMIN = "admin", "Admin"
    LEAD = "lead", "Team lead"
    AGENT = "agent", "Agent"
    INTEGRATION = "integration", "Integration"


# Most powerful first: a user's primary role is the first of these they hold.
ROLE_ORDER = [Role.ADMIN, Role.LEAD, Role.AGENT, Role.INTEGRATION]

# "app_label.codename" per role; Admin gets every permission.
ROLE_PERMISSIONS = {
    Role.LEAD: ["helpdesk.use_app", "helpdesk.view_user", "regions.view_coverage"],
    Role.AGENT: ["helpdesk.use_app"],
    Role.INTEGRATION: ["helpdesk.use_api"],
}
