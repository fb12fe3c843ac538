from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.StateView.as_view(), name="state"),
    path("behoerde/", views.AuthorityDashboardView.as_view(), name="my_dashboard"),
    path(
        "behoerde/<slug:slug>/",
        views.AuthorityDashboardView.as_view(),
        name="authority_dashboard",
    ),
    path("erinnerungen/", views.ReminderLogView.as_view(), name="reminder_log"),
    path("vergleichsgruppen/", views.ComparisonGroupListView.as_view(), name="group_list"),
    path("vergleichsgruppen/neu/", views.ComparisonGroupCreateView.as_view(), name="group_create"),
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
]
