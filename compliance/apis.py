"""REST API v1 for the audit log: admins read it; nobody writes it through the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from .audit import audit_entry_list, audit_record
from .models import AuditAction, AuditEntry, Role
from .pagination import StrictCursorPagination


class IsAdmin(permissions.BasePermission):
    message = "Only admins read the audit log."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.role == Role.ADMIN


class NewestFirst(StrictCursorPagination):
    ordering = ("-at", "-id")


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", help_text='Username, or "anonymous" / "system"')
    actor_id = serializers.IntegerField(allow_null=True, help_text="Null once the user is deleted")

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "actor_id", "action", "object_type", "object_id", "summary", "details", "ip"]


class AuditQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    actor = serializers.CharField(required=False, help_text='Exact username, or "anonymous" / "system"')
    object_type = serializers.CharField(required=False, help_text="app_label.model, e.g. helpdesk.user")
    since = serializers.DateTimeField(required=False, help_text="Entries at or after this instant")
    until = serializers.DateTimeField(required=False, help_text="Entries before this instant")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "Must be after since."})
        return attrs


class AuditEntryListApi(generics.ListAPIView):
    """Admins: audit entries newest first, with the audit log page's filters; cursor pages."""

    serializer_class = AuditEntrySerializer
    pagination_class = NewestFirst
    permission_classes = [IsAdmin]

    def get_queryset(self):
        query = AuditQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit_entry_list(**query.validated_data)

    def permission_denied(self, request, message=None, code=None):
        if request.user.is_authenticated:
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=request.user,
                summary=f"{request.user.get_username()} was refused {request.path}",
                object_type=AuditEntry._meta.label_lower,
                request=request,
            )
        super().permission_denied(request, message=message, code=code)

    @extend_schema(parameters=[AuditQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
