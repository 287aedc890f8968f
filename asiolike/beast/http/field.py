"""Known header field names, as Beast's ``http::field``.

A :class:`field` member *is* its canonical spelling (``field.host == "Host"``), so it can be
passed wherever a field name is expected and compared with plain strings. Names are compared
case-insensitively by :class:`~asiolike.beast.http.fields`; this enum only fixes the spelling
used when a message is written.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["field", "string_to_field"]


class field(StrEnum):
    """A header field name known to the library (IANA HTTP Field Name Registry and common use).

    Members are named after the field in lower case with ``-`` as ``_`` (``from_`` because
    ``from`` is a Python keyword). ``field.unknown`` stands for a name outside this list and is
    what :func:`string_to_field` returns for it; it is never a valid name to insert.
    """

    unknown = "<unknown-field>"
    accept = "Accept"
    accept_ch = "Accept-CH"
    accept_charset = "Accept-Charset"
    accept_encoding = "Accept-Encoding"
    accept_language = "Accept-Language"
    accept_patch = "Accept-Patch"
    accept_post = "Accept-Post"
    accept_ranges = "Accept-Ranges"
    accept_signature = "Accept-Signature"
    access_control_allow_credentials = "Access-Control-Allow-Credentials"
    access_control_allow_headers = "Access-Control-Allow-Headers"
    access_control_allow_methods = "Access-Control-Allow-Methods"
    access_control_allow_origin = "Access-Control-Allow-Origin"
    access_control_expose_headers = "Access-Control-Expose-Headers"
    access_control_max_age = "Access-Control-Max-Age"
    access_control_request_headers = "Access-Control-Request-Headers"
    access_control_request_method = "Access-Control-Request-Method"
    age = "Age"
    allow = "Allow"
    alt_svc = "Alt-Svc"
    alt_used = "Alt-Used"
    authorization = "Authorization"
    cache_control = "Cache-Control"
    clear_site_data = "Clear-Site-Data"
    connection = "Connection"
    content_digest = "Content-Digest"
    content_disposition = "Content-Disposition"
    content_dpr = "Content-DPR"
    content_encoding = "Content-Encoding"
    content_language = "Content-Language"
    content_length = "Content-Length"
    content_location = "Content-Location"
    content_range = "Content-Range"
    content_security_policy = "Content-Security-Policy"
    content_security_policy_report_only = "Content-Security-Policy-Report-Only"
    content_type = "Content-Type"
    cookie = "Cookie"
    cross_origin_embedder_policy = "Cross-Origin-Embedder-Policy"
    cross_origin_opener_policy = "Cross-Origin-Opener-Policy"
    cross_origin_resource_policy = "Cross-Origin-Resource-Policy"
    date = "Date"
    deprecation = "Deprecation"
    device_memory = "Device-Memory"
    digest = "Digest"
    dnt = "DNT"
    dpr = "DPR"
    etag = "ETag"
    expect = "Expect"
    expect_ct = "Expect-CT"
    expires = "Expires"
    forwarded = "Forwarded"
    from_ = "From"
    host = "Host"
    http2_settings = "HTTP2-Settings"
    if_match = "If-Match"
    if_modified_since = "If-Modified-Since"
    if_none_match = "If-None-Match"
    if_range = "If-Range"
    if_unmodified_since = "If-Unmodified-Since"
    keep_alive = "Keep-Alive"
    last_modified = "Last-Modified"
    link = "Link"
    location = "Location"
    max_forwards = "Max-Forwards"
    origin = "Origin"
    origin_agent_cluster = "Origin-Agent-Cluster"
    pragma = "Pragma"
    prefer = "Prefer"
    preference_applied = "Preference-Applied"
    priority = "Priority"
    proxy_authenticate = "Proxy-Authenticate"
    proxy_authorization = "Proxy-Authorization"
    proxy_connection = "Proxy-Connection"
    range = "Range"
    referer = "Referer"
    referrer_policy = "Referrer-Policy"
    refresh = "Refresh"
    report_to = "Report-To"
    reporting_endpoints = "Reporting-Endpoints"
    repr_digest = "Repr-Digest"
    retry_after = "Retry-After"
    sec_ch_ua_full_version = "Sec-CH-UA-Full-Version"
    sec_fetch_dest = "Sec-Fetch-Dest"
    sec_fetch_mode = "Sec-Fetch-Mode"
    sec_fetch_site = "Sec-Fetch-Site"
    sec_fetch_user = "Sec-Fetch-User"
    sec_purpose = "Sec-Purpose"
    sec_websocket_accept = "Sec-WebSocket-Accept"
    sec_websocket_extensions = "Sec-WebSocket-Extensions"
    sec_websocket_key = "Sec-WebSocket-Key"
    sec_websocket_protocol = "Sec-WebSocket-Protocol"
    sec_websocket_version = "Sec-WebSocket-Version"
    server = "Server"
    server_timing = "Server-Timing"
    service_worker = "Service-Worker"
    service_worker_allowed = "Service-Worker-Allowed"
    service_worker_navigation_preload = "Service-Worker-Navigation-Preload"
    set_cookie = "Set-Cookie"
    set_login = "Set-Login"
    signature = "Signature"
    signature_input = "Signature-Input"
    sourcemap = "SourceMap"
    strict_transport_security = "Strict-Transport-Security"
    te = "TE"
    timing_allow_origin = "Timing-Allow-Origin"
    tk = "Tk"
    trailer = "Trailer"
    transfer_encoding = "Transfer-Encoding"
    upgrade = "Upgrade"
    upgrade_insecure_requests = "Upgrade-Insecure-Requests"
    user_agent = "User-Agent"
    vary = "Vary"
    via = "Via"
    viewport_width = "Viewport-Width"
    want_content_digest = "Want-Content-Digest"
    want_repr_digest = "Want-Repr-Digest"
    warning = "Warning"
    width = "Width"
    www_authenticate = "WWW-Authenticate"
    x_content_type_options = "X-Content-Type-Options"
    x_dns_prefetch_control = "X-DNS-Prefetch-Control"
    x_forwarded_for = "X-Forwarded-For"
    x_forwarded_host = "X-Forwarded-Host"
    x_forwarded_proto = "X-Forwarded-Proto"
    x_frame_options = "X-Frame-Options"
    x_permitted_cross_domain_policies = "X-Permitted-Cross-Domain-Policies"
    x_powered_by = "X-Powered-By"
    x_robots_tag = "X-Robots-Tag"
    x_xss_protection = "X-XSS-Protection"


_BY_LOWER: dict[str, field] = {
    member.value.lower(): member for member in field if member is not field.unknown
}


def string_to_field(name: str) -> field:
    """The :class:`field` for a header name, compared case-insensitively.

    Args:
        name: A field name as received or written, in any letter case.

    Returns:
        The matching member, or ``field.unknown`` when the name is not in the list.
    """
    return _BY_LOWER.get(name.lower(), field.unknown)
