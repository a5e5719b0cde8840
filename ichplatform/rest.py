"""REST settings objects: pagination and the one error body of the API.

Kept apart from ichplatform/api.py because DRF imports these while it is itself
being imported (a viewset base class here would be a circular import)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler


class DefaultPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def error_handler(exc, context):
    """Every error has the same body: {"error": {"status", "code", "message", "details"}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        message, details = "The request is not valid.", detail
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        details = None
    code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.Throttled):
        details = {"retry_after_seconds": exc.wait}
    response.data = {
        "error": {"status": response.status_code, "code": code, "message": message, "details": details}
    }
    return response
