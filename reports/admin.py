"""Annual reports and the LKA's reviews in the admin, read only (the workflow runs in SiKo)."""

from django.contrib import admin

from reports.models import AnnualReport, ReportReview
from siko.admin import ReadOnlyAdmin


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ["year", "version", "status", "generation_state", "generated_at", "agreed_at"]
    list_filter = ["year", "status", "generation_state"]
    exclude = ["data", "outline"]


@admin.register(ReportReview)
class ReportReviewAdmin(ReadOnlyAdmin):
    list_display = ["report", "decision", "created_at", "created_by"]
    list_select_related = ["report", "created_by"]
