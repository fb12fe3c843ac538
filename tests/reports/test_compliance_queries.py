"""What the yearly rule reads: each pair once, and only the rows of the authorities asked for.

Runs on SQLite and on PostgreSQL (DATABASE_URL); on PostgreSQL the captured SQL is the exact
statement, so the DISTINCT reads are run again to count their rows.
"""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from authorities.models import Authority, PartnerAgency
from conferences.models import AgendaItem, Invitation, MandatedTopic
from reports.compliance import compute_compliance
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

YEAR = 2025


def held_siko(slug: str, organiser):
    start = datetime(YEAR, 3, 10, 10, tzinfo=timezone.get_default_timezone())
    return make_recorded_conference(
        slug, start, organiser=organiser, categories=["kommune"], topics=["sicherheitslage"]
    )


def test_distinct_reads_return_each_conference_category_and_topic_once(kpb_a_user):
    conference = held_siko("pp-dortmund", kpb_a_user)
    # A second Kommune and the same topic a second time: one category, one topic.
    other = (
        PartnerAgency.objects.filter(category="kommune")
        .exclude(invitations__conference=conference)
        .first()
    )
    Invitation.objects.create(conference=conference, agency=other, state="accepted")
    AgendaItem.objects.create(
        conference=conference,
        order=2,
        title="Lage, Teil 2",
        topic=MandatedTopic.objects.get(key="sicherheitslage"),
    )
    dortmund = Authority.objects.get(slug="pp-dortmund")

    with CaptureQueriesContext(connection) as queries:
        [record] = compute_compliance([YEAR], authorities=[dortmund], as_of=date(YEAR, 12, 31))

    assert "kommune" in record.categories_invited
    assert record.topics_covered.count("sicherheitslage") == 1
    distinct = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT DISTINCT")
        and (
            'FROM "conferences_invitation"' in q["sql"]
            or 'FROM "conferences_agendaitem"' in q["sql"]
        )
    ]
    assert len(distinct) == 2
    for sql in distinct:
        # The models' default ordering (agency name, item order) is not added to SELECT DISTINCT.
        assert "ORDER BY" not in sql, sql
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(distinct[1])  # the agenda topics
            assert cursor.fetchall() == [(conference.pk, "sicherheitslage")]


def test_one_authority_reads_only_its_own_conferences(kpb_a_user, kpb_b_user):
    own = held_siko("pp-dortmund", kpb_a_user)
    held_siko("lr-borken", kpb_b_user)
    dortmund = Authority.objects.get(slug="pp-dortmund")

    with CaptureQueriesContext(connection) as queries:
        [record] = compute_compliance([YEAR], authorities=[dortmund], as_of=date(YEAR, 12, 31))

    assert record.siko_held and record.siko_conference_ids == [own.pk]
    conference_reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "conferences_conference"' in q["sql"]
        and '"conferences_conference"."kind"' in q["sql"]
    ]
    assert len(conference_reads) == 1
    assert "authority_id" in conference_reads[0]
