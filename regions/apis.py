import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.models import Role

from .coverage import coverage_check, coverage_grid
from .models import (
    Agent,
    AgentLanguage,
    Region,
    RegionStatus,
    Rotation,
    RotationStep,
    ShiftDay,
    ShiftPattern,
    SourcingRule,
    Team,
    Tier,
    Vendor,
)
from .selectors import team_list
from .services import region_set_status
from .staffing import required_agents


class ReadForStaffWriteForAdmins(permissions.BasePermission):
    """Agents, leads and integrations read the configuration; only admins change it."""

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("helpdesk.use_app") or user.has_perm("helpdesk.use_api")
        return user.role == Role.ADMIN


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's own clean() so the API enforces the same rules as the admin."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.Meta.model(**{**self._current(), **attrs})
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    def _current(self):
        if self.instance is None:
            return {}
        return {f.name: getattr(self.instance, f.name) for f in self.Meta.model._meta.concrete_fields}


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "time_zone",
            "country",
            "residency_zone",
            "status",
            "status_reason",
            "status_since",
        ]
        read_only_fields = ["status", "status_reason", "status_since"]


class RegionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RegionStatus.choices)
    reason = serializers.CharField(max_length=300)


class RegionViewSet(viewsets.ModelViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["status", "residency_zone", "country"]
    lookup_field = "code"

    @extend_schema(request=RegionStatusSerializer, responses=RegionSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, code=None):
        """Mark the region operational, degraded or down, with a reason."""
        region = self.get_object()
        payload = RegionStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            region_set_status(region=region, actor=request.user, **payload.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(RegionSerializer(region).data)


class VendorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name", "kind"]


class VendorViewSet(viewsets.ModelViewSet):
    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["kind"]


class TeamSerializer(serializers.ModelSerializer):
    headcount = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "code",
            "name",
            "region",
            "tier",
            "vendor",
            "leads",
            "min_headcount",
            "meeting_url",
            "headcount",
        ]


class TeamViewSet(viewsets.ModelViewSet):
    queryset = team_list().prefetch_related("leads")
    serializer_class = TeamSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["region", "tier", "vendor"]


class AgentLanguageSerializer(CleanModelSerializer):
    class Meta:
        model = AgentLanguage
        fields = ["id", "agent", "language", "proficiency", "certified_on"]


class AgentSerializer(CleanModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    languages = AgentLanguageSerializer(many=True, read_only=True)

    class Meta:
        model = Agent
        fields = ["id", "user", "username", "team", "tier", "skills", "capacity", "presence", "languages"]


class AgentViewSet(viewsets.ModelViewSet):
    queryset = Agent.objects.select_related("user").prefetch_related("languages")
    serializer_class = AgentSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["team", "tier", "presence"]


class AgentLanguageViewSet(viewsets.ModelViewSet):
    queryset = AgentLanguage.objects.all()
    serializer_class = AgentLanguageSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["agent", "language", "proficiency"]


# OpenAPI's "time" format demands a UTC offset; a shift's times are wall-clock times in the team's zone.
@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    pass


class ShiftDaySerializer(serializers.ModelSerializer):
    start = WallClockTimeField(help_text="Local wall-clock time in the team's zone")
    end = WallClockTimeField(help_text="Local wall-clock time; at or before the start means the next day")

    class Meta:
        model = ShiftDay
        fields = ["id", "pattern", "weekday", "start", "end"]


class ShiftPatternSerializer(CleanModelSerializer):
    days = ShiftDaySerializer(many=True, read_only=True)

    class Meta:
        model = ShiftPattern
        fields = ["id", "team", "name", "valid_from", "valid_to", "works_public_holidays", "days"]


class ShiftPatternViewSet(viewsets.ModelViewSet):
    queryset = ShiftPattern.objects.prefetch_related("days")
    serializer_class = ShiftPatternSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["team"]


class ShiftDayViewSet(viewsets.ModelViewSet):
    queryset = ShiftDay.objects.all()
    serializer_class = ShiftDaySerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["pattern", "weekday"]


class RotationStepSerializer(CleanModelSerializer):
    class Meta:
        model = RotationStep
        fields = ["id", "rotation", "team", "position"]


class RotationSerializer(serializers.ModelSerializer):
    steps = RotationStepSerializer(many=True, read_only=True)

    class Meta:
        model = Rotation
        fields = ["id", "tier", "min_overlap_minutes", "steps"]


class RotationViewSet(viewsets.ModelViewSet):
    queryset = Rotation.objects.prefetch_related("steps")
    serializer_class = RotationSerializer
    permission_classes = [ReadForStaffWriteForAdmins]


class RotationStepViewSet(viewsets.ModelViewSet):
    queryset = RotationStep.objects.select_related("team", "rotation")
    serializer_class = RotationStepSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["rotation", "team"]


class SourcingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourcingRule
        fields = ["id", "tier", "region", "preference", "note"]


class SourcingRuleViewSet(viewsets.ModelViewSet):
    queryset = SourcingRule.objects.all()
    serializer_class = SourcingRuleSerializer
    permission_classes = [ReadForStaffWriteForAdmins]
    filterset_fields = ["tier", "region"]


class CoverageQuerySerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    start = serializers.DateTimeField(required=False, help_text="Default: now")
    days = serializers.IntegerField(min_value=1, max_value=31, default=7)


class CoverageIssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["gap", "short_overlap", "understaffed"])
    tier = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    message = serializers.CharField()
    team = serializers.CharField()


class CoverageHourSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    teams = serializers.ListField(child=serializers.CharField(), help_text="Codes of the teams on shift")
    gap = serializers.BooleanField()
    scheduled_agents = serializers.IntegerField()
    required_agents = serializers.IntegerField(allow_null=True)


class CoverageResponseSerializer(serializers.Serializer):
    issues = CoverageIssueSerializer(many=True)
    hours = CoverageHourSerializer(many=True)


class CoverageApi(APIView):
    permission_classes = [ReadForStaffWriteForAdmins]

    @extend_schema(parameters=[CoverageQuerySerializer], responses=CoverageResponseSerializer)
    def get(self, request):
        """Coverage problems of a tier, and who covers each UTC hour with staffing figures."""
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tier, days = query.validated_data["tier"], query.validated_data["days"]
        start = query.validated_data.get("start") or timezone.now()
        start = start.replace(minute=0, second=0, microsecond=0)
        rows = coverage_grid(tier=tier, first_day=start.astimezone(dt.UTC).date(), zone=dt.UTC, now=start, days=days)
        hours = [
            {
                "start": cell.start,
                "teams": [team.code for team in cell.teams],
                "gap": cell.gap,
                "scheduled_agents": cell.scheduled,
                "required_agents": cell.required,
            }
            for row in rows
            for cell in row.cells
        ]
        data = {"issues": coverage_check(tier=tier, start=start, days=days), "hours": hours}
        return Response(CoverageResponseSerializer(data).data)


class StaffingQuerySerializer(serializers.Serializer):
    volume = serializers.FloatField(min_value=0, help_text="Contacts arriving in the interval")
    aht = serializers.FloatField(help_text="Average handle time, seconds")
    interval = serializers.FloatField(help_text="Interval length, seconds")
    target_sl = serializers.FloatField(help_text="Target service level, e.g. 0.8")
    answer_time = serializers.FloatField(help_text="Target answer time, seconds")
    max_occupancy = serializers.FloatField(default=1.0)


class StaffingResultSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    service_level = serializers.FloatField()
    average_speed_of_answer = serializers.FloatField()
    occupancy = serializers.FloatField()
    traffic = serializers.FloatField()


class StaffingApi(APIView):
    permission_classes = [ReadForStaffWriteForAdmins]

    @extend_schema(parameters=[StaffingQuerySerializer], responses=StaffingResultSerializer)
    def get(self, request):
        """Erlang C: agents required for a forecast interval."""
        query = StaffingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = required_agents(**query.validated_data)
        except ValueError as exc:
            # The message starts with the parameter's name ("aht must be ..."): report it on that field.
            raise serializers.ValidationError({str(exc).split()[0]: [str(exc)]}) from None
        return Response(StaffingResultSerializer(result).data)
