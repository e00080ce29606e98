"""REST API v1 for tickets: reads through the selectors, every write through tickets.services."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance.api_errors import conflict_on, error_response
from compliance.masking import mask_body, mask_customer, principal_load, viewer_for
from compliance.pagination import StrictCursorPagination
from regions.models import Region, Team, Tier

from .collaboration import side_conversation_close, side_conversation_reply, side_conversation_start
from .markdown import render_markdown
from .models import (
    MESSAGE_KINDS,
    STATUSES_AFTER_REPLY,
    Channel,
    Customer,
    EventKind,
    Priority,
    SideConversation,
    Status,
    Ticket,
    TicketEvent,
)
from .selectors import (
    QUEUE_VIEWS,
    side_conversation_get_for,
    ticket_get_for,
    ticket_queue,
    ticket_scope,
    ticket_timeline,
)
from .services import (
    customer_get_or_create,
    ticket_assign,
    ticket_create,
    ticket_reply,
    ticket_route,
    ticket_set_escalation,
    ticket_set_next_action,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_tags,
)


class UsesTickets(permissions.BasePermission):
    """People of the workspace (use_app) and integrations (use_api); which tickets is ticket_scope's call."""

    def has_permission(self, request, view):
        user = request.user
        principal_load(user)  # role, permissions and led teams in one query, before the first check
        return user.is_authenticated and (user.has_perm("helpdesk.use_app") or user.has_perm("helpdesk.use_api"))


class RepliesByAgents(permissions.BasePermission):
    """Replies and internal notes are written by people of the workspace, not by integrations."""

    message = "Replies and internal notes are written by agents."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.has_perm("helpdesk.use_app")


# Output


def _viewer(serializer):
    """The caller's PII viewer; without a request in the context, the strictest one (never the full data)."""
    request = serializer.context.get("request")
    return viewer_for(getattr(request, "user", None))


class TicketCustomerSerializer(serializers.ModelSerializer):
    """Personal fields pass through compliance masking for the caller (masked, hidden or revealed per policy)."""

    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField(help_text="Masked (e.g. a•••@example.org) when the policy says so")
    masked_fields = serializers.SerializerMethodField(help_text="The fields shown masked or hidden to the caller")

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "country", "language", "vip", "masked_fields"]

    def _shown(self, customer):
        cache = self.context.setdefault("_pii_customers", {})
        if customer.pk not in cache:
            viewer = _viewer(self)
            cache[customer.pk] = {a: mask_customer(viewer, customer, a) for a in ("name", "email")}
        return cache[customer.pk]

    @extend_schema_field(serializers.CharField())
    def get_name(self, customer):
        return self._shown(customer)["name"].text

    @extend_schema_field(serializers.CharField())
    def get_email(self, customer):
        return self._shown(customer)["email"].text

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_masked_fields(self, customer):
        return [a for a, shown in self._shown(customer).items() if shown.is_masked]


class TicketTeamSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Team
        fields = ["code", "name", "region"]


class TicketNextActionSerializer(serializers.Serializer):
    text = serializers.CharField(source="next_action", allow_blank=True, help_text="Empty: none written")
    due_at = serializers.DateTimeField(source="next_action_due_at", allow_null=True)
    set_by = serializers.CharField(source="next_action_set_by.username", read_only=True, allow_null=True)
    set_at = serializers.DateTimeField(source="next_action_set_at", allow_null=True)


