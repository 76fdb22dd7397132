"""A real HTTP server on localhost for the fetch tests: fixture articles, a feed, a sitemap
index, robots.txt, and endpoints that misbehave the way real sites do."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = (FIXTURES / "article_fr.html").read_text("utf-8")


def article(n: int) -> bytes:
    """A distinct French article page."""
    return (
        ARTICLE.replace("Trois jours après", f"Article numéro {n}. Trois jours après")
        .replace("<title>Inondations", f"<title>{n} Inondations")
        .encode("utf-8")
    )


class Site:
    """The server's state: hit counts per path, and the base URL once started."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.base = ""
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> Site:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def send(
                self,
                status: int,
                body: bytes = b"",
                kind: str = "text/html; charset=utf-8",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.hits[path] += 1
                n = site.hits[path]
                base = site.base
                if path == "/robots.txt":
                    self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
                elif path.startswith("/article/"):
                    self.send(200, article(int(path.rsplit("/", 1)[1].split(".")[0])))
                elif path == "/feed.xml":
                    items = (
                        "".join(
                            f"<item><title>A{i}</title><link>{base}/article/{i}.html</link></item>"
                            for i in (1, 2, 3)
                        )
                        + f"<item><title>dup</title><link>{base}/article/1.html"
                        + "?utm_source=rss</link></item>"
                    )
                    body = (
                        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
                    )
                    self.send(200, body.encode(), "application/rss+xml")
                elif path == "/sitemap_index.xml":
                    body = (
                        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<sitemap><loc>{base}/sitemap1.xml</loc></sitemap></sitemapindex>"
                    )
                    self.send(200, body.encode(), "application/xml")
                elif path == "/sitemap1.xml":
                    urls = "".join(f"<url><loc>{base}/article/{i}.html</loc></url>" for i in (4, 5))
                    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                    self.send(200, body.encode(), "application/xml")
                elif path == "/slow":
                    time.sleep(3)
                    self.send(200, article(90))
                elif path == "/429":
                    if n == 1:
                        self.send(429, b"slow down", "text/plain", {"Retry-After": "1"})
                    else:
                        self.send(200, article(91))
                elif path == "/503":
                    if n == 1:
                        self.send(503, b"busy", "text/plain")
                    else:
                        self.send(200, article(92))
                elif path == "/500":
                    self.send(500, b"broken", "text/plain")
                elif path == "/404":
                    self.send(404, b"missing", "text/plain")
                elif path == "/410":
                    self.send(410, b"gone", "text/plain")
                elif path in ("/loop", "/loop2"):
                    self.send(302, headers={"Location": "/loop2" if path == "/loop" else "/loop"})
                elif path == "/moved":
                    self.send(301, headers={"Location": "/article/7.html"})
                elif path == "/endless":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    try:
                        chunk = b"<p>" + b"x" * 65536 + b"</p>"
                        for _ in range(10_000):
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                elif path == "/bomb":
                    body = gzip.compress(b"<p>" + b"a" * 30_000_000, compresslevel=9)
                    self.send(200, body, headers={"Content-Encoding": "gzip"})
                elif path == "/cp1252":
                    body = article(93).decode("utf-8").replace('<meta charset="utf-8">', "")
                    self.send(200, body.encode("cp1252"), "text/html; charset=utf-8")
                elif path == "/pdf":
                    self.send(200, b"%PDF-1.7 ...", "application/pdf")
                elif path == "/etag":
                    if self.headers.get("If-None-Match") == '"v1"':
                        self.send(304, headers={"ETag": '"v1"'})
                    else:
                        self.send(200, article(94), headers={"ETag": '"v1"'})
                elif path.startswith("/private/"):
                    self.send(200, article(95))
                else:
                    self.send(404, b"no such page", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
