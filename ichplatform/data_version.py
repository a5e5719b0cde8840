"""Each institution's *data version*: a counter in the shared cache that every write of the
institution's data bumps once its transaction commits. Caches of institution data (the staff
dashboard, the API's cached counts, the response cache) put it in their keys, so a write makes
every entry of that institution unreachable at once: exact invalidation, not a TTL guess.

What bumps (docs/architecture.md, "Response cache", explains why this is complete):

* every save and delete of a model with an `institution` foreign key (all `InstitutionOwned`
  rows, `Membership`, `ApiToken`, `AuditEvent`), and every change of a many-to-many field of
  such a model: one post_save / post_delete / m2m_changed receiver per model, connected by
  `connect_signals()` from the app registry, so a new model is covered the day it is added;
* the bulk paths that send no signals: `InstitutionQuerySet` (the manager of every
  `InstitutionOwned` model) bumps after `update()`, `bulk_create()`, `bulk_update()` and
  `delete()`; the two raw SQL writes call `invalidate` themselves (the harvest's snapshot upsert in
  `dissemination.services.upsert_snapshots`, the quota ledger in `dissemination.quota_ledger`);
* what another institution's pages show: a membership change bumps every institution of its
  user (the navigation lists them), an institution's rename every institution that shares a
  member with it, a user's change every institution of the user.

Not bumps, on purpose: `ApiToken.last_used_at` (written by `queryset.update` at most once a minute
by the token authentication; shown only on the token page, which is not cached), a user's
`last_login`, and deletes of `MetricSnapshot` and `AuditEvent` rows through the ORM's cascade (no
receiver for those two, so that deleting a video or an institution stays a fast set-based delete
of its snapshots and audit trail: the deleted video or institution bumps).

The counter starts at a clock value, not 1: if the cache evicts it, a new counter never comes back
to a value whose entries may still be stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

T = TypeVar("T")

# Deleted only with a parent whose delete bumps (see the module docstring): no post_delete
# receiver, which would make Django load every row of a cascade to send it a signal.
DELETED_BY_CASCADE_ONLY = {"dissemination.MetricSnapshot", "accounts.AuditEvent"}


def version_key(institution_id: int) -> str:
    """The counter's cache key (the response cache reads it with its entry in one round trip)."""
    return f"data-version:{institution_id}"


