"""REST API v1 for webhook subscriptions and their delivery log: admins only."""

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance.models import Role
from compliance.pagination import StrictCursorPagination

from .models import EVENTS, WebhookDelivery, WebhookSubscription
from .services import webhook_subscription_create, webhook_subscription_delete, webhook_subscription_update


class IsAdmin(permissions.BasePermission):
    message = "Only admins manage webhooks."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.role == Role.ADMIN


class OldestFirst(StrictCursorPagination):
    ordering = ("id",)


class NewestFirst(OldestFirst):
    ordering = ("-created_at", "-id")


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    url = serializers.URLField(max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), allow_empty=False)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active", "failure_count", "disabled_at", "created_by", "created_at"]
        read_only_fields = ["failure_count", "disabled_at", "created_by", "created_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="Signing key; shown only in this response")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "status",
            "attempts",
            "response_status",
            "response_ms",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
        ]


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    """Admins: webhook subscriptions (the secret is returned once, on create) and each one's delivery log."""

    queryset = WebhookSubscription.objects.select_related("created_by")
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [IsAdmin]
    pagination_class = OldestFirst

    @extend_schema(responses={201: WebhookSubscriptionCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = webhook_subscription_create(actor=request.user, **serializer.validated_data)
        return Response(WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        subscription = self.get_object()
        serializer = self.get_serializer(subscription, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        subscription = webhook_subscription_update(
            subscription=subscription, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(subscription).data)

    def destroy(self, request, *args, **kwargs):
        webhook_subscription_delete(subscription=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=NewestFirst, serializer_class=WebhookDeliverySerializer)
    def deliveries(self, request, pk=None):
        """The subscription's deliveries, newest first: status, attempts, response status and time."""
        subscription = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(subscription=subscription))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
