"""Moving models between apps keeps the data.

Minutes and actions moved from conferences to followup, the outbox and reminders to
notifications, with their tables. A database at the old head (conferences 0004, before the move)
is filled through the old models and migrated forward; every row is still there, read through
the new models, and the content types moved with them.
"""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from followup.models import Action, ActionChange, Minutes, MinutesComment, MinutesEntry
from notifications.models import OutgoingMail, Reminder

BEFORE_THE_MOVE = [
    ("conferences", "0004_minutes"),
    ("followup", None),
    ("notifications", None),
]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_rows_of_moved_models_survive_the_migration_forward(seeded):
    executor = migrate(BEFORE_THE_MOVE)
    # The models as the applied migrations define them: the old layout.
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    authority = old.get_model("authorities", "Authority").objects.get(slug="pp-dortmund")
    agency = old.get_model("authorities", "PartnerAgency").objects.get(slug="sta-dortmund")
    organiser = old.get_model("authorities", "User").objects.create(
        username="organiser", organisation_kind="kpb", authority=authority
    )
    start = timezone.now() - timedelta(days=10)
    conference = old.get_model("conferences", "Conference").objects.create(
        host=authority,
        organiser=organiser,
        title="SiKo vor dem Umzug",
        start=start,
        end=start + timedelta(hours=2),
        place="Saal 1",
        kind="siko",
        status="held",
        ical_uid="umzug@siko",
    )
    item = old.get_model("conferences", "AgendaItem").objects.create(
        conference=conference, order=1, title="Lage"
    )
    invitation = old.get_model("conferences", "Invitation").objects.create(
        conference=conference, agency=agency
    )
    minutes = old.get_model("conferences", "Minutes").objects.create(
        conference=conference, notes="Vorbemerkung"
    )
    old.get_model("conferences", "MinutesEntry").objects.create(
        minutes=minutes, agenda_item=item, report="Bericht zur Lage"
    )
    old.get_model("conferences", "MinutesComment").objects.create(
        minutes=minutes, invitation=invitation, text="Bitte ergänzen"
    )
    action = old.get_model("conferences", "Action").objects.create(
        conference=conference,
        text="Lagebild teilen",
        owner_agency=agency,
        due_date=start.date() + timedelta(days=30),
    )
    old.get_model("conferences", "ActionChange").objects.create(
        action=action, state_before="open", state_after="in_progress", note="begonnen"
    )
    mail = old.get_model("conferences", "OutgoingMail").objects.create(
        kind="invitation",
        conference=conference,
        invitation=invitation,
        dedup_key="umzug:1",
        to="sta@example.org",
        subject="Einladung",
        body_text="Text",
    )
    old.get_model("conferences", "Reminder").objects.create(
        rule="invitation_unanswered",
        subject_key=f"invitation:{invitation.pk}",
        stage="14d@0",
        recipient="sta@example.org",
        due_at=start,
        conference=conference,
        invitation=invitation,
        mail=mail,
    )
    item.source_action = action
    item.save()
    # As in a database created before the move: the content types belong to conferences.
    content_types = old.get_model("contenttypes", "ContentType").objects
    content_types.filter(app_label__in=["followup", "notifications"]).delete()
    for model in ["minutes", "action", "outgoingmail", "reminder"]:
        content_types.get_or_create(app_label="conferences", model=model)

    migrate(executor.loader.graph.leaf_nodes())

    assert Minutes.objects.get(pk=minutes.pk).notes == "Vorbemerkung"
    assert MinutesEntry.objects.get(minutes_id=minutes.pk).report == "Bericht zur Lage"
    assert MinutesComment.objects.get(minutes_id=minutes.pk).text == "Bitte ergänzen"
    moved_action = Action.objects.get(pk=action.pk)
    assert (moved_action.text, moved_action.owner_agency_id) == ("Lagebild teilen", agency.pk)
    assert ActionChange.objects.get(action_id=action.pk).note == "begonnen"
    assert moved_action.agenda_items.get().title == "Lage"
    moved_mail = OutgoingMail.objects.get(pk=mail.pk)
    assert (moved_mail.subject, moved_mail.invitation_id) == ("Einladung", invitation.pk)
    assert Reminder.objects.get(mail_id=mail.pk).rule == "invitation_unanswered"
    moved_types = ContentType.objects.filter(
        model__in=["minutes", "action", "outgoingmail", "reminder"]
    ).values_list("app_label", "model")
    assert set(moved_types) == {
        ("followup", "minutes"),
        ("followup", "action"),
        ("notifications", "outgoingmail"),
        ("notifications", "reminder"),
    }
