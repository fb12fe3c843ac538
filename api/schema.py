"""The schema names the error answers every operation can give (drf-spectacular documents only
the success): without a valid token 401, without permission 403, an unknown object or cursor
404, too many requests 429, a refused query 400. Each is `{"detail": "…"}` or, for 400, a
field → messages object."""

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ANSWERS = {
    "401": "Kein, ein ungültiger, widerrufener oder deaktivierter API-Schlüssel",
    "403": "Das Konto des Schlüssels darf das nicht lesen",
    "404": "Nicht vorhanden oder nicht im Bereich des Schlüssels; ungültiger Cursor",
    "406": "Nicht lieferbares Format (Accept)",
    "429": "Zu viele Anfragen mit diesem Schlüssel (Retry-After sagt, wann wieder)",
}


def add_error_answers(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: every operation under /api/v1/ gains the error answers."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, text in ANSWERS.items():
                responses.setdefault(status, _answer(text, "Error"))
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                responses.setdefault("400", _answer("Ungültige Angabe", "FieldErrors"))
    return result


def _answer(text: str, schema: str) -> dict[str, Any]:
    return {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
