from django.urls import path

from . import views, views_answers, views_documents, views_partner

app_name = "conferences"

urlpatterns = [
    path("", views.ConferenceListView.as_view(), name="conference_list"),
    path("neu/", views.ConferenceCreateView.as_view(), name="conference_create"),
    path("<int:pk>/", views.ConferenceDetailView.as_view(), name="conference_detail"),
    path("<int:pk>/bearbeiten/", views.ConferenceUpdateView.as_view(), name="conference_update"),
    path("<int:pk>/absagen/", views.ConferenceCancelView.as_view(), name="conference_cancel"),
    path("<int:pk>/tagesordnung/", views.AgendaView.as_view(), name="agenda"),
    path("<int:pk>/tagesordnung/<int:item_pk>/", views.AgendaItemUpdateView.as_view(),
         name="agenda_item_update"),
    path("<int:pk>/tagesordnung/<int:item_pk>/aktion/", views.AgendaItemActionView.as_view(),
         name="agenda_item_action"),
    path("<int:pk>/einladungen/", views.InvitationPlanView.as_view(), name="invitations"),
    path("<int:pk>/einladungen/<int:invitation_pk>/entfernen/",
         views.InvitationRemoveView.as_view(), name="invitation_remove"),
    path("<int:pk>/versenden/", views.SendInvitationsView.as_view(), name="send"),
    path("<int:pk>/mails/", views.MailLogView.as_view(), name="mail_log"),
    path("antwort/<str:token>/", views_partner.AnswerView.as_view(), name="answer"),
    path("<int:pk>/antworten/", views_answers.AnswersPanelView.as_view(), name="answers_panel"),
    path("<int:pk>/einladungen/<int:invitation_pk>/antwort/",
         views_answers.RecordAnswerView.as_view(), name="record_answer"),
    path("<int:pk>/teilnehmende.csv", views_answers.ParticipantsCsvView.as_view(),
         name="participants_csv"),
    path("<int:pk>/teilnehmende.pdf", views_answers.ParticipantsPdfView.as_view(),
         name="participants_pdf"),
    path("<int:pk>/einladungen/<int:invitation_pk>/brief.pdf",
         views_documents.InvitationLetterView.as_view(), name="invitation_letter"),
    path("<int:pk>/kalender.ics", views_documents.ConferenceIcsView.as_view(),
         name="conference_ics"),
    path("kalender/", views_documents.CalendarFeedsView.as_view(), name="calendar_feeds"),
    path("kalender/<str:token>.ics", views_documents.CalendarFeedView.as_view(),
         name="calendar_feed"),
    path("partner/uebersicht/", views_partner.OverviewRequestView.as_view(),
         name="partner_overview_request"),
    path("partner/uebersicht/<str:token>/", views_partner.OverviewView.as_view(),
         name="partner_overview"),
    path("partner/meine-einladungen/", views_partner.MyInvitationsView.as_view(),
         name="partner_invitations"),
]