class TicketSlaSerializer(serializers.Serializer):
    state = serializers.CharField(source="sla_state")
    target = serializers.CharField(source="sla_target", help_text="The target that falls due first")
    due_at = serializers.DateTimeField(source="sla_due_at", allow_null=True)


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    customer = TicketCustomerSerializer(read_only=True)
    team = TicketTeamSerializer(read_only=True, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    next_action = TicketNextActionSerializer(source="*", read_only=True)
    sla = TicketSlaSerializer(source="*", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "status",
            "priority",
            "tier",
            "channel",
            "customer",
            "team",
            "assignee",
            "tags",
            "is_critical",
            "is_outage",
            "next_action",
            "sla",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TicketEventSerializer(serializers.ModelSerializer):
    """Message bodies are masked for the caller before they are rendered, so body_html never holds more."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    summary = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField(help_text="Markdown, masked per PII policy; messages only")
    body_html = serializers.SerializerMethodField(help_text="Sanitised HTML of the (masked) body; messages only")
    body_masked = serializers.SerializerMethodField(help_text="The body is shown masked; messages only")
    internal = serializers.BooleanField(source="is_internal", read_only=True, help_text="An internal note")

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "kind",
            "created_at",
            "actor",
            "summary",
            "data",
            "body",
            "body_html",
            "body_masked",
            "internal",
        ]
        read_only_fields = fields

    def _body(self, event):
        if not event.is_message:
            return None
        cache = self.context.setdefault("_pii_bodies", {})
        if event.pk not in cache:
            cache[event.pk] = mask_body(_viewer(self), event.body, event.ticket.customer)
        return cache[event.pk]

    @extend_schema_field(serializers.CharField())
    def get_summary(self, event):
        # A customer's message is summarised by their name.
        if event.kind == EventKind.CUSTOMER_MESSAGE:
            return mask_customer(_viewer(self), event.ticket.customer, "name").text
        return event.summary

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, event):
        shown = self._body(event)
        return shown.text if shown is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body_html(self, event):
        shown = self._body(event)
        return render_markdown(shown.text) if shown is not None else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_body_masked(self, event):
        shown = self._body(event)
        return shown.is_masked if shown is not None else None


class SideConversationSerializer(serializers.ModelSerializer):
    """A side conversation with its messages (timeline events: start, message, close), bodies masked per policy."""

    team = serializers.SlugRelatedField(source="target_team", slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(source="target_region", slug_field="code", read_only=True, allow_null=True)
    asking_team = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    messages = serializers.SerializerMethodField(help_text="Start, messages and close, oldest first")

    class Meta:
        model = SideConversation
        fields = [
            "id",
            "subject",
            "status",
            "team",
            "region",
            "asking_team",
            "started_by",
            "created_at",
            "closed_by",
            "closed_at",
            "messages",
        ]
        read_only_fields = fields

    @extend_schema_field(TicketEventSerializer(many=True))
    def get_messages(self, conversation):
        events = self.context["side_events"].get(conversation.pk, [])
        return TicketEventSerializer(events, many=True, context=self.context).data


class SideConversationCreateSerializer(serializers.Serializer):
    team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, help_text="Ask this team (its code)"
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, help_text="Or every team of this region"
    )
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="The question, Markdown")

    def validate(self, attrs):
        if ("team" in attrs) == ("region" in attrs):
            raise serializers.ValidationError({"team": ["Give one team or one region to ask, not both."]})
        return attrs


class SideConversationMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown")


class SideConversationCloseInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=2000, help_text="What came of it")


# Input


# Cursor pages need an order on columns that are never null; the id breaks ties.
TICKET_ORDERINGS = {
    "-id": ("-id",),
    "id": ("id",),
    "-updated_at": ("-updated_at", "-id"),
    "updated_at": ("updated_at", "id"),
}


class TicketQuerySerializer(serializers.Serializer):
    view = serializers.ChoiceField(choices=list(QUEUE_VIEWS.items()), default="all")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    language = serializers.CharField(max_length=8, required=False)
    sla_due_within = serializers.IntegerField(
        min_value=0, required=False, help_text="Minutes: only tickets whose SLA falls due within them"
    )
    missing_next_action = serializers.BooleanField(
        required=False, default=False, help_text="Only tickets without a Next Action"
    )
    customer_email = serializers.EmailField(required=False, help_text="Case-insensitive")
    q = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Search: a reference (MER-123), words of the subject, or a customer's full email (exact)",
    )
    ordering = serializers.ChoiceField(
        choices=TICKET_ORDERINGS,
        default="-id",
        help_text="-id: newest first; updated_at orders change while you page, so use /tickets/sync/ to follow changes",
    )


class TicketCustomerInputSerializer(serializers.ModelSerializer):
    """Validation only (the model's own validators); the customer is found or made by the service."""

    class Meta:
        model = Customer
        fields = ["email", "name", "country", "language", "phone", "company", "vip"]
        # A known email is the same customer again, not a conflict.
        extra_kwargs = {"email": {"validators": []}}


class TicketCreateSerializer(serializers.Serializer):
    customer = TicketCustomerInputSerializer()
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="The customer's first message, Markdown")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    tier = serializers.ChoiceField(
        choices=Tier.choices, required=False, allow_null=True, help_text="Empty: chosen by the routing rules"
    )
    tags = serializers.ListField(child=serializers.SlugField(max_length=40), default=list)
    is_critical = serializers.BooleanField(default=False)
    is_outage = serializers.BooleanField(default=False)


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True, "description": "Username or id"}
)
class AssigneeField(serializers.Field):
    default_error_messages = {"unknown": "No user with this username or id."}

    def to_internal_value(self, value):
        users = get_user_model().objects.select_related("agent")
        if isinstance(value, int) and not isinstance(value, bool):
            user = users.filter(pk=value).first()
        elif isinstance(value, str) and value.strip():
            value = value.strip()
            user = users.filter(username=value).first()
            if user is None and value.isdigit():
                user = users.filter(pk=int(value)).first()
        else:
            user = None
        if user is None:
            self.fail("unknown")
        return user

    def to_representation(self, value):
        return value.username


class TicketUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = AssigneeField(required=False, allow_null=True, help_text="Username or id; null: unassign")
    tags = serializers.ListField(child=serializers.SlugField(max_length=40), required=False)
    is_critical = serializers.BooleanField(required=False)
    is_outage = serializers.BooleanField(required=False)

    def validate(self, attrs):
        # Say so rather than silently ignore a field that cannot be changed here.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["This field cannot be changed."] for name in unknown})
        return attrs


class TicketMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown; in an internal note, @username and @team-code mention them")
    internal = serializers.BooleanField(default=False, help_text="An internal note only agents see")
    urgent = serializers.BooleanField(
        default=False, help_text="Internal notes only: mentions of people off shift go to a lead on shift now"
    )
    status = serializers.ChoiceField(
        choices=[s.value for s in STATUSES_AFTER_REPLY],
        required=False,
        allow_null=True,
        default=None,
        help_text="Then set the ticket to this status in the same change (e.g. pending: waiting for the customer)",
    )


class TicketNextActionInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="Empty: clear the Next Action")
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TicketCursorPagination(StrictCursorPagination):
    page_size = 50
    max_page_size = 200
    # The id never changes, so a cursor neither skips nor repeats a ticket whose SLA moves meanwhile.
    ordering = "-id"


# A write commits a moment after it reads the clock for updated_at; sync only hands out rows older than this, so a
# slow commit never lands behind a keyset a client has already passed.
SYNC_SETTLE = dt.timedelta(seconds=5)


class TicketSyncQuerySerializer(serializers.Serializer):
    since_updated_at = serializers.DateTimeField(
        required=False, help_text="The updated_at of the last ticket seen (next.since_updated_at); omit to start"
    )
    since_id = serializers.IntegerField(
        min_value=0, default=0, help_text="The id of the last ticket seen (next.since_id)"
    )
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class TicketSyncKeysetSerializer(serializers.Serializer):
    since_updated_at = serializers.DateTimeField(allow_null=True)
    since_id = serializers.IntegerField()


class TicketSyncPageSerializer(serializers.Serializer):
    results = TicketSerializer(many=True)
    next = TicketSyncKeysetSerializer(help_text="Pass these back as query parameters for the next page")
    has_more = serializers.BooleanField(help_text="False: caught up; poll again later with next")


