"""The web process freezes its warm heap after its first requests, then leaves the collector alone."""

import gc

from helpdesk.middleware import FreezeWarmHeapMiddleware


def test_a_warm_request_moves_what_is_alive_out_of_the_collected_generations():
    gc.unfreeze()
    kept = [object() for _ in range(1000)]  # noqa: F841 - long-lived objects a lazy import would leave behind
    middleware = FreezeWarmHeapMiddleware(lambda request: "response")
    assert middleware(object()) == "response"
    try:
        assert gc.get_freeze_count() >= 1000
        assert len(gc.get_objects(2)) < gc.get_freeze_count()
    finally:
        gc.unfreeze()


def test_only_the_first_requests_freeze(monkeypatch):
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    middleware = FreezeWarmHeapMiddleware(lambda request: "response")
    for _ in range(FreezeWarmHeapMiddleware.WARM_REQUESTS + 20):
        assert middleware(object()) == "response"
    assert len(frozen) == FreezeWarmHeapMiddleware.WARM_REQUESTS
