from django.urls import path

from followup.views import actions, minutes, records

# Mounted by siko/urls.py under /konferenzen/ in the "conferences" namespace.
urlpatterns = [
    path("nachtragen/", records.ConferenceRecordView.as_view(), name="conference_record"),
    path("<int:pk>/anwesenheit/", minutes.AttendanceView.as_view(), name="attendance"),
    path("<int:pk>/protokoll/", minutes.MinutesView.as_view(), name="minutes"),
    path("<int:pk>/protokoll/bearbeiten/", minutes.MinutesEditView.as_view(), name="minutes_edit"),
    path(
        "<int:pk>/protokoll/versenden/",
        minutes.MinutesCirculateView.as_view(),
        name="minutes_circulate",
    ),
    path(
        "<int:pk>/protokoll/kommentare/<int:comment_pk>/erledigt/",
        minutes.CommentResolveView.as_view(),
        name="minutes_comment_resolve",
    ),
    path(
        "<int:pk>/protokoll/freigeben/",
        minutes.MinutesApproveView.as_view(),
        name="minutes_approve",
    ),
    path(
        "<int:pk>/protokoll/korrektur/",
        minutes.MinutesCorrectionView.as_view(),
        name="minutes_correction",
    ),
    path(
        "<int:pk>/protokoll/fassung-<int:version>.pdf",
        minutes.MinutesPdfView.as_view(),
        name="minutes_pdf",
    ),
    path(
        "protokoll/kommentar/<str:token>/",
        minutes.MinutesCommentView.as_view(),
        name="minutes_comment",
    ),
    path(
        "protokoll/kommentar/<str:token>/protokoll.pdf",
        minutes.MinutesCommentPdfView.as_view(),
        name="minutes_comment_pdf",
    ),
    path("massnahmen/", actions.ActionListView.as_view(), name="action_list"),
    path("massnahmen/export.csv", actions.ActionExportView.as_view(), name="action_export"),
    path("massnahmen/<int:pk>/", actions.ActionDetailView.as_view(), name="action_detail"),
    path("massnahme/<str:token>/", actions.ActionLinkView.as_view(), name="action_link"),
    path(
        "<int:pk>/massnahmen/", actions.ConferenceActionsView.as_view(), name="conference_actions"
    ),
    path(
        "<int:pk>/tagesordnung/massnahmen/",
        actions.AgendaActionsView.as_view(),
        name="agenda_actions",
    ),
]
