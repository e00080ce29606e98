"""REST API v1 for quality: rubrics, reviews (score, dispute, resolve), calibration, survey responses, metrics.

The same selectors (scope, 404 outside it) and services as the pages.
"""

import datetime as dt

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api_errors import Conflict, conflict_on
from compliance.masking import mask_body, viewer_for
from compliance.pagination import StrictCursorPagination
from tickets.models import Ticket
from tickets.selectors import ticket_get_for

from .calibration import can_run, session_results
from .metrics import DIMENSIONS, metrics_week
from .models import DisputeStatus, Market, RubricStatus
from .reviews import can_resolve, dispute_raise, dispute_resolve, review_create
from .sampling import week_start
from .selectors import is_reviewer, region_scope, review_scope, rubric_list, session_scope, survey_scope, team_scope
from .trends import BASELINE_WEEKS, NO_MARKET, RULE, Kind, trend_report, trend_tickets


class NewestFirst(StrictCursorPagination):
    ordering = ("-id",)


class Reviewers(permissions.BasePermission):
    message = "Only leads and admins do this."

    def has_permission(self, request, view):
        return is_reviewer(request.user)


class CriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField()
    scale = serializers.IntegerField()
    point_descriptions = serializers.ListField(child=serializers.CharField())
    auto_fail = serializers.BooleanField()


class RubricSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    market = serializers.CharField(source="market.code")
    market_name = serializers.CharField(source="market.name")
    countries = serializers.ListField(source="market.countries", child=serializers.CharField())
    version = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=RubricStatus.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    criteria = CriterionSerializer(many=True, source="criteria.all")


class RubricQuerySerializer(serializers.Serializer):
    market = serializers.SlugField(required=False, help_text="Market code, e.g. dach")
    status = serializers.ChoiceField(choices=RubricStatus.choices, required=False)


class RubricViewSet(viewsets.ReadOnlyModelViewSet):
    """Rubric versions per market (read-only here; admins edit drafts on /qa/rubrics/)."""

    serializer_class = RubricSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return rubric_list(self.request.user)

    @extend_schema(parameters=[RubricQuerySerializer])
    def list(self, request):
        query = RubricQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rubrics = self.get_queryset()
        if "market" in query.validated_data:
            rubrics = rubrics.filter(market__code=query.validated_data["market"])
        if "status" in query.validated_data:
            rubrics = rubrics.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(rubrics)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1)
    point = serializers.IntegerField(min_value=1, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    reason = serializers.CharField()
    raised_at = serializers.DateTimeField()
    original_total = serializers.FloatField()
    resolution = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ScoreOutSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    name = serializers.CharField(source="criterion.name")
    point = serializers.IntegerField()
    comment = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    rubric = serializers.IntegerField(source="rubric_id")
    market = serializers.CharField(source="rubric.market.code")
    agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.code", allow_null=True, default=None)
    total = serializers.FloatField()
    auto_failed = serializers.BooleanField()
    summary = serializers.CharField()
    created_at = serializers.DateTimeField()
    scores = ScoreOutSerializer(many=True, source="scores.all")
    dispute = serializers.SerializerMethodField()

    @extend_schema_field(DisputeSerializer(allow_null=True))
    def get_dispute(self, review):
        dispute = getattr(review, "dispute", None)
        return DisputeSerializer(dispute).data if dispute else None


class ReviewCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1)
    scores = ScoreSerializer(
        many=True, allow_empty=False, help_text="One per criterion of the customer's market's rubric"
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeRaiseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class DisputeResolveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[DisputeStatus.UPHELD, DisputeStatus.REVISED])
    resolution = serializers.CharField(max_length=5000)
    scores = ScoreSerializer(many=True, required=False, help_text="The revised scores (status revised)")


def _scores(items):
    scores = {}
    for item in items:
        if item["criterion"] in scores:
            raise serializers.ValidationError({"scores": ["Each criterion once."]})
        scores[item["criterion"]] = (item["point"], item["comment"])
    return scores


