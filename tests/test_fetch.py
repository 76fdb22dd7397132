"""Fetching from a real HTTP server on localhost: politeness, retries, safety, failures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tasks.documents import Reject
from tasks.fetch import (
    Fetched,
    Fetcher,
    FetchError,
    FetchSettings,
    canonical_url,
    check_address,
    feed_or_sitemap_links,
)
from tests.webserver import Site


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    s = Site().start()
    yield s
    s.stop()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher(
        FetchSettings(
            allow_private=True,
            host_delay=0,
            backoff=0.05,
            read_timeout=1,
            max_bytes=2_000_000,
            retries=2,
        )
    )
    yield f
    f.close()


def test_article_is_fetched_with_its_headers(site: Site, fetcher: Fetcher) -> None:
    result = fetcher.fetch(f"{site.base}/article/1.html")
    assert isinstance(result, Fetched)
    assert result.status == 200 and b"Article num" in result.body and result.tries == 1


@pytest.mark.parametrize(
    ("path", "reason", "tries"),
    [
        ("/404", "HTTP 404", 1),
        ("/410", "HTTP 410", 1),
        ("/500", "HTTP 500", 3),
        ("/slow", "timed out", 3),
        ("/loop", "redirect loop", 1),
        ("/endless", "response is over the size limit of 2000000 bytes", 1),
        ("/bomb", "response is over the size limit of 2000000 bytes", 1),
        ("/pdf", "not an HTML page", 1),
        ("/private/page.html", "disallowed by robots.txt", 0),
    ],
)
def test_failures_become_rejects_with_reason_and_tries(
    site: Site, fetcher: Fetcher, path: str, reason: str, tries: int
) -> None:
    result = fetcher.fetch(f"{site.base}{path}")
    assert isinstance(result, Reject), result
    assert (result.stage, result.reason) == ("fetch", reason)
    assert f"(tries: {tries})" in result.detail


def test_429_waits_for_retry_after_and_503_is_retried(site: Site, fetcher: Fetcher) -> None:
    import time

    started = time.monotonic()
    ok = fetcher.fetch(f"{site.base}/429")
    assert isinstance(ok, Fetched) and ok.tries == 2
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 honoured
    again = fetcher.fetch(f"{site.base}/503")
    assert isinstance(again, Fetched) and again.tries == 2


def test_redirect_is_followed_and_final_url_kept(site: Site, fetcher: Fetcher) -> None:
    result = fetcher.fetch(f"{site.base}/moved")
    assert isinstance(result, Fetched) and result.final_url.endswith("/article/7.html")


def test_conditional_get_gives_304(site: Site, fetcher: Fetcher) -> None:
    first = fetcher.fetch(f"{site.base}/etag")
    assert isinstance(first, Fetched) and first.headers["etag"] == '"v1"'
    second = fetcher.fetch(f"{site.base}/etag", etag='"v1"')
    assert isinstance(second, Fetched) and second.status == 304


def test_private_addresses_are_refused_by_default(site: Site) -> None:
    strict = Fetcher(FetchSettings(host_delay=0))
    try:
        result = strict.fetch(f"{site.base}/article/1.html")
    finally:
        strict.close()
    assert isinstance(result, Reject)
    assert result.reason == "the address is private, loopback or reserved; not fetched by default"
    with pytest.raises(FetchError, match="only http and https"):
        check_address("file:///etc/passwd", allow_private=True)
    with pytest.raises(FetchError, match="DNS failure"):
        check_address("http://no-such-host.invalid/", allow_private=True)


def test_feed_and_sitemap_index_expand_to_article_urls(site: Site, fetcher: Fetcher) -> None:
    feed = fetcher.fetch(f"{site.base}/feed.xml")
    assert isinstance(feed, Fetched)
    kind, links = feed_or_sitemap_links(feed)  # type: ignore[misc]
    assert kind == "feed" and len(links) == 4
    assert len({canonical_url(u) for u in links}) == 3  # the tracking parameter is dropped
    index = fetcher.fetch(f"{site.base}/sitemap_index.xml")
    assert isinstance(index, Fetched)
    assert feed_or_sitemap_links(index) == ("sitemapindex", [f"{site.base}/sitemap1.xml"])


def test_politeness_delay_between_requests_to_one_host(site: Site) -> None:
    import time

    polite = Fetcher(FetchSettings(allow_private=True, host_delay=0.3))
    try:
        started = time.monotonic()
        for i in range(3):
            assert isinstance(polite.fetch(f"{site.base}/article/{20 + i}.html"), Fetched)
        assert time.monotonic() - started >= 0.6
    finally:
        polite.close()


def test_tls_errors_are_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-signed.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetcher = Fetcher(FetchSettings(allow_private=True, host_delay=0, obey_robots=False))
    try:
        result = fetcher.fetch(f"https://127.0.0.1:{server.server_address[1]}/a.html")
    finally:
        fetcher.close()
        server.shutdown()
    assert isinstance(result, Reject) and result.reason == "TLS error"


def test_robots_crawl_delay_is_honoured() -> None:
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"User-agent: *\nCrawl-delay: 1\n" if self.path == "/robots.txt" else b"<p>x</p>"
            self.send_response(200)
            self.send_header(
                "Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html"
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    fetcher = Fetcher(FetchSettings(allow_private=True, host_delay=0))
    try:
        started = time.monotonic()
        for i in range(3):
            assert isinstance(fetcher.fetch(f"{base}/{i}.html"), Fetched)
        assert time.monotonic() - started >= 2.0  # two waits of the 1 s crawl-delay
    finally:
        fetcher.close()
        server.shutdown()


def test_canonical_url_drops_tracking_but_keeps_content_parameters() -> None:
    assert canonical_url("https://Ex.com/news.php?story=123&utm_source=rss#top") == (
        "https://ex.com/news.php?story=123"
    )
    assert canonical_url("https://ex.com/news.php?story=123") != canonical_url(
        "https://ex.com/news.php?story=456"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/x.html", "http://[::1/x", "mailto:x@y.z"])
def test_malformed_urls_are_rejects_not_crashes(fetcher: Fetcher, url: str) -> None:
    result = fetcher.fetch(url)
    assert isinstance(result, Reject) and result.stage == "fetch"
