from django.urls import path

from cooperations import views

app_name = "cooperations"

urlpatterns = [
    path("", views.CooperationListView.as_view(), name="cooperation_list"),
    path("neu/", views.CooperationCreateView.as_view(), name="cooperation_create"),
    path("import/", views.CooperationImportView.as_view(), name="cooperation_import"),
    path("export.csv", views.CooperationExportView.as_view(), name="cooperation_export"),
    path("<int:pk>/", views.CooperationUpdateView.as_view(), name="cooperation_update"),
    path("konferenz/<int:pk>/angebot/", views.AgendaOfferView.as_view(), name="agenda_offer"),
    path(
        "konferenz/<int:pk>/<int:cooperation_pk>/besprochen/",
        views.RecordDiscussedView.as_view(),
        name="record_discussed",
    ),
]
