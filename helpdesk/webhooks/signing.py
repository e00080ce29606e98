"""HMAC-SHA256 signatures of webhook bodies: `Meridian-Signature: t=<unix>,v1=<hex>`.

The signed message is f"{timestamp}.{body}"; the timestamp lets receivers refuse replays of old deliveries.
"""

import hashlib
import hmac
import time

HEADER = "Meridian-Signature"
TOLERANCE = 300  # seconds a receiver should accept between the timestamp and its clock


def signature(secret, timestamp, body):
    """Hex HMAC-SHA256 of f"{timestamp}.{body}" (BODY: the exact bytes sent)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret, body, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret, header, body, *, tolerance=TOLERANCE, now=None):
    """Whether HEADER signs BODY with SECRET and its timestamp is within TOLERANCE seconds of NOW."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), parts.get("v1", ""))
