"""Webhooks go to the public internet only: no loopback, private, link-local (cloud metadata) or reserved address.

A subscription's host is checked when it is saved, and again on every connection, by the connection itself: the
address that was checked is the one connected to, so a DNS answer that changes in between (rebinding) or a
redirect to an internal host gets nowhere. WEBHOOK_ALLOW_PRIVATE_HOSTS lifts the rule for a closed network.
"""

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


class BlockedAddress(OSError):
    """The host resolves to an address webhooks may not reach."""


def _allowed(address):
    return settings.WEBHOOK_ALLOW_PRIVATE_HOSTS or ipaddress.ip_address(address.split("%")[0]).is_global


def _resolve(host, port):
    """[(family, sockaddr)] of HOST, or BlockedAddress when any of its addresses is not public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    blocked = sorted({info[4][0] for info in infos if not _allowed(info[4][0])})
    if blocked:
        raise BlockedAddress(f"{host} resolves to an address webhooks may not reach ({', '.join(blocked)})")
    return [(info[0], info[4]) for info in infos]


def webhook_url_check(url):
    """Raise ValidationError on URL unless it is http(s) to a host that resolves to public addresses only.

    A host that does not resolve yet is let through: every connection is checked again anyway."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": "Give an http:// or https:// URL with a host."})
    try:
        _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except BlockedAddress as exc:
        raise ValidationError({"url": f"{exc}."}) from None
    except (OSError, UnicodeError, ValueError):
        pass


def _connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    host, port = address
    error = None
    for family, sockaddr in _resolve(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"{host} has no address")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


opener = urllib.request.build_opener(_GuardedHTTPHandler, _GuardedHTTPSHandler)
