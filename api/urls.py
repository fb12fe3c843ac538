from django.urls import path
from rest_framework.routers import SimpleRouter

from api import views, views_schema

app_name = "api"

router = SimpleRouter()
router.register("bodies", views.BodyViewSet, basename="body")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("compliance", views.ComplianceViewSet, basename="compliance")
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [
    path("schema/", views_schema.SchemaView.as_view(), name="schema"),
    path("docs/", views_schema.DocsView.as_view(), name="docs"),
    *router.urls,
]
