"""Configuration that pages and the API read on every request (teams with their shifts, handoff settings), cached.

A change to any row it is built from drops it at once and again when the transaction commits (so a page rendered
meanwhile cannot put the old value back). With a shared cache (CACHE_URL) every process sees the change at once;
with a per-process cache another process may show it up to CONFIG_CACHE_SECONDS late. Services that act on the
configuration (routing, handoff runs) read the database, never this cache.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

CONFIG_CACHE_SECONDS = 60


def config_cached(key, load):
    """LOAD() from the cache under KEY, loading and storing it when absent."""
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, CONFIG_CACHE_SECONDS)
    return value


def config_drop_on_change(key, *models):
    """Drop KEY whenever a row of one of MODELS is saved or deleted."""

    def drop(**kwargs):
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(drop, sender=model, weak=False, dispatch_uid=f"{key}:{model._meta.label}:{id(signal)}")
