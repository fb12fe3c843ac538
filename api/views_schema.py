"""The OpenAPI 3 schema and its Swagger UI: public (they describe the API, hold no data).

Swagger UI comes from drf-spectacular-sidecar's static files (no CDN). Under SiKo's strict CSP
nothing is inline: the split view loads its start script from a URL of its own, and our page
template takes the few page styles from a static file instead of a <style> element.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import extensions  # noqa: F401 - registers the Bearer scheme before a schema is built


class SchemaView(SpectacularAPIView):
    authentication_classes = []
    public = True
    public_reason = "Beschreibung der API, ohne Daten"


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes = []
    public = True
    public_reason = "lesbare Beschreibung der API, ohne Daten"
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"
    title = "SiKo-API"
