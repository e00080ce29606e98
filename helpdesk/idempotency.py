"""Idempotency-Key for POSTs: a retry with the same key gets the first answer, and nothing is created twice.

The key row is inserted in the same transaction as the work and its stored answer. On PostgreSQL a second request
with the same key blocks on the unique index until the first one commits (then it replays the stored answer) or
rolls back (then it does the work itself), so two concurrent requests never both create.
"""

import datetime as dt
import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from compliance.api_errors import Conflict, ErrorDocumentingAutoSchema, Unprocessable, error_response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEPT = dt.timedelta(hours=IdempotencyKey.KEPT_FOR_HOURS)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string up to 255 characters (a UUID). A retry with the same key within 24 hours returns the "
        "first answer (header Idempotent-Replayed: true) and creates nothing; the same key with a different body "
        "is a 422."
    ),
)
IDEMPOTENCY_RESPONSES = {
    409: error_response("A request with this Idempotency-Key is still in progress"),
    422: error_response("This Idempotency-Key was used for a different request"),
}


def request_fingerprint(request):
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotency_key_claim(*, user, key, request_hash, now):
    """(row, claimed): the new row when this request is first, else the stored one. Call inside a transaction."""
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=now - KEPT).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, request_hash=request_hash, created_at=now), True
    except IntegrityError:
        # The unique index made us wait for the first request's transaction; it has committed its answer.
        return IdempotencyKey.objects.get(user=user, key=key), False


def idempotency_key_purge(*, now):
    """Forget keys older than 24 hours; returns how many."""
    return IdempotencyKey.objects.filter(created_at__lt=now - KEPT).delete()[0]


def _replay(row, request_hash):
    if row.request_hash != request_hash:
        raise Unprocessable("This Idempotency-Key was used for a different request.", code="idempotency_key_reused")
    if row.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still in progress.", code="in_progress")
    return Response(row.response, status=row.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(view_method):
    """Honour Idempotency-Key on POST for the decorated view method; other methods and keyless POSTs pass through."""

    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return view_method(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise serializers.ValidationError({HEADER: ["Give a key of 1 to 255 characters."]})
        request_hash = request_fingerprint(request)
        with transaction.atomic():
            row, claimed = idempotency_key_claim(
                user=request.user, key=key, request_hash=request_hash, now=timezone.now()
            )
            if not claimed:
                return _replay(row, request_hash)
            # An exception rolls back the work and the claim alike: the client may retry with the same key.
            response = view_method(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            row.status_code = response.status_code
            row.response = json.loads(JSONRenderer().render(response.data))
            row.save(update_fields=["status_code", "response"])
        return response

    wrapper.idempotent = True
    return wrapper


class ApiAutoSchema(ErrorDocumentingAutoSchema):
    """Also documents the Idempotency-Key header and its two answers on every POST that honours it."""

    def _honours_key(self):
        action = getattr(self.view, "action", None) or self.method.lower()
        return self.method == "POST" and getattr(getattr(self.view, action, None), "idempotent", False)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, IDEMPOTENCY_PARAMETER] if self._honours_key() else parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and self._honours_key():
            for code, response in IDEMPOTENCY_RESPONSES.items():
                responses.setdefault(str(code), self._get_response_for_code(response, str(code)))
        return responses
