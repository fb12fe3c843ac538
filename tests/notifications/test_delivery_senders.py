"""A delivery task's batch shared by several senders (threads with their own database sessions
and mail server connections, PostgreSQL): each row is still sent once."""

import threading
from unittest import mock

import pytest
from django.db import connection

from notifications import outbox
from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the senders' own sessions see committed rows
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several senders need advisory locks (PostgreSQL); SQLite sends one by one",
    ),
]


def _queued(count: int) -> list[int]:
    rows = OutgoingMail.objects.bulk_create(
        OutgoingMail(
            kind=MailKind.INVITATION,
            dedup_key=f"senders:{n}",
            to=f"partner{n}@example.org",
            subject=f"Einladung {n}",
            body_text="Text",
            state=MailState.QUEUED,
        )
        for n in range(count)
    )
    return [row.pk for row in rows]


def test_three_senders_share_a_batch_and_send_each_row_once(smtp_server):
    ids = _queued(23)
    threads: set[int] = set()
    send_group = outbox._send_group

    def noting_thread(group, now):
        threads.add(threading.get_ident())
        return send_group(group, now)

    with mock.patch.object(outbox, "_send_group", noting_thread):
        results = outbox.send_mail_rows(ids + ids[:5], senders=3)

    assert len(threads) == 3
    assert set(results) == set(ids)
    assert {result.state for result in results.values()} == {MailState.SENT}
    assert sorted(smtp_server.count_by_message_id().values()) == [1] * 23
    assert set(OutgoingMail.objects.filter(pk__in=ids).values_list("state", "attempts")) == {
        (MailState.SENT, 1)
    }


def test_two_tasks_with_three_senders_each_on_the_same_rows_send_each_row_once(smtp_server):
    ids = _queued(40)
    results: list[dict[int, outbox.SendResult]] = []

    def task() -> None:
        try:
            results.append(outbox.send_mail_rows(ids, senders=3))
        finally:
            connection.close()

    tasks = [threading.Thread(target=task) for _ in range(2)]
    for thread in tasks:
        thread.start()
    for thread in tasks:
        thread.join(timeout=60)

    assert len(results) == 2
    for mail_id in ids:
        # One of the two tasks claimed and sent it, the other did not.
        assert sorted(bool(r[mail_id].claimed) for r in results) == [False, True]
    assert sorted(smtp_server.count_by_message_id().values()) == [1] * 40
    assert set(OutgoingMail.objects.filter(pk__in=ids).values_list("state", "attempts")) == {
        (MailState.SENT, 1)
    }
