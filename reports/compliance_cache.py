"""compute_compliance for the dashboards, cached per data version (reports.models.DataVersion).

The key holds the data version's token, read before the figures: an entry is never older than
its token, and every committed write to the rule's tables changes the token, so the next page
computes afresh. Per process (Django's default local-memory cache unless CACHES says otherwise);
entries of older tokens are simply no longer asked for.
"""

import hashlib
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from authorities.models import Authority
from reports.compliance import ComplianceRecord, compute_compliance
from reports.data_version import current_token

#: Entries are dropped after a day unread (memory only: the token decides what is current).
KEEP_SECONDS = 24 * 3600


def cached_compliance(
    years: Iterable[int], *, authorities: list[Authority], as_of: date | None = None
) -> list[ComplianceRecord]:
    """compute_compliance(years, authorities=authorities, as_of=as_of), from the cache when the
    data has not changed since it was computed."""
    as_of = as_of or timezone.localdate()
    years = sorted(set(years))
    token = current_token()
    if not token:  # nothing tracked written yet: no version to key by
        return compute_compliance(years, authorities=authorities, as_of=as_of)
    parts = (
        token,
        years,
        [a.pk for a in authorities],
        as_of.isoformat(),
        settings.SIKO_SCHEDULED_GRACE_DAYS,
    )
    key = "siko:compliance:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    records: list[ComplianceRecord] | None = cache.get(key)
    if records is None:
        records = compute_compliance(years, authorities=authorities, as_of=as_of)
        cache.set(key, records, KEEP_SECONDS)
    return records
