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
    Role.LEAD: ["helpdesk.use_app", "helpdesk.view_user", "regions.view_coverage", "handoff.view_dashboard"],
    Role.AGENT: ["helpdesk.use_app"],
    Role.INTEGRATION: ["helpdesk.use_api"],
}


class ResidencyRestriction(models.Model):
    """Customer data of DATA_ZONE must not be handled by teams in HANDLING_ZONE (e.g. EU data outside the EU)."""

    data_zone = models.CharField(max_length=8, help_text="Residency zone of the customer, e.g. EU")
    handling_zone = models.CharField(max_length=8, help_text="Residency zone of the team's region, e.g. AMER")
    note = models.CharField(max_length=200, blank=True, help_text="The legal reason, for the audit")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["data_zone", "handling_zone"], name="one_restriction_per_zone_pair")
        ]

    def __str__(self):
        return f"{self.data_zone} data not handled in {self.handling_zone}"
