"""Tells drf-spectacular how the API authenticates (Bearer token), for the schema and its UI."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API-Schlüssel, im Admin angelegt: `Authorization: Bearer siko_…`",
        }