def version(*, institution_id: int) -> int:
    key = version_key(institution_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value


def bump(institution_id: int) -> None:
    key = version_key(institution_id)
    try:
        cache.incr(key)
    except ValueError:  # not stored (never set, or evicted): start afresh
        cache.set(key, time.time_ns(), timeout=None)


class _Bump:
    """An on-commit callback that bumps one institution (and remembers that it ran)."""

    def __init__(self, institution_id: int):
        self.institution_id, self.done = institution_id, False

    def __call__(self) -> None:
        self.done = True
        bump(self.institution_id)


def is_bump(callback) -> bool:
    """Whether an on-commit callback is a data-version bump (for tests counting their own callbacks)."""
    return isinstance(callback, _Bump)


def _pending(connection, institution_id: int, *, this_block: bool = False) -> bool:
    """Whether a bump of the institution waits for the commit (with `this_block`: one registered in
    the current atomic block; an outer block's bump is not counted, so that what a block registers
    is complete on its own, as tests capturing one block's callbacks expect)."""
    if not connection.in_atomic_block:
        return False
    block = set(connection.savepoint_ids)
    return any(isinstance(func, _Bump) and func.institution_id == institution_id and not func.done
               and (not this_block or savepoints == block)
               for savepoints, func, _ in connection.run_on_commit)


def invalidate(*, institution_id: int, using: str | None = None) -> None:
    """The institution's cached data are out of date once the current transaction commits (at once
    outside a transaction); a rolled-back change invalidates nothing. One bump per institution and
    atomic block however many rows it writes. A failing bump (cache down) is logged by Django, not
    raised (`robust`): the write has committed, and the life of the entries that use the version
    (5 minutes: responses, video rows, tokens, memberships) bounds how long they may stay stale."""
    connection = transaction.get_connection(using)
    if _pending(connection, institution_id, this_block=True):
        return
    transaction.on_commit(_Bump(institution_id), using=using, robust=True)


def uncommitted_writes(*, institution_id: int, using: str | None = None) -> bool:
    """Whether the current transaction has written the institution's data and not committed yet: a
    cache must then neither serve (the transaction should read its own writes) nor store (what it
    would store may be rolled back). Never the case for a request outside a transaction."""
    return _pending(transaction.get_connection(using), institution_id)


def invalidate_many(institution_ids: Iterable[int | None], using: str | None = None) -> None:
    for institution_id in set(institution_ids) - {None}:
        invalidate(institution_id=institution_id, using=using)


class InstitutionQuerySet(models.QuerySet):
    """The queryset of every institution-owned model: its bulk writes, which send no signals, bump
    the data version of the institutions whose rows they write."""

    def _institution_ids(self) -> set[int]:
        return set(self.order_by().values_list("institution_id", flat=True).distinct())

    def update(self, **kwargs):
        institution_ids = self._institution_ids()
        rows = super().update(**kwargs)
        if rows:
            invalidate_many(institution_ids, using=self.db)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        invalidate_many((obj.institution_id for obj in created), using=self.db)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        invalidate_many((obj.institution_id for obj in objs), using=self.db)
        return rows

    def delete(self):
        institution_ids = self._institution_ids()
        result = super().delete()
        invalidate_many(institution_ids, using=self.db)
        return result

    delete.alters_data = True
    delete.queryset_only = True


# -- the generic receivers ------------------------------------------------------------------------
def institutions_touched(instance) -> set[int]:
    """The institutions whose pages show this row."""
    from django.contrib.auth import get_user_model

    from accounts.models import Institution, Membership

    if isinstance(instance, Institution):  # its name is in the navigation of its members' other institutions
        members = Membership.objects.filter(institution_id=instance.pk).values("user_id")
        return {instance.pk, *Membership.objects.filter(user_id__in=members).values_list("institution_id", flat=True)}
    if isinstance(instance, get_user_model()):
        return set(Membership.objects.filter(user_id=instance.pk).values_list("institution_id", flat=True))
    if isinstance(instance, Membership):  # the user's navigation lists all their institutions
        return {instance.institution_id,
                *Membership.objects.filter(user_id=instance.user_id).values_list("institution_id", flat=True)}
    return {instance.institution_id}


def _saved(sender, instance, raw=False, update_fields=None, using=None, **kwargs):
    if raw:  # loaddata
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    invalidate_many(institutions_touched(instance), using=using)


def _deleted(sender, instance, using=None, **kwargs):
    invalidate_many(institutions_touched(instance), using=using)


def _m2m_changed(sender, instance, action, using=None, **kwargs):
    if action.startswith("post_"):
        invalidate_many(institutions_touched(instance), using=using)


def institution_scoped_models() -> list[type[models.Model]]:
    """Every model with a foreign key called `institution` to accounts.Institution."""
    from django.apps import apps

    from accounts.models import Institution

    scoped = []
    for model in apps.get_models():
        try:
            field = model._meta.get_field("institution")
        except FieldDoesNotExist:
            continue
        if getattr(field, "related_model", None) is Institution and not field.many_to_many:
            scoped.append(model)
    return scoped


def connect_signals() -> None:
    """Called once from the app registry (IchplatformConfig.ready)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from accounts.models import Institution

    for model in [*institution_scoped_models(), Institution, get_user_model()]:
        uid = f"data-version:{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        if model._meta.label not in DELETED_BY_CASCADE_ONLY:
            post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            m2m_changed.connect(_m2m_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}:{field.name}")


# -- rows cached while their institution's data are unchanged ------------------------------------
def stamped_read(*, key: str, read: Callable[[], T | None], institution_of: Callable[[T], int],
                 timeout: int) -> tuple[T | None, int | None]:
    """`read()`'s value from the cache while the data version of its institution is unchanged, and
    the version it is stamped with. The version is read *before* the rows (a write committed between
    the two leaves a stamp already superseded, never a stale value under the new version), which
    needs the institution: a value read for the first time, or found in another institution than its
    stale entry's, is stored with no stamp (never served) and stamped on the next read. A request
    inside a transaction that wrote the institution's data reads the database (its own writes)."""
    entry = cache.get(key)
    if entry is None:
        value = read()
        if value is not None:
            cache.set(key, (None, value), timeout=timeout)
        return value, None
    stamp, value = entry
    institution_id = institution_of(value)
    if uncommitted_writes(institution_id=institution_id):
        return read(), None
    current = version(institution_id=institution_id)
    if stamp == current:
        return value, stamp
    value = read()
    if value is None:
        cache.delete(key)
        return None, None
    stamp = current if institution_of(value) == institution_id else None
    cache.set(key, (stamp, value), timeout=timeout)
    return value, stamp


def restamp(*, key: str, value, stamp: int | None, timeout: int) -> None:
    """Store a value changed in a way that is not a version bump, under the stamp it was served with
    (older than a concurrent writer's stamp at worst, which only forces a re-read)."""
    cache.set(key, (stamp, value), timeout=timeout)
