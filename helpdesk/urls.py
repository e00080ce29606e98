from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.routers import DefaultRouter

from compliance import apis as compliance_apis
from compliance.api_errors import api_error_page
from handoff import apis as handoff_apis
from knowledge import apis as knowledge_apis
from qa import apis as qa_apis
from regions import apis as regions_apis
from tickets import apis as tickets_apis

from . import views
from .apis import MeApi, TicketApi
from .forms import LoginForm
from .simulator import views as simulator_views
from .webhooks import apis as webhooks_apis

router = DefaultRouter()
router.register("regions", regions_apis.RegionViewSet)
router.register("vendors", regions_apis.VendorViewSet)
router.register("teams", regions_apis.TeamViewSet)
router.register("agents", regions_apis.AgentViewSet)
router.register("agent-languages", regions_apis.AgentLanguageViewSet)
router.register("shift-patterns", regions_apis.ShiftPatternViewSet)
router.register("shift-days", regions_apis.ShiftDayViewSet)
router.register("rotations", regions_apis.RotationViewSet)
router.register("rotation-steps", regions_apis.RotationStepViewSet)
router.register("sourcing-rules", regions_apis.SourcingRuleViewSet)
router.register("tickets", TicketApi, basename="ticket")
router.register("customers", tickets_apis.CustomerViewSet, basename="customer")
router.register("handoff-runs", handoff_apis.HandoffRunViewSet, basename="handoff-run")
router.register("handoffs", handoff_apis.HandoffViewSet, basename="handoff")
router.register("briefings", handoff_apis.BriefingViewSet, basename="briefing")
router.register("webhooks", webhooks_apis.WebhookSubscriptionViewSet, basename="webhook")
router.register("articles", knowledge_apis.ArticleViewSet, basename="article")
router.register("acknowledgements", knowledge_apis.AcknowledgementViewSet, basename="acknowledgement")
router.register("rubrics", qa_apis.RubricViewSet, basename="rubric")
router.register("qa-reviews", qa_apis.ReviewViewSet, basename="qa-review")
router.register("calibration-sessions", qa_apis.CalibrationSessionViewSet, basename="calibration-session")
router.register("survey-responses", qa_apis.SurveyResponseViewSet, basename="survey-response")

api_v1 = [
    path("me/", MeApi.as_view(), name="me"),
    path("coverage/", regions_apis.CoverageApi.as_view(), name="coverage"),
    path("staffing/", regions_apis.StaffingApi.as_view(), name="staffing"),
    path("cold-tickets/", handoff_apis.ColdTicketsApi.as_view(), name="cold-tickets"),
    path("bouncing-tickets/", handoff_apis.BouncingTicketsApi.as_view(), name="bouncing-tickets"),
    path("audit/", compliance_apis.AuditEntryListApi.as_view(), name="audit"),
    path("qa-metrics/", qa_apis.MetricsApi.as_view(), name="qa-metrics"),
    path("qa-trends/", qa_apis.TrendsApi.as_view(), name="qa-trends"),
    path("qa-trend-tickets/", qa_apis.TrendTicketsApi.as_view(), name="qa-trend-tickets"),
    *router.urls,
]

# Outside DRF's views (a path no route matches, a crash), API paths still answer in the one error shape.
handler404 = api_error_page(404, "not_found", exceptions.NotFound.default_detail)
handler500 = api_error_page(500, "server_error", "The server failed; the error has been logged.")

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        views.TwoStepLoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("login/two-factor/", views.login_two_factor, name="login-two-factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/two-factor/", views.two_factor, name="two-factor"),
    path("healthz", views.healthz, name="healthz"),
    path("integrations/", views.integrations, name="integrations"),
    path("simulations/", simulator_views.simulations, name="simulations"),
    path("simulations/compare/", simulator_views.simulation_compare, name="simulation-compare"),
    path("simulations/<int:pk>/", simulator_views.simulation, name="simulation"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("", include("regions.urls")),
    path("", include("tickets.urls")),
    path("", include("tickets.channels.urls")),
    path("", include("handoff.urls")),
    path("", include("compliance.urls")),
    path("", include("knowledge.urls")),
    path("", include("qa.urls")),
    # Before the admin: its login page would bypass the lockout page and the two-factor step.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's setup as a script file, so scripts stay 'self'; Swagger UI styles
    # itself inline, so this page allows inline styles (never scripts).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
