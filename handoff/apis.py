"""REST API v1 for handoffs: runs, per-ticket handoffs, briefings, triggering a run, cold and bouncing tickets."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.models import Role
from compliance.pagination import StrictCursorPagination
from regions.models import Team
from tickets.selectors import ticket_scope

from .models import Briefing, Handoff, HandoffRun, Outcome
from .selectors import bouncing_tickets, cold_tickets
from .services import briefing_acknowledge, handoff_run


class LeadsAndIntegrations(permissions.BasePermission):
    """Handoff records are for leads, admins and integrations; triggering a run is for admins."""

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated:
            return False
        return user.has_perm("handoff.view_dashboard") or user.has_perm("helpdesk.use_api")


class NewestFirst(StrictCursorPagination):
    ordering = ("-id",)


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["code", "name"]


class HandoffRunSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer()
    arriving_team = TeamRefSerializer(allow_null=True)

    class Meta:
        model = HandoffRun
        fields = [
            "id",
            "team",
            "arriving_team",
            "kind",
            "boundary_at",
            "started_at",
            "finished_at",
            "note",
            "moved",
            "blocked",
            "failed_over",
            "skipped",
            "duration_ms",
        ]


class RunQuerySerializer(serializers.Serializer):
    team = serializers.CharField(required=False, help_text="Departing team code")
    kind = serializers.ChoiceField(choices=HandoffRun.Kind.choices, required=False)


class TriggerSerializer(serializers.Serializer):
    team = serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all())
    boundary_at = serializers.DateTimeField(required=False, help_text="Default: now")


class HandoffRunViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HandoffRunSerializer
    pagination_class = NewestFirst
    permission_classes = [LeadsAndIntegrations]

    def get_queryset(self):
        return HandoffRun.objects.select_related("team", "arriving_team")

    @extend_schema(parameters=[RunQuerySerializer])
    def list(self, request):
        query = RunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        runs = self.get_queryset()
        if "team" in query.validated_data:
            runs = runs.filter(team__code=query.validated_data["team"])
        if "kind" in query.validated_data:
            runs = runs.filter(kind=query.validated_data["kind"])
        page = self.paginate_queryset(runs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=TriggerSerializer, responses=HandoffRunSerializer)
    @action(detail=False, methods=["post"])
    def trigger(self, request):
        """Admins: run a team's handoff at a boundary now (idempotent: a finished run is returned as it is)."""
        if request.user.role != Role.ADMIN:
            raise exceptions.PermissionDenied("Only admins trigger handoff runs.")
        payload = TriggerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        now = timezone.now()
        run = handoff_run(
            team=payload.validated_data["team"], boundary_at=payload.validated_data.get("boundary_at") or now, now=now
        )
        return Response(HandoffRunSerializer(run).data, status=status.HTTP_201_CREATED)


class HandoffSerializer(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket_id")
    from_team = serializers.CharField(source="from_team.code")
    to_team = serializers.CharField(source="to_team.code", allow_null=True)
    boundary_at = serializers.DateTimeField(source="run.boundary_at")

    class Meta:
        model = Handoff
        fields = [
            "id",
            "run",
            "ticket",
            "outcome",
            "reason",
            "from_team",
            "to_team",
            "boundary_at",
            "next_action_snapshot",
            "created_at",
            "moved_at",
        ]


class HandoffQuerySerializer(serializers.Serializer):
    ticket = serializers.IntegerField(required=False)
    team = serializers.CharField(required=False, help_text="From or to this team code")
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class HandoffViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HandoffSerializer
    pagination_class = NewestFirst
    permission_classes = [LeadsAndIntegrations]

    def get_queryset(self):
        """Handoffs of tickets in the caller's scope, and every handoff from or to a team the caller leads."""
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Handoff.objects.none()
        user = self.request.user
        visible = Q(ticket_id__in=ticket_scope(user).values("pk"))
        if user.role not in (Role.ADMIN, Role.INTEGRATION):
            led = user.led_teams.values("pk")
            visible |= Q(from_team__in=led) | Q(to_team__in=led)
        return Handoff.objects.filter(visible).select_related("from_team", "to_team", "run")

    @extend_schema(parameters=[HandoffQuerySerializer])
    def list(self, request):
        query = HandoffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        handoffs = self.get_queryset()
        if "ticket" in q:
            handoffs = handoffs.filter(ticket_id=q["ticket"])
        if "team" in q:
            handoffs = handoffs.filter(from_team__code=q["team"]) | handoffs.filter(to_team__code=q["team"])
        if "outcome" in q:
            handoffs = handoffs.filter(outcome=q["outcome"])
        if "since" in q:
            handoffs = handoffs.filter(created_at__gte=q["since"])
        if "until" in q:
            handoffs = handoffs.filter(created_at__lt=q["until"])
        page = self.paginate_queryset(handoffs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class BriefingSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.code")
    departing_team = serializers.CharField(source="departing_team.code")
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    attendees = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Briefing
        fields = [
            "id",
            "team",
            "departing_team",
            "boundary_at",
            "prepared_at",
            "content",
            "standup_held_at",
            "attendees",
            "acknowledged_by",
            "acknowledged_at",
        ]


class AcknowledgeSerializer(serializers.Serializer):
    standup_held = serializers.BooleanField(default=False)
    attendees = serializers.ListField(child=serializers.CharField(), default=list, help_text="Usernames")


class BriefingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BriefingSerializer
    pagination_class = NewestFirst
    permission_classes = [LeadsAndIntegrations]

    def get_queryset(self):
        return Briefing.objects.select_related("team", "departing_team", "acknowledged_by").prefetch_related(
            "attendees"
        )

    @extend_schema(request=AcknowledgeSerializer, responses=BriefingSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The arriving team's lead (or an admin) acknowledges, saying whether the stand-up was held and who came."""
        briefing = self.get_object()
        user = request.user
        if user.role != Role.ADMIN and not briefing.team.leads.filter(pk=user.pk).exists():
            raise exceptions.PermissionDenied("Only the arriving team's lead acknowledges.")
        payload = AcknowledgeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        names = payload.validated_data["attendees"]
        attendees = list(get_user_model().objects.filter(username__in=names))
        if len(attendees) != len(set(names)):
            raise serializers.ValidationError({"attendees": "Unknown username in the list."})
        try:
            briefing = briefing_acknowledge(
                briefing=briefing, attendees=attendees, standup_held=payload.validated_data["standup_held"], actor=user
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(BriefingSerializer(briefing).data)


class FlaggedTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    subject = serializers.CharField()
    team = serializers.CharField(source="team.code", allow_null=True)
    updated_at = serializers.DateTimeField()
    handoffs_since_progress = serializers.IntegerField()


class ColdTicketsApi(APIView):
    permission_classes = [LeadsAndIntegrations]

    @extend_schema(responses=FlaggedTicketSerializer(many=True))
    def get(self, request):
        """Open tickets whose team is off shift or that saw no activity for the cold time (16 h by default)."""
        tickets = cold_tickets(ticket_scope(request.user), now=timezone.now()).select_related("team")
        return Response(FlaggedTicketSerializer(tickets.order_by("updated_at")[:500], many=True).data)


class BouncingTicketsApi(APIView):
    permission_classes = [LeadsAndIntegrations]

    @extend_schema(responses=FlaggedTicketSerializer(many=True))
    def get(self, request):
        """Open tickets handed off 3+ times (per team setting) with no public reply or status change between."""
        tickets = bouncing_tickets(ticket_scope(request.user)).select_related("team")
        return Response(FlaggedTicketSerializer(tickets.order_by("-handoffs_since_progress")[:500], many=True).data)
