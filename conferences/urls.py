from django.urls import path

from conferences.views import (
    answers,
    clashes,
    documents,
    partner,
    planning,
    replies,
    sending,
    uploads,
)

# Mounted by siko/urls.py under /konferenzen/ in the "conferences" namespace, together with the
# followup app's patterns (one namespace, so the URL names stayed as they were).
app_name = "conferences"

urlpatterns = [
    path("", planning.ConferenceListView.as_view(), name="conference_list"),
    path("neu/", planning.ConferenceCreateView.as_view(), name="conference_create"),
    path("neu/termine/", clashes.NewConferenceClashesView.as_view(), name="new_conference_clashes"),
    path("<int:pk>/", planning.ConferenceDetailView.as_view(), name="conference_detail"),
    path("<int:pk>/termine/", clashes.ConferenceClashesView.as_view(), name="conference_clashes"),
    path("<int:pk>/bearbeiten/", planning.ConferenceUpdateView.as_view(), name="conference_update"),
    path("<int:pk>/absagen/", planning.ConferenceCancelView.as_view(), name="conference_cancel"),
    path("<int:pk>/verlassen/", planning.ConferenceLeaveView.as_view(), name="conference_leave"),
    path("<int:pk>/tagesordnung/", planning.AgendaView.as_view(), name="agenda"),
    path(
        "<int:pk>/tagesordnung/<int:item_pk>/",
        planning.AgendaItemUpdateView.as_view(),
        name="agenda_item_update",
    ),
    path(
        "<int:pk>/tagesordnung/<int:item_pk>/aktion/",
        planning.AgendaItemActionView.as_view(),
        name="agenda_item_action",
    ),
    path("<int:pk>/einladungen/", planning.InvitationPlanView.as_view(), name="invitations"),
    path(
        "<int:pk>/einladungen/<int:invitation_pk>/entfernen/",
        planning.InvitationRemoveView.as_view(),
        name="invitation_remove",
    ),
    path(
        "<int:pk>/einladungen/<int:invitation_pk>/brief-versendet/",
        planning.InvitationLetterSentView.as_view(),
        name="invitation_letter_sent",
    ),
    path("<int:pk>/versenden/", planning.SendInvitationsView.as_view(), name="send"),
    path(
        "<int:pk>/versand/fortschritt/",
        sending.SendProgressView.as_view(),
        name="send_progress",
    ),
    path("<int:pk>/mails/", planning.MailLogView.as_view(), name="mail_log"),
    path("antwort/<str:token>/", partner.AnswerView.as_view(), name="answer"),
    path(
        "antwort/<str:token>/unterlagen/<int:document_pk>/",
        uploads.PartnerDocumentView.as_view(),
        name="answer_document",
    ),
    path("<int:pk>/unterlagen/", uploads.DocumentsView.as_view(), name="documents"),
    path(
        "<int:pk>/unterlagen/<int:document_pk>/",
        uploads.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path(
        "<int:pk>/unterlagen/<int:document_pk>/loeschen/",
        uploads.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
    path(
        "<int:pk>/unterlagen/<int:document_pk>/ankuendigen/",
        uploads.DocumentAnnounceView.as_view(),
        name="document_announce",
    ),
    path("<int:pk>/antworten/", answers.AnswersPanelView.as_view(), name="answers_panel"),
    path(
        "<int:pk>/einladungen/<int:invitation_pk>/antwort/",
        answers.RecordAnswerView.as_view(),
        name="record_answer",
    ),
    path("<int:pk>/erinnern/", answers.RemindNowView.as_view(), name="remind_now"),
    path(
        "<int:pk>/teilnehmende.csv", answers.ParticipantsCsvView.as_view(), name="participants_csv"
    ),
    path(
        "<int:pk>/teilnehmende.pdf", answers.ParticipantsPdfView.as_view(), name="participants_pdf"
    ),
    path(
        "<int:pk>/einladungen/<int:invitation_pk>/brief.pdf",
        documents.InvitationLetterView.as_view(),
        name="invitation_letter",
    ),
    path("<int:pk>/kalender.ics", documents.ConferenceIcsView.as_view(), name="conference_ics"),
    path("kalender/", documents.CalendarFeedsView.as_view(), name="calendar_feeds"),
    path(
        "kalenderantworten/",
        replies.UnmatchedRepliesView.as_view(),
        name="calendar_replies_unmatched",
    ),
    path("kalender/<str:token>.ics", documents.CalendarFeedView.as_view(), name="calendar_feed"),
    path(
        "partner/uebersicht/",
        partner.OverviewRequestView.as_view(),
        name="partner_overview_request",
    ),
    path(
        "partner/uebersicht/<str:token>/", partner.OverviewView.as_view(), name="partner_overview"
    ),
    path(
        "partner/meine-einladungen/",
        partner.MyInvitationsView.as_view(),
        name="partner_invitations",
    ),
]
