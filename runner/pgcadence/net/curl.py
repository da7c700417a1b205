"""What libcurl — and so pg_net — reports about a request, reproduced for the sender:
its error messages for transport failures, its detailed timeout message with the phases
the request reached, and how pg_net stores bytes it received (a C string)."""

from __future__ import annotations

import socket
import time

import aiohttp

# libcurl's messages (curl_easy_strerror) for the failures pg_net reports.
E_CONNECT = "Couldn't connect to server"
E_RESOLVE = "Couldn't resolve host name"
E_NOTHING = "Server returned nothing (no headers, no data)"
E_RECV = "Failure when receiving data from the peer"
E_SEND = "Failure when sending data to the peer"
E_SSL = "SSL connect error"
E_CERT = "SSL peer certificate or SSH remote key was not OK"
E_REDIRECTS = "Number of redirects hit maximum amount"
E_WEIRD = "Weird server reply"
E_URL = "URL using bad/illegal format or missing URL"
E_TOO_LARGE = "Maximum file size exceeded"  # CURLE_FILESIZE_EXCEEDED (CURLOPT_MAXFILESIZE)


def text(raw: bytes) -> str:
    """Bytes as pg_net stores them: a C string (cut at NUL), invalid UTF-8 replaced."""
    cut = raw.find(b"\0")
    if cut >= 0:
        raw = raw[:cut]
    return raw.decode("utf-8", "replace")


def timeout_message(timeout_ms: int, t: dict, now: float) -> str:
    """pg_net's detailed timeout message, from the phases this request reached."""
    start = t["start"]
    total = now - start
    dns_end, conn_end = t.get("dns"), t.get("conn")
    if conn_end is not None:
        dns = (dns_end or start) - start
        handshake = conn_end - (dns_end or start)
        http = now - conn_end
    elif dns_end is not None:
        dns, handshake, http = dns_end - start, now - dns_end, 0.0
    else:
        dns, handshake, http = total, 0.0, 0.0
    return (
        f"Timeout of {timeout_ms} ms reached. Total time: {total * 1000:f} ms "
        f"(DNS time: {dns * 1000:f} ms, TCP/SSL handshake time: {handshake * 1000:f} ms, "
        f"HTTP Request/Response time: {http * 1000:f} ms)"
    )


def trace_config() -> aiohttp.TraceConfig:
    tc = aiohttp.TraceConfig()

    async def dns_end(session, ctx, params):  # noqa: ARG001
        if ctx.trace_request_ctx is not None:
            ctx.trace_request_ctx["dns"] = time.monotonic()

    async def conn_end(session, ctx, params):  # noqa: ARG001
        if ctx.trace_request_ctx is not None:
            ctx.trace_request_ctx["conn"] = time.monotonic()

    tc.on_dns_resolvehost_end.append(dns_end)
    tc.on_connection_create_end.append(conn_end)
    tc.on_connection_reuseconn.append(conn_end)
    return tc


def transport_error(exc: BaseException, got_headers: bool) -> str:
    """Map an aiohttp failure to the libcurl message pg_net would store."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return E_CERT
    if isinstance(exc, (aiohttp.ClientConnectorSSLError, aiohttp.ClientSSLError)):
        return E_SSL
    dns_error = getattr(aiohttp, "ClientConnectorDNSError", None)
    if dns_error is not None and isinstance(exc, dns_error):
        return E_RESOLVE
    if isinstance(exc, aiohttp.ClientConnectorError):
        return E_RESOLVE if isinstance(exc.os_error, socket.gaierror) else E_CONNECT
    if isinstance(exc, aiohttp.TooManyRedirects):
        return E_REDIRECTS
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return E_RECV if got_headers else E_NOTHING
    if isinstance(exc, aiohttp.ClientPayloadError):
        return E_RECV
    if isinstance(exc, aiohttp.InvalidURL):
        return E_URL
    if isinstance(exc, aiohttp.ClientResponseError):
        return E_WEIRD
    if isinstance(exc, aiohttp.ClientOSError):
        return E_RECV if got_headers else E_SEND
    return f"{type(exc).__name__}: {exc}"