class TicketViewSet(viewsets.GenericViewSet):
    """Tickets the caller may see (others are 404); every change goes through tickets.services."""

    queryset = Ticket.objects.none()
    serializer_class = TicketSerializer
    permission_classes = [UsesTickets]
    pagination_class = TicketCursorPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return ticket_scope(self.request.user)

    def get_object(self):
        return ticket_get_for(self.request.user, self.kwargs["pk"])

    def _ticket_response(self, ticket, code=status.HTTP_200_OK):
        return Response(TicketSerializer(ticket, context=self.get_serializer_context()).data, status=code)

    @extend_schema(parameters=[TicketQuerySerializer])
    def list(self, request):
        """A queue of tickets with filters, newest first."""
        query = TicketQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        email = filters.pop("customer_email", None)
        self.paginator.ordering = TICKET_ORDERINGS[filters.pop("ordering")]
        tickets = ticket_queue(request.user, now=timezone.now(), **filters)
        if email:
            tickets = tickets.filter(customer__email=email.strip().lower())
        page = self.paginate_queryset(tickets.select_related("next_action_set_by"))
        return self.get_paginated_response(
            TicketSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request):
        """Open a ticket for the customer with this email (made on first contact); it is routed at once."""
        payload = TicketCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        details = data.pop("customer")
        # One transaction: a refused ticket leaves no new customer behind.
        with transaction.atomic():
            customer = customer_get_or_create(**details)
            ticket = ticket_create(customer=customer, actor=request.user, **data)
        return self._ticket_response(ticket, status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return self._ticket_response(self.get_object())

    @extend_schema(
        request=TicketUpdateSerializer,
        responses={200: TicketSerializer, 409: error_response("The ticket's status cannot change this way")},
    )
    def partial_update(self, request, pk=None):
        """Change status, priority, assignee, tags or escalation flags: one timeline event per change."""
        ticket = self.get_object()
        payload = TicketUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes, actor = payload.validated_data, request.user
        # All or nothing: a refused change undoes the ones before it.
        with transaction.atomic():
            if "status" in changes:
                with conflict_on("status"):
                    ticket_set_status(ticket=ticket, status=changes["status"], actor=actor)
            if "priority" in changes:
                ticket_set_priority(ticket=ticket, priority=changes["priority"], actor=actor)
            if "assignee" in changes:
                ticket_assign(ticket=ticket, assignee=changes["assignee"], actor=actor)
            if "tags" in changes:
                ticket_set_tags(ticket=ticket, tags=changes["tags"], actor=actor)
            if "is_critical" in changes or "is_outage" in changes:
                ticket_set_escalation(
                    ticket=ticket,
                    critical=changes.get("is_critical"),
                    outage=changes.get("is_outage"),
                    actor=actor,
                )
        return self._ticket_response(self.get_object())

    @extend_schema(responses=TicketEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """Everything that happened to the ticket, oldest first."""
        events = ticket_timeline(self.get_object())
        return Response(TicketEventSerializer(events, many=True, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], responses=TicketEventSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=TicketMessageInputSerializer,
        responses={201: TicketEventSerializer},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[UsesTickets, RepliesByAgents])
    def messages(self, request, pk=None):
        """GET: the customer's messages, replies and internal notes. POST: reply, or write a note."""
        ticket = self.get_object()
        if request.method == "GET":
            events = ticket_timeline(ticket).filter(kind__in=MESSAGE_KINDS)
            return Response(TicketEventSerializer(events, many=True, context=self.get_serializer_context()).data)
        payload = TicketMessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        internal = payload.validated_data["internal"]
        ticket_reply(ticket=ticket, actor=request.user, **payload.validated_data)
        kind = EventKind.NOTE if internal else EventKind.REPLY
        message = ticket_timeline(ticket).filter(kind=kind, actor=request.user).last()
        return Response(
            TicketEventSerializer(message, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(parameters=[TicketSyncQuerySerializer], responses=TicketSyncPageSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def sync(self, request):
        """Incremental sync: tickets changed after a keyset, in (updated_at, id) order.

        Start without since_updated_at, then pass back `next` each time. A ticket changed during a sync comes again
        later with its new updated_at; a ticket unchanged comes once. The last few seconds are held back until
        their writes have surely committed.
        """
        query = TicketSyncQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, since_id, limit = (query.validated_data.get(k) for k in ("since_updated_at", "since_id", "limit"))
        tickets = ticket_scope(request.user).filter(updated_at__lte=timezone.now() - SYNC_SETTLE)
        if since is not None:
            # The first condition is implied by the second; it lets PostgreSQL start the (updated_at, id) index
            # scan at SINCE instead of filtering every older row (1.1 s to under 1 ms at a million tickets).
            tickets = tickets.filter(updated_at__gte=since).filter(
                Q(updated_at__gt=since) | Q(updated_at=since, id__gt=since_id)
            )
        rows = list(
            tickets.select_related("customer", "team__region", "assignee", "next_action_set_by")
            .prefetch_related("tags")
            .order_by("updated_at", "id")[: limit + 1]
        )
        page, has_more = rows[:limit], len(rows) > limit
        keyset = (
            {"since_updated_at": page[-1].updated_at, "since_id": page[-1].id}
            if page
            else {
                "since_updated_at": since,
                "since_id": since_id,
            }
        )
        data = {"results": page, "next": keyset, "has_more": has_more}
        return Response(TicketSyncPageSerializer(data, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], responses=TicketNextActionSerializer)
    @extend_schema(methods=["PUT"], request=TicketNextActionInputSerializer, responses=TicketNextActionSerializer)
    @action(detail=True, methods=["get", "put"], url_path="next-action")
    def next_action(self, request, pk=None):
        """The note the next agent follows. PUT writes or confirms it; empty text clears it."""
        ticket = self.get_object()
        if request.method == "PUT":
            payload = TicketNextActionInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            ticket_set_next_action(ticket=ticket, actor=request.user, **payload.validated_data)
            ticket = self.get_object()
        return Response(TicketNextActionSerializer(ticket).data)

    def _side_conversations_response(self, ticket, conversations, code=status.HTTP_200_OK, many=True):
        events = {}
        for event in (
            ticket_timeline(ticket).filter(kind=EventKind.SIDE_CONVERSATION).select_related("ticket__customer")
        ):
            events.setdefault(event.data["conversation"], []).append(event)
        context = {**self.get_serializer_context(), "side_events": events}
        return Response(SideConversationSerializer(conversations, many=many, context=context).data, status=code)

    @extend_schema(methods=["GET"], responses=SideConversationSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=SideConversationCreateSerializer, responses={201: SideConversationSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="side-conversations",
        permission_classes=[UsesTickets, RepliesByAgents],
    )
    def side_conversations(self, request, pk=None):
        """GET: the ticket's side conversations with other teams or regions. POST: ask a team or a region."""
        ticket = self.get_object()
        if request.method == "POST":
            payload = SideConversationCreateSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            conversation = side_conversation_start(ticket=ticket, actor=request.user, **payload.validated_data)
            return self._side_conversations_response(ticket, conversation, status.HTTP_201_CREATED, many=False)
        conversations = ticket.side_conversations.select_related(
            "target_team", "target_region", "asking_team", "started_by", "closed_by"
        ).order_by("created_at", "id")
        return self._side_conversations_response(ticket, conversations)

    @extend_schema(request=SideConversationMessageInputSerializer, responses={201: SideConversationSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"side-conversations/(?P<conversation_pk>\d+)/messages",
        permission_classes=[UsesTickets, RepliesByAgents],
    )
    def side_conversation_message(self, request, pk=None, conversation_pk=None):
        """Write in an open side conversation (either side)."""
        ticket = self.get_object()
        conversation = side_conversation_get_for(ticket, conversation_pk)
        payload = SideConversationMessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        side_conversation_reply(conversation=conversation, actor=request.user, **payload.validated_data)
        conversation = side_conversation_get_for(ticket, conversation_pk)
        return self._side_conversations_response(ticket, conversation, status.HTTP_201_CREATED, many=False)

    @extend_schema(request=SideConversationCloseInputSerializer, responses=SideConversationSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"side-conversations/(?P<conversation_pk>\d+)/close",
        permission_classes=[UsesTickets, RepliesByAgents],
    )
    def side_conversation_close(self, request, pk=None, conversation_pk=None):
        """Close an open side conversation with its resolution; a closed one is a 400."""
        ticket = self.get_object()
        conversation = side_conversation_get_for(ticket, conversation_pk)
        payload = SideConversationCloseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        conversation = side_conversation_close(conversation=conversation, actor=request.user, **payload.validated_data)
        return self._side_conversations_response(ticket, conversation, many=False)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        """Route again as on arrival: team on shift now, then agent."""
        ticket_route(ticket=self.get_object(), actor=request.user)
        return self._ticket_response(self.get_object())


class CustomerSerializer(TicketCustomerSerializer):
    """A customer as the caller may see them: every personal field through compliance masking."""

    phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    account_id = serializers.SerializerMethodField()
    payment_card = serializers.SerializerMethodField()

    class Meta(TicketCustomerSerializer.Meta):
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "address",
            "account_id",
            "payment_card",
            "company",
            "country",
            "language",
            "locale",
            "time_zone",
            "vip",
            "masked_fields",
        ]

    PERSONAL = ("name", "email", "phone", "address", "account_id", "payment_card")

    def _shown(self, customer):
        cache = self.context.setdefault("_pii_customer_cards", {})
        if customer.pk not in cache:
            viewer = _viewer(self)
            cache[customer.pk] = {a: mask_customer(viewer, customer, a) for a in self.PERSONAL}
        return cache[customer.pk]

    @extend_schema_field(serializers.CharField())
    def get_phone(self, customer):
        return self._shown(customer)["phone"].text

    @extend_schema_field(serializers.CharField())
    def get_address(self, customer):
        return self._shown(customer)["address"].text

    @extend_schema_field(serializers.CharField())
    def get_account_id(self, customer):
        return self._shown(customer)["account_id"].text

    @extend_schema_field(serializers.CharField())
    def get_payment_card(self, customer):
        return self._shown(customer)["payment_card"].text


class CustomerQuerySerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, help_text="Exact match (any case); works on masked emails too")


class CustomerPagination(StrictCursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("id",)


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers of tickets the caller may see (others are 404); personal fields masked per policy."""

    serializer_class = CustomerSerializer
    permission_classes = [UsesTickets]
    pagination_class = CustomerPagination

    def get_queryset(self):
        return Customer.objects.filter(pk__in=ticket_scope(self.request.user).values("customer_id"))

    @extend_schema(parameters=[CustomerQuerySerializer])
    def list(self, request):
        query = CustomerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customers = self.get_queryset()
        if "email" in query.validated_data:
            customers = customers.filter(email=query.validated_data["email"].strip().lower())
        page = self.paginate_queryset(customers)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
