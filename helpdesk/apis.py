from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.apis import TicketViewSet

from .idempotency import idempotent


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    time_zone = serializers.CharField()


class MeApi(APIView):
    """Who the caller is: lets an integration check its token."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {"username": user.username, "role": user.role, "time_zone": user.time_zone}
        return Response(MeSerializer(data).data)


class TicketApi(TicketViewSet):
    """The tickets API as served: a retried POST of a ticket or a message with the same Idempotency-Key is safe."""

    create = idempotent(TicketViewSet.create)
    messages = idempotent(TicketViewSet.messages)
