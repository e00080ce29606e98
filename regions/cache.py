"""Configuration read again and again (teams with their shifts, rotations, handoff settings): once per block of
work (the request memo) and, for pages and the API, across requests (the configuration cache).

The configuration cache: a change to any row it is built from drops it at once and again when the transaction
commits (so a page rendered meanwhile cannot put the old value back). With a shared cache (CACHE_URL) every process
sees the change at once; with a per-process cache another process may show it up to CONFIG_CACHE_SECONDS late.

The request memo: inside a request_memo() block (a page, a simulation) a configuration read is made once. A change
of a row it is built from, made in the same context, empties the block's memo, so the block never acts on what it
changed itself (a simulated region outage). Services called outside a block (routing of a real ticket, handoff runs)
read the database every time.
"""

import contextvars
from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

CONFIG_CACHE_SECONDS = 60

_memo = contextvars.ContextVar("regions_request_memo", default=None)


@contextmanager
def request_memo():
    """Inside the block, reads that several helpers repeat (all teams with their shifts, per-team settings) are made
    once: a page that asks five questions about the teams reads them once, not five times."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo_active():
    return _memo.get() is not None


def memoized(key, load):
    """LOAD() once per request_memo() block (every time outside one)."""
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def _memo_forget(**kwargs):
    memo = _memo.get()
    if memo:
        memo.clear()


def memo_drop_on_change(*models):
    """Empty the current request_memo() block whenever a row of one of MODELS is saved or deleted."""
    for model in models:
        for signal in (post_save, post_delete):
            uid = f"memo:{model._meta.label}:{id(signal)}"
            signal.connect(_memo_forget, sender=model, weak=False, dispatch_uid=uid)


def config_cached(key, load):
    """LOAD() from the cache under KEY, loading and storing it when absent."""
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, CONFIG_CACHE_SECONDS)
    return value


def config_drop_on_change(key, *models):
    """Drop KEY (and the current request memo) whenever a row of one of MODELS is saved or deleted."""
    memo_drop_on_change(*models)

    def drop(**kwargs):
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(drop, sender=model, weak=False, dispatch_uid=f"{key}:{model._meta.label}:{id(signal)}")
