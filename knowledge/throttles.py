"""Per client address limits of the public endpoints (answer-before-ticket here; the web form and the chat widget in
tickets.channels), with DRF's throttle machinery (the same counting and Retry-After as the API's anonymous
throttle), applied to plain Django views."""

from rest_framework.throttling import SimpleRateThrottle


class PerAddressRate(SimpleRateThrottle):
    """Counted per client address, signed in or not (a customer's page may be open in an agent's browser).

    The address is REMOTE_ADDR, as for the web form (docs/channels.md: the TLS proxy sets it), never a client's
    X-Forwarded-For header, which anyone can write to dodge the limit."""

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR", "")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SuggestRate(PerAddressRate):
    scope = "kb-suggest"
    rate = "60/minute"  # a debounced fetch while typing: about one a second at most


class DeflectionRate(PerAddressRate):
    scope = "kb-deflection"
    rate = "10/hour"


def throttled(throttle, request):
    """None when REQUEST may go on, else the seconds to wait (at least 1)."""
    if throttle.allow_request(request, None):
        return None
    return max(1, round(throttle.wait() or 1))
