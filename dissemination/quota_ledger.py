"""The quota ledger: units spent per API key, Pacific quota day and method.

Every attempt `ApiCaller` reports is written at once, in its own statement, outside
the page transaction: a call that was sent is spent even if the worker dies before
the page commits (over-counting is the safe direction). The write is one
`INSERT … ON CONFLICT DO UPDATE SET units = units + …` (same SQL on PostgreSQL and
SQLite ≥ 3.24), so concurrent workers add up without a lost update.
"""

from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from ichplatform import data_version

from .models import QuotaLedger
from .youtube.caller import ApiCall
from .youtube.quota import quota_day


def record_call(*, institution_id: int, api_key_hash: str, call: ApiCall, at: datetime | None = None) -> None:
    day = quota_day(at or datetime.now(UTC))
    table = QuotaLedger._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (institution_id, api_key_hash, quota_day, method, units, calls, failed_calls,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, 1, %s, %s)"
            " ON CONFLICT (institution_id, api_key_hash, quota_day, method) DO UPDATE SET"
            f" units = {table}.units + excluded.units, calls = {table}.calls + 1,"
            f" failed_calls = {table}.failed_calls + excluded.failed_calls, updated_at = excluded.updated_at",
            [institution_id, api_key_hash, day, call.method, call.units, 0 if call.ok else 1, timezone.now()],
        )
    data_version.invalidate(institution_id=institution_id)  # raw SQL sends no signal; the dashboard shows quota use


def units_spent(*, api_key_hash: str, day: date) -> int:
    """Units spent today with this key by every institution that shares it."""
    total = QuotaLedger.objects.filter(api_key_hash=api_key_hash, quota_day=day).aggregate(total=Sum("units"))
    return int(total["total"] or 0)


def remaining_units(*, api_key_hash: str, daily_quota: int, at: datetime | None = None) -> int:
    return max(daily_quota - units_spent(api_key_hash=api_key_hash, day=quota_day(at or datetime.now(UTC))), 0)
