"""One JSON shape for every API error: {"error": {"code", "message", "fields"}}."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    """The request is valid but the resource's current state refuses it (a status transition, a key in use)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, fields=None):
        super().__init__(detail, code)
        self.fields = fields or {}


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _flatten(detail, prefix=""):
    """{field: [messages]} from DRF's nested detail; nested fields are dotted ("customer.email", "tags.0")."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        items = ((str(i), item) for i, item in enumerate(detail) if item)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in messages]}
    fields = {}
    for name, value in items:
        fields.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
    return fields


def error_body(code, message, fields=None):
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    # A 404 and a 403 say nothing about what exists: one generic message each.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):  # a service refusing input the serializer let through
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling (and error reporting) applies
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = error_body("invalid", "The request is invalid; see fields.", fields)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else _flatten(exc.detail)
        message = str(detail) if isinstance(detail, str) else next(iter(detail.values()))[0]
        code = getattr(detail, "code", None) or exc.default_code
        if isinstance(exc, exceptions.NotFound):
            message, code = exceptions.NotFound.default_detail, "not_found"
        response.data = error_body(str(code), str(message), getattr(exc, "fields", None))
    return response


@contextmanager
def conflict_on(field):
    """A service's ValidationError on FIELD becomes a 409: the input was fine, the current state refused it."""
    try:
        yield
    except DjangoValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        if field not in errors:
            raise
        raise Conflict(errors[field][0], fields={field: errors[field]}) from None


class ErrorFieldsSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="invalid, not_authenticated, permission_denied, not_found, conflict, ...")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted for nested fields); empty unless code is invalid or conflict",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorFieldsSerializer()


def error_response(description):
    return OpenApiResponse(response=ErrorSerializer, description=description)


ERROR_RESPONSES = {
    "400": "Invalid input: the messages per field are in error.fields",
    "401": "Not authenticated (no or a bad session or token)",
    "403": "Not allowed",
    "404": "Not found, or out of the caller's scope (the two are indistinguishable)",
    "429": "Throttled; Retry-After says when to try again",
}


def document_empty_query_values(result, generator, request, public):
    """An optional query parameter sent empty (`?until=`) counts as left out, as in an HTML form; say so."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


def api_error_page(status_code, code, message):
    """A Django error view that answers API paths in the one error shape and other paths with the HTML page."""

    def view(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(code, message), status=status_code)
        return defaults.page_not_found(request, exception) if status_code == 404 else defaults.server_error(request)

    return view


class ErrorDocumentingAutoSchema(AutoSchema):
    """Every operation documents the common errors in the one error shape, unless it says otherwise."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERROR_RESPONSES.items():
            responses.setdefault(code, self._get_response_for_code(error_response(description), code))
        return responses
