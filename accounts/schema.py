"""Teach drf-spectacular how partner tokens authenticate (`Authorization: Bearer …`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner token created by an institution admin (Institution → API tokens). "
            "Scopes: read, write, generate.",
        }
