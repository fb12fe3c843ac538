"""Searching good practice: by topic, partner category and free text; PostgreSQL stems German
words, SQLite matches substrings."""

import pytest
from django.db import connection

from practices.enums import PracticeState
from practices.models import GoodPractice
from practices.selectors import search_practices
from tests.factories.practices import make_published, topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(kpb_a_user, kpb_b_user, lzpd_user):
    make_published(
        kpb_a_user,
        lzpd_user,
        title="Gemeinsame Kontrolle im Bahnhofsviertel",
        summary="Polizei und Ordnungsamt kontrollieren freitags gemeinsam.",
        topic=topic("brennpunkte"),
        categories=["kommune"],
    )
    make_published(
        kpb_b_user,
        lzpd_user,
        title="Ordnungspartnerschaft Schulweg",
        summary="Schulamt, Kommune und Polizei sichern Schulwege.",
        result="Weniger Unfälle vor Grundschulen.",
        topic=topic("kooperationsstrukturen"),
        categories=["schulamt", "kommune"],
    )


def titles(**criteria) -> list[str]:
    practices = GoodPractice.objects.filter(state=PracticeState.PUBLISHED)
    return sorted(p.title for p in search_practices(practices, **criteria))


def test_search_by_topic(library):
    assert titles(topic=topic("kooperationsstrukturen")) == ["Ordnungspartnerschaft Schulweg"]


def test_search_by_partner_category(library):
    assert titles(category="schulamt") == ["Ordnungspartnerschaft Schulweg"]
    assert titles(category="kommune") == [
        "Gemeinsame Kontrolle im Bahnhofsviertel",
        "Ordnungspartnerschaft Schulweg",
    ]


def test_search_by_text_in_the_result(library):
    assert titles(text="Unfälle") == ["Ordnungspartnerschaft Schulweg"]


def test_search_combines_text_and_category(library):
    assert titles(text="Polizei", category="schulamt") == ["Ordnungspartnerschaft Schulweg"]


def test_search_without_match_is_empty(library):
    assert titles(text="Hafenrundfahrt") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded mode's fallback")
def test_sqlite_matches_substrings_case_insensitively(library):
    assert titles(text="kontrolle bahnhof") == ["Gemeinsame Kontrolle im Bahnhofsviertel"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full text search on PostgreSQL")
def test_postgresql_stems_german_words(library):
    # "Kontrollen" is no substring of the text; German stemming finds "Kontrolle".
    assert titles(text="Kontrollen") == ["Gemeinsame Kontrolle im Bahnhofsviertel"]
    assert titles(text="Schulwegen") == ["Ordnungspartnerschaft Schulweg"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full text search on PostgreSQL")
def test_postgresql_search_uses_the_gin_index(library):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        practices = search_practices(GoodPractice.objects.all(), text="Kontrollen")
        plan = practices.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "practice_search_gin" in plan
