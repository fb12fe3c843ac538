from django.urls import path

from authorities.views import csv_import as views_csv
from authorities.views import directory as views
from authorities.views import r7 as views_r7
from authorities.views import staff as views_staff

app_name = "authorities"

urlpatterns = [
    path("behoerden/", views.AuthorityListView.as_view(), name="authority_list"),
    path("behoerden/<slug:slug>/", views.AuthorityDetailView.as_view(), name="authority_detail"),
    path(
        "behoerden/<slug:slug>/siko-start/",
        views.AuthorityStartYearView.as_view(),
        name="authority_start_year",
    ),
    path("partner/", views.PartnerListView.as_view(), name="partner_list"),
    path("partner/neu/", views.PartnerCreateView.as_view(), name="partner_create"),
    path("partner/import/", views_csv.PartnerImportView.as_view(), name="partner_import"),
    path("partner/export.csv", views_csv.PartnerExportView.as_view(), name="partner_export"),
    path("partner/<slug:slug>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    path(
        "partner/<slug:slug>/bearbeiten/", views.PartnerUpdateView.as_view(), name="partner_update"
    ),
    path(
        "partner/<slug:slug>/kontakte/neu/",
        views.ContactCreateView.as_view(),
        name="contact_create",
    ),
    path(
        "partner/<slug:slug>/kontakte/<int:pk>/",
        views.ContactUpdateView.as_view(),
        name="contact_update",
    ),
    path(
        "partner/<slug:slug>/kontakte/<int:pk>/loeschen/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path("benutzer/import/", views_staff.StaffImportView.as_view(), name="staff_import"),
    path(
        "benutzer/einrichten/<str:token>/",
        views_staff.AccountSetupView.as_view(),
        name="account_setup",
    ),
    path("hospitationen/", views_r7.HospitationListView.as_view(), name="hospitation_list"),
    path("hospitationen/neu/", views_r7.HospitationCreateView.as_view(), name="hospitation_create"),
    path(
        "hospitationen/<int:pk>/",
        views_r7.HospitationUpdateView.as_view(),
        name="hospitation_update",
    ),
    path("uebungen/", views_r7.ExerciseListView.as_view(), name="exercise_list"),
    path("uebungen/neu/", views_r7.ExerciseCreateView.as_view(), name="exercise_create"),
    path("uebungen/<int:pk>/", views_r7.ExerciseUpdateView.as_view(), name="exercise_update"),
]
