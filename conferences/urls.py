from django.urls import path

from . import views, views_partner

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
]
