from django.urls import path

from practices.views import practices as views

app_name = "practices"

urlpatterns = [
    path("", views.PracticeListView.as_view(), name="list"),
    path("neu/", views.PracticeCreateView.as_view(), name="create"),
    path("vorschlaege/", views.PracticeProposalsView.as_view(), name="proposals"),
    path("<int:pk>/", views.PracticeDetailView.as_view(), name="detail"),
    path("<int:pk>/bearbeiten/", views.PracticeUpdateView.as_view(), name="update"),
    path("<int:pk>/einreichen/", views.PracticeSubmitView.as_view(), name="submit"),
    path("<int:pk>/pruefen/", views.PracticeDecideView.as_view(), name="decide"),
    path("<int:pk>/anlage.pdf", views.PracticeAttachmentView.as_view(), name="attachment"),
]
