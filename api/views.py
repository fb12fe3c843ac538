"""The read API (/api/v1/): thin views over scoped querysets.

Each request runs in the scope of the token's account (siko.scoping), exactly as that account's
pages do: a KPB's token reads its own authority, the state bodies' tokens read everything.
"""

from collections.abc import Mapping
from contextlib import ExitStack
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware
from django.shortcuts import get_object_or_404
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

if TYPE_CHECKING:
    from rest_framework.decorators import ViewSetAction
    from rest_framework.views import AsView, GenericView

from api.authentication import ApiTokenAuthentication
from api.pagination import ApiCursorPagination
from api.permissions import HasDeclaredPermission
from api.serializers import (
    BodySerializer,
    ComplianceQuerySerializer,
    ComplianceSerializer,
    MeetingSerializer,
    OrganizationSerializer,
    ReportSerializer,
)
from api.throttling import PerTokenRateThrottle
from authorities.models import Authority, PartnerAgency
from conferences.models import AgendaItem, Conference
from reports.annual import generation as report_generation
from reports.compliance_cache import cached_compliance
from reports.models import AnnualReport, ReportStatus
from siko.scoping import scope_for_user

#: ETag on every JSON answer; If-None-Match with it gets 304 Not Modified (Django's own rule).
conditional_get = decorator_from_middleware(ConditionalGetMiddleware)


class PdfRenderer(BaseRenderer):
    """Lets `Accept: application/pdf` through content negotiation; the view sends the bytes.

    An error (401, 404, 429) is DRF's dict: it goes out as JSON, labelled as such."""

    media_type = "application/pdf"
    format = "pdf"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> Any:
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class ApiViewSet(viewsets.GenericViewSet):
    """Token only, JSON only, the declared permission, the account's scope, paging, throttling."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasDeclaredPermission]
    throttle_classes = [PerTokenRateThrottle]
    renderer_classes = [JSONRenderer]
    pagination_class = ApiCursorPagination
    permission_required = "api.read"
    # Any key reaches the view, which answers 404 in JSON for one that is not there.
    lookup_value_regex = "[^/]+"
    _scope_stack: ExitStack

    @classmethod
    def as_view(
        cls, actions: "dict[str, str | ViewSetAction] | None" = None, **initkwargs: Any
    ) -> "AsView[GenericView]":
        # functools.wraps keeps the attributes DRF and the URL × role test read (cls, actions).
        view = conditional_get(super().as_view(actions, **initkwargs))
        view.siko_policy = cls.permission_required  # type: ignore[union-attr]
        return cast("AsView[GenericView]", view)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with ExitStack() as self._scope_stack:
            return super().dispatch(request, *args, **kwargs)

    #: Query parameters a list takes besides the paging ones (a misspelt one is refused).
    query_parameters: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # After authentication: the token's account replaces the (anonymous) session scope.
        self._scope_stack.enter_context(scope_for_user(request.user))
        if self.action is None:  # a method the view does not offer: 405 follows
            return
        allowed = {"format"}  # DRF's choice of renderer, e.g. ?format=json
        if self.action == "list":
            allowed |= {"cursor", "page_size", *self.query_parameters}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("Unbekannter Parameter.")] for name in unknown}
            )


class _BySlugViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiViewSet):
    """A directory list addressed by slug: `model`'s rows in the account's scope."""

    lookup_field = "slug"
    ordering = "slug"
    model: type[Authority] | type[PartnerAgency]
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.select_related(*self.related).order_by("slug")


class BodyViewSet(_BySlugViewSet):
    """Kreispolizeibehörden (OParl Body)."""

    serializer_class = BodySerializer
    model = Authority
    related = ("comparison_group",)


class OrganizationViewSet(_BySlugViewSet):
    """Partnerbehörden (OParl Organization): die, die das Gebiet der KPB abdecken."""

    serializer_class = OrganizationSerializer
    model = PartnerAgency
    related = ("routed_via",)


class MeetingViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiViewSet):
    """Konferenzen (OParl Meeting) mit Tagesordnung, Stand, Terminen und Mitveranstaltern."""

    serializer_class = MeetingSerializer
    ordering = ("start", "pk")

    def get_queryset(self) -> QuerySet[Conference]:
        return (
            Conference.objects.select_related("host")
            .prefetch_related(
                # A co-host is part of the conference, whichever authority reads it.
                Prefetch("authorities", queryset=Authority.objects.with_scopes_disabled().all()),
                Prefetch(
                    "agenda_items",
                    queryset=AgendaItem.objects.with_scopes_disabled()
                    .select_related("topic")
                    .order_by("order", "pk"),
                ),
            )
            .order_by("start", "pk")
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[ComplianceQuerySerializer],
        description="Erfüllung der SiKo-Pflicht je KPB und Jahr: die Felder von "
        "`manage.py compliance --json`, je KPB ein Objekt.",
    )
)
class ComplianceViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = ComplianceSerializer
    ordering = "slug"
    query_parameters = ("year", "as_of", "body")

    def get_queryset(self) -> QuerySet[Authority]:
        return Authority.objects.order_by("slug")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year: int = query.validated_data["year"]
        as_of: date | None = query.validated_data.get("as_of")
        authorities = self.get_queryset()
        if "body" in query.validated_data:
            authorities = authorities.filter(slug=query.validated_data["body"])
        page = self.paginate_queryset(authorities)
        assert page is not None
        records = cached_compliance([year], authorities=list(page), as_of=as_of)
        data = ComplianceSerializer([r.as_dict() for r in records], many=True).data
        return self.get_paginated_response(data)


class ReportViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiViewSet):
    """Endfassungen der Jahresberichte (OParl File) mit SHA-256 und Datei."""

    serializer_class = ReportSerializer
    ordering = ("year", "version")

    def get_queryset(self) -> QuerySet[AnnualReport]:
        return AnnualReport.objects.filter(status=ReportStatus.FINAL).order_by("year", "version")

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="für LZPD, LKA und IM der ganze Bericht, für eine KPB ihr Teil",
            )
        }
    )
    @action(detail=True, url_path="file", renderer_classes=[JSONRenderer, PdfRenderer])
    def file(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        report = self.get_object()
        user = request.user
        if user.has_perm("reports.read_annual_report"):
            if not report.has_pdf:
                raise Http404
            with report.pdf.open("rb") as handle:
                return _pdf(handle.read(), report_generation.file_name(report))
        authority = get_object_or_404(Authority, pk=getattr(user, "authority_id", None))
        if report.data is None:
            raise Http404
        try:
            pdf = report_generation.authority_part_pdf(report, authority.slug)
        except KeyError:
            raise Http404 from None
        return _pdf(pdf, report_generation.file_name(report, part=authority.slug))


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
