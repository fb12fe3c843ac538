from django.urls import path

from reports.views import annual as views_annual
from reports.views import groups as views_groups
from reports.views import mails as views_mails
from reports.views import outline as views_outline
from reports.views import state as views

app_name = "reports"

urlpatterns = [
    path("", views.StateView.as_view(), name="state"),
    path("export.csv", views.StateExportView.as_view(), {"fmt": "csv"}, name="state_csv"),
    path("export.xlsx", views.StateExportView.as_view(), {"fmt": "xlsx"}, name="state_xlsx"),
    path("behoerde/", views.AuthorityDashboardView.as_view(), name="my_dashboard"),
    path(
        "behoerde/<slug:slug>/",
        views.AuthorityDashboardView.as_view(),
        name="authority_dashboard",
    ),
    path("erinnerungen/", views.ReminderLogView.as_view(), name="reminder_log"),
    path("postausgang/", views_mails.FailedMailsView.as_view(), name="failed_mails"),
    path("vergleichsgruppen/", views.ComparisonGroupListView.as_view(), name="group_list"),
    path("vergleichsgruppen/neu/", views.ComparisonGroupCreateView.as_view(), name="group_create"),
    path(
        "vergleichsgruppen/zahlen/", views_groups.GroupFiguresView.as_view(), name="group_figures"
    ),
    path(
        "vergleichsgruppen/<int:pk>/",
        views.ComparisonGroupUpdateView.as_view(),
        name="group_update",
    ),
    path(
        "vergleichsgruppen/<int:pk>/loeschen/",
        views.ComparisonGroupDeleteView.as_view(),
        name="group_delete",
    ),
    path("jahresberichte/", views_annual.AnnualReportListView.as_view(), name="annual_report_list"),
    path(
        "jahresberichte/neu/",
        views_annual.AnnualReportCreateView.as_view(),
        name="annual_report_create",
    ),
    path(
        "jahresberichte/<int:pk>/",
        views_annual.AnnualReportDetailView.as_view(),
        name="annual_report",
    ),
    path(
        "jahresberichte/<int:pk>/fortschritt/",
        views_annual.AnnualReportProgressView.as_view(),
        name="annual_report_progress",
    ),
    path(
        "jahresberichte/<int:pk>/bearbeiten/",
        views_annual.AnnualReportUpdateView.as_view(),
        name="annual_report_update",
    ),
    path(
        "jahresberichte/<int:pk>/erzeugen/",
        views_annual.AnnualReportGenerateView.as_view(),
        name="annual_report_generate",
    ),
    path(
        "jahresberichte/<int:pk>/pruefung/",
        views_annual.AnnualReportReviewView.as_view(),
        name="annual_report_review",
    ),
    path(
        "jahresberichte/<int:pk>/abschliessen/",
        views_annual.AnnualReportFinaliseView.as_view(),
        name="annual_report_finalise",
    ),
    path(
        "jahresberichte/<int:pk>/korrektur/",
        views_annual.AnnualReportCorrectionView.as_view(),
        name="annual_report_correction",
    ),
    path(
        "jahresberichte/<int:pk>/gliederung-vorlegen/",
        views_outline.OutlineProposeView.as_view(),
        name="annual_report_outline_propose",
    ),
    path(
        "jahresberichte/gliederungen/",
        views_outline.OutlineDecisionListView.as_view(),
        name="annual_report_outlines",
    ),
    path(
        "jahresberichte/gliederungen/<int:pk>/",
        views_outline.OutlineDecideView.as_view(),
        name="annual_report_outline_decide",
    ),
    path(
        "jahresberichte/<int:pk>/bericht.pdf",
        views_annual.AnnualReportPdfView.as_view(),
        name="annual_report_pdf",
    ),
    path(
        "jahresberichte/<int:pk>/behoerde/<slug:slug>.pdf",
        views_annual.AnnualReportPartView.as_view(),
        name="annual_report_part",
    ),
    path(
        "jahresberichte/<int:pk>/export.csv",
        views_annual.AnnualReportExportView.as_view(),
        {"fmt": "csv"},
        name="annual_report_csv",
    ),
    path(
        "jahresberichte/<int:pk>/export.xlsx",
        views_annual.AnnualReportExportView.as_view(),
        {"fmt": "xlsx"},
        name="annual_report_xlsx",
    ),
]