class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """QA reviews in the caller's scope: an agent's own, a lead's teams', all for admins.

    The rubric is never chosen: a review is scored on the published rubric of the customer's market.
    """

    serializer_class = ReviewSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return review_scope(self.request.user).prefetch_related("scores__criterion")

    @extend_schema(request=ReviewCreateSerializer, responses={201: ReviewSerializer})
    def create(self, request):
        if not is_reviewer(request.user):
            raise exceptions.PermissionDenied("Only leads and admins score conversations.")
        payload = ReviewCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ticket = ticket_get_for(request.user, data["ticket"])
        review = review_create(
            ticket=ticket, scores=_scores(data["scores"]), summary=data["summary"], actor=request.user
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeRaiseSerializer, responses={201: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """The reviewed agent disputes the review, once."""
        review = self.get_object()
        payload = DisputeRaiseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if review.agent_id != request.user.pk:
            raise exceptions.PermissionDenied("Only the reviewed agent disputes a review.")
        with conflict_on("reason"):
            dispute_raise(review=review, reason=payload.validated_data["reason"], actor=request.user)
        return Response(ReviewSerializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeResolveSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """A lead of the agent's team (or an admin) upholds or revises a disputed review."""
        review = self.get_object()
        dispute = getattr(review, "dispute", None)
        if dispute is None:
            raise Conflict("This review is not disputed.")
        if not can_resolve(request.user, dispute):
            raise exceptions.PermissionDenied("Only a lead of the agent's team or an admin resolves a dispute.")
        payload = DisputeResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with conflict_on("status"):
            dispute_resolve(
                dispute=dispute,
                status=data["status"],
                resolution=data["resolution"],
                scores=_scores(data["scores"]) if data.get("scores") else None,
                actor=request.user,
            )
        return Response(ReviewSerializer(self.get_object()).data)


class SpreadSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    spread_pct = serializers.FloatField()


class DeviationSerializer(serializers.Serializer):
    reviewer = serializers.CharField()
    deviation_pct = serializers.FloatField(allow_null=True)


class CalibrationResultsSerializer(serializers.Serializer):
    spread = SpreadSerializer(many=True)
    deviation = DeviationSerializer(many=True)


class CalibrationSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    lead = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    tickets = serializers.SerializerMethodField()
    reviewers = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    def get_tickets(self, session) -> list[int]:
        return sorted(t.pk for t in session.tickets.all())

    def get_reviewers(self, session) -> list[str]:
        return sorted(u.username for u in session.reviewers.all())

    @extend_schema_field(CalibrationResultsSerializer(allow_null=True))
    def get_results(self, session):
        """Blind: the lead and admins see the results at once, the reviewers once the session is closed."""
        user = self.context["request"].user
        if not (can_run(user, session) or session.status == "closed"):
            return None
        results = session_results(session)
        names = {u.pk: u.username for u in session.reviewers.all()}
        return {
            "spread": [{"criterion": name, "spread_pct": value} for name, value in results["spread"]],
            "deviation": [
                {"reviewer": names[pk], "deviation_pct": value} for pk, value in sorted(results["deviation"].items())
            ],
        }


class CalibrationSessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Calibration sessions the caller runs or reviews in, with spread per criterion and deviations."""

    serializer_class = CalibrationSessionSerializer
    pagination_class = NewestFirst
    permission_classes = [Reviewers]

    def get_queryset(self):
        return session_scope(self.request.user).prefetch_related("tickets", "reviewers")


class SurveyResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    kind = serializers.CharField()
    score = serializers.IntegerField()
    nps = serializers.IntegerField(allow_null=True)
    comment = serializers.SerializerMethodField(help_text="The customer's words, masked per the caller's PII policy")
    language = serializers.CharField()
    answered_at = serializers.DateTimeField()
    agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.code", allow_null=True, default=None)
    vendor = serializers.CharField(source="team.vendor.name", allow_null=True, default=None)
    region = serializers.CharField(source="team.region.code", allow_null=True, default=None)
    market = serializers.CharField(source="market.code")
    follow_up = serializers.SerializerMethodField()

    def get_comment(self, survey) -> str:
        return mask_body(viewer_for(self.context["request"].user), survey.comment, survey.customer).text

    def get_follow_up(self, survey) -> str | None:
        follow_up = getattr(survey, "follow_up", None)
        return follow_up.status if follow_up else None


class SurveyResponseViewSet(viewsets.ReadOnlyModelViewSet):
    """Answered customer surveys, linked to ticket, agent, team, vendor, region and market."""

    serializer_class = SurveyResponseSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return survey_scope(self.request.user).filter(answered_at__isnull=False).select_related("customer", "follow_up")


class MetricsQuerySerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=list(DIMENSIONS), required=False, default="team")
    week = serializers.DateField(required=False, help_text="Any day of the UTC week; default: this week")


class MetricsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    qa = serializers.FloatField(allow_null=True)
    reviews = serializers.IntegerField()
    csat = serializers.FloatField(allow_null=True)
    csat_answers = serializers.IntegerField()
    ces = serializers.FloatField(allow_null=True)
    ces_answers = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True)
    nps_answers = serializers.IntegerField()
    fcr = serializers.FloatField(allow_null=True)
    solved = serializers.IntegerField()
    aht = serializers.FloatField(allow_null=True, help_text="Minutes")
    sla = serializers.FloatField(allow_null=True)
    blocked = serializers.FloatField(allow_null=True)
    handoffs = serializers.IntegerField()
    balanced = serializers.FloatField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    week_start = serializers.DateTimeField()
    dimension = serializers.CharField()
    rows = MetricsRowSerializer(many=True)


class MetricsApi(APIView):
    """One UTC week of aligned metrics per agent, team, vendor, region or market (definitions: docs/qa.md)."""

    permission_classes = [Reviewers]

    @extend_schema(parameters=[MetricsQuerySerializer], responses=MetricsSerializer)
    def get(self, request):
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("week")
        start = week_start(timezone.now() if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC))
        dimension = query.validated_data["dimension"]
        rows = metrics_week(teams=team_scope(request.user), start=start, dimension=dimension)
        return Response(MetricsSerializer({"week_start": start, "dimension": dimension, "rows": rows}).data)


# Recurring-issue trends (qa.trends; the rule in docs/qa.md)


def _trend_week(day):
    return week_start(timezone.now() if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC))


class TrendsQuerySerializer(serializers.Serializer):
    week = serializers.DateField(required=False, help_text="Any day of the UTC week; default: this week")
    region = serializers.SlugField(required=False, help_text="Region code, e.g. mex; default: every region in scope")
    market = serializers.SlugField(required=False, help_text="Market code, e.g. latam; default: every market")

    def validate_region(self, value):
        if value not in dict(region_scope(self.context["request"].user)):
            raise Http404  # a region outside the caller's teams: nothing to say about it
        return value

    def validate_market(self, value):
        if value != NO_MARKET and value not in {m.code for m in self.context["markets"]}:
            raise serializers.ValidationError("Unknown market code.")
        return value


class TrendItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[Kind.TAG, Kind.CATEGORY])
    name = serializers.CharField(help_text="The tag's name or the category's slug")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="New tickets in the week")
    weeks = serializers.ListField(
        child=serializers.IntegerField(), help_text="Counts of the weeks before, oldest first, then of the week"
    )
    mean = serializers.FloatField(help_text="Mean count of the weeks before")
    stddev = serializers.FloatField(help_text="Population standard deviation of the weeks before")
    change = serializers.FloatField(help_text="count - mean")
    change_pct = serializers.FloatField(allow_null=True, help_text="100 x change / mean; null when the mean is 0")
    spike = serializers.BooleanField()
    tickets = serializers.SerializerMethodField(help_text="The tickets behind this count (API, cursor pages)")
    page = serializers.CharField(help_text="The same tickets on the trends page")

    def get_tickets(self, item) -> str:
        group, week = self.context["group"], self.context["week"]
        query = {"week": f"{week:%Y-%m-%d}", "region": group.region, "market": group.market, item.kind: item.name}
        return f"{reverse('api:qa-trend-tickets')}?{urlencode(query)}"


class TrendGroupSerializer(serializers.Serializer):
    region = serializers.CharField()
    region_name = serializers.CharField()
    market = serializers.CharField()
    market_name = serializers.CharField()
    tickets = serializers.IntegerField(help_text="New tickets in the week")
    weeks = serializers.ListField(child=serializers.IntegerField(), help_text="New tickets per week, oldest first")
    has_baseline = serializers.BooleanField(help_text="Tickets in each week before: spikes can be flagged")
    items = serializers.SerializerMethodField()

    @extend_schema_field(TrendItemSerializer(many=True))
    def get_items(self, group):
        return TrendItemSerializer(group.items, many=True, context={**self.context, "group": group}).data


class TrendsSerializer(serializers.Serializer):
    week_start = serializers.DateTimeField()
    baseline_weeks = serializers.IntegerField()
    rule = serializers.CharField(help_text="When a tag or category counts as a spike")
    groups = TrendGroupSerializer(many=True, help_text="Groups with a spike first")


class TrendsApi(APIView):
    """Recurring-issue trends of one UTC week: per region and market, the top tags and categories of new tickets
    against the weeks before, spikes flagged (docs/qa.md). Leads see the regions of their teams."""

    permission_classes = [Reviewers]

    @extend_schema(parameters=[TrendsQuerySerializer], responses=TrendsSerializer)
    def get(self, request):
        markets = list(Market.objects.all())
        query = TrendsQuerySerializer(data=request.query_params, context={"request": request, "markets": markets})
        query.is_valid(raise_exception=True)
        week = _trend_week(query.validated_data.get("week"))
        groups = trend_report(
            teams=team_scope(request.user),
            week=week,
            markets=markets,
            region=query.validated_data.get("region"),
            market=query.validated_data.get("market"),
        )
        body = {"week_start": week, "baseline_weeks": BASELINE_WEEKS, "rule": RULE, "groups": groups}
        return Response(TrendsSerializer(body, context={"week": week}).data)


class TrendTicketsQuerySerializer(TrendsQuerySerializer):
    region = serializers.SlugField(help_text="Region code, e.g. mex")
    market = serializers.SlugField(help_text="Market code, e.g. latam")
    tag = serializers.SlugField(required=False, max_length=40)
    category = serializers.SlugField(required=False, max_length=80, help_text="Knowledge category slug")

    def validate(self, data):
        if ("tag" in data) == ("category" in data):
            raise serializers.ValidationError("Give either a tag or a category.")
        return data


class TrendTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField()
    team = serializers.CharField(source="team.code")
    region = serializers.CharField(source="team.region.code")
    country = serializers.CharField(source="customer.country")
    created_at = serializers.DateTimeField()


class TrendTicketsApi(generics.ListAPIView):
    """The new tickets behind one trend count: of a week, region and market, with a tag or a knowledge category,
    in the caller's scope, newest first."""

    permission_classes = [Reviewers]
    serializer_class = TrendTicketSerializer
    pagination_class = NewestFirst

    @extend_schema(parameters=[TrendTicketsQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Ticket.objects.none()
        markets = list(Market.objects.all())
        context = {"request": self.request, "markets": markets}
        query = TrendTicketsQuerySerializer(data=self.request.query_params, context=context)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return trend_tickets(
            teams=team_scope(self.request.user),
            week=_trend_week(data.get("week")),
            region=data["region"],
            market=data["market"],
            markets=markets,
            tag=data.get("tag"),
            category=data.get("category"),
        )
