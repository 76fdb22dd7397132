"""Stage 0, fetch: articles, feeds and sitemaps from the web, politely and safely.

- httpx with connect/read timeouts, a body size limit (counted after decompression, so
  gzip and brotli bombs are cut), a redirect limit, a descriptive User-Agent, keep-alive.
- Retries with exponential backoff and jitter on timeouts, connection errors, 429
  (honouring Retry-After) and 5xx; none on other 4xx.
- robots.txt obeyed, with its crawl-delay; a per-host delay between requests.
- Conditional GET with the ETag and Last-Modified of the archived response.
- Safety: http and https only; no request to loopback, private, link-local or reserved
  addresses unless allowed, checked after DNS resolution and at every redirect.

Every failure is a ``Reject`` with stage ``fetch``, the URL, the status or error, and the
number of tries.
"""

from __future__ import annotations

import ipaddress
import random
import re
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree

from tasks.documents import Reject

STAGE = "fetch"
USER_AGENT = "depeche/0.1 (news ingestion; +https://example.invalid/depeche)"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_XML_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
    "application/json",
)


class FetchError(Exception):
    """A URL that cannot be fetched, with a reason a person understands."""

    def __init__(
        self, reason: str, detail: str = "", retry: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason, self.detail, self.retry, self.retry_after = reason, detail, retry, retry_after


@dataclass(frozen=True)
class FetchSettings:
    """How to fetch; defaults suit public news sites."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0  # seconds before the first retry, doubled each time, with jitter
    max_retry_after: float = 60.0
    host_delay: float = 1.0  # seconds between two requests to one host
    per_host: int = 2  # requests in flight at once to one host
    obey_robots: bool = True
    allow_private: bool = False  # allow loopback and private addresses (intranets, tests)
    user_agent: str = USER_AGENT


@dataclass
class Fetched:
    """A response worth keeping: the body and what identifies it."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    tries: int
    fetched_at: datetime = field(default_factory=datetime.now)
    body_gz: bytes | None = None  # compressed for the archive, in the fetching thread

    def compress(self) -> Fetched:
        """Compress the body for the archive (zlib releases the GIL: threads overlap)."""
        import gzip

        if self.status == 200 and self.body_gz is None:
            self.body_gz = gzip.compress(self.body, compresslevel=6)
        return self

    @property
    def location(self) -> str:
        """The identity of the source: the requested URL, normalised."""
        return canonical_url(self.url)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        m = re.search(r"charset=([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        return m.group(1).lower() if m else None


def canonical_url(url: str) -> str:
    """Normalised form used to deduplicate: lower-case host, no fragment, sorted query."""
    # Imported here: courlan brings urllib3 along, which a run of local files never needs.
    from courlan import normalize_url

    try:
        # strict=False: tracking parameters go, content ones ("?story=123") stay.
        normal = normalize_url(url.strip(), strict=False)
    except (ValueError, TypeError):
        normal = url.strip()
    return normal.split("#", 1)[0]


def check_address(url: str, allow_private: bool) -> None:
    """Refuse non-HTTP schemes and, unless allowed, hosts that resolve to private ranges."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError("the URL is malformed", f"{url}: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchError("only http and https URLs are fetched", f"scheme {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise FetchError("the URL has no host", url)
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError("the host name does not resolve (DNS failure)", f"{host}: {exc}") from exc
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                "the address is private, loopback or reserved; not fetched by default",
                f"{host} resolves to {address}",
            )


class Fetcher:
    """A polite HTTP client shared by the threads of one run."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        s = self.settings
        self.client = httpx.Client(
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            # No "br": httpx inflates a whole brotli chunk before the size check can cut it,
            # and a few bytes of brotli can inflate to gigabytes.
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def close(self) -> None:
        self.client.close()

    # --- politeness -----------------------------------------------------------------

    def _host_lock(self, host: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _slots(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc
        with self._lock:
            return self._host_slots.setdefault(
                host, threading.BoundedSemaphore(max(1, self.settings.per_host))
            )

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if root in self._robots:
                return self._robots[root]
        parser: urllib.robotparser.RobotFileParser | None = None
        try:
            response = self._get(f"{root}/robots.txt", {}, limit=500_000)
            if response.status == 200:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(response.body.decode("utf-8", "replace").splitlines())
        except FetchError:
            parser = None  # no robots.txt: everything is allowed
        with self._lock:
            self._robots[root] = parser
        return parser

    def _wait_turn(self, url: str, delay: float) -> None:
        """Sleep until this host may be asked again."""
        host = urlsplit(url).netloc
        with self._host_lock(host):
            wait = self._last.get(host, 0.0) + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last[host] = time.monotonic()

    # --- one request ----------------------------------------------------------------

    def _get(self, url: str, headers: dict[str, str], limit: int | None = None) -> Fetched:
        """GET with redirects followed by hand (each hop checked), body cut at the limit."""
        limit = limit or self.settings.max_bytes
        seen = {url}
        current = url
        for _ in range(self.settings.max_redirects + 1):
            check_address(current, self.settings.allow_private)
            try:
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code in (301, 302, 303, 307, 308) and (
                        "location" in response.headers
                    ):
                        target = urljoin(current, response.headers.get("location", ""))
                        if target in seen:
                            raise FetchError("redirect loop", f"{current} -> {target}")
                        seen.add(target)
                        current = target
                        continue
                    body = bytearray()
                    if response.status_code == 200:
                        for chunk in response.iter_bytes():
                            body += chunk
                            if len(body) > limit:
                                raise FetchError(
                                    f"response is over the size limit of {limit} bytes",
                                    f"{current}: cut after {len(body)} bytes (decompressed)",
                                )
                    return Fetched(
                        url,
                        current,
                        response.status_code,
                        {k.lower(): v for k, v in response.headers.items()},
                        bytes(body),
                        1,
                    )
            except httpx.TimeoutException as exc:
                raise FetchError(
                    "timed out", f"{current}: {type(exc).__name__}", retry=True
                ) from exc
            except httpx.ConnectError as exc:
                text = str(exc)
                if "SSL" in text or "certificate" in text.lower():
                    raise FetchError("TLS error", f"{current}: {text}") from exc
                raise FetchError("could not connect", f"{current}: {text}", retry=True) from exc
            except httpx.DecodingError as exc:
                raise FetchError("the compressed body is corrupt", f"{current}: {exc}") from exc
            except httpx.InvalidURL as exc:
                raise FetchError("the URL is malformed", f"{current}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise FetchError("HTTP error", f"{current}: {exc}", retry=True) from exc
        raise FetchError(
            "too many redirects", f"more than {self.settings.max_redirects} from {url}"
        )

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept_xml: bool = True,
    ) -> Fetched | Reject:
        """Fetch one URL politely; a ``Reject`` says why it could not be."""
        s = self.settings
        tries = 0
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            check_address(url, s.allow_private)
            robots = self._robots_for(url) if s.obey_robots else None
        except FetchError as exc:
            return Reject(url, STAGE, exc.reason, exc.detail + " (tries: 0)", location=url)
        if robots is not None and not robots.can_fetch(s.user_agent, url):
            return Reject(url, STAGE, "disallowed by robots.txt", "(tries: 0)", location=url)
        delay = s.host_delay
        if robots is not None and (crawl := robots.crawl_delay(s.user_agent)):
            delay = max(delay, float(crawl))
        last: FetchError | None = None
        while tries <= s.retries:
            tries += 1
            try:
                with self._slots(url):
                    self._wait_turn(url, delay)
                    result = self._get(url, headers)
            except FetchError as exc:
                last = exc
                if not exc.retry:
                    break
                self._backoff(tries, None)
                continue
            result.tries = tries
            status = result.status
            if status == 200:
                kind = result.content_type
                if (
                    kind
                    and not kind.startswith(_HTML_TYPES)
                    and not (accept_xml and kind.startswith(_XML_TYPES))
                ):
                    return Reject(
                        url,
                        STAGE,
                        "not an HTML page",
                        f"content type {kind} (tries: {tries})",
                        location=url,
                    )
                return result
            if status == 304:
                return result
            if status == 429 or status >= 500:
                last = FetchError(
                    f"HTTP {status}",
                    url,
                    retry=True,
                    retry_after=_retry_after(result.headers.get("retry-after")),
                )
                if tries <= s.retries:
                    self._backoff(tries, last.retry_after)
                continue
            return Reject(
                url,
                STAGE,
                f"HTTP {status}",
                f"{_REASONS.get(status, '')} (tries: {tries})".strip(),
                location=url,
            )
        assert last is not None
        return Reject(url, STAGE, last.reason, f"{last.detail} (tries: {tries})", location=url)

    def _backoff(self, tries: int, retry_after: float | None) -> None:
        if retry_after is not None:
            time.sleep(min(retry_after, self.settings.max_retry_after))
            return
        base = self.settings.backoff * 2 ** (tries - 1)
        time.sleep(base * (0.5 + random.random()))  # jitter: no thundering herd


_REASONS = {
    400: "bad request",
    401: "unauthorised",
    403: "forbidden",
    404: "not found",
    410: "gone",
    451: "unavailable for legal reasons",
}


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# --- feeds and sitemaps -----------------------------------------------------------------


def feed_or_sitemap_links(fetched: Fetched) -> tuple[str, list[str]] | None:
    """('feed' | 'sitemap' | 'sitemapindex', URLs) when the body is one, else None."""
    body = fetched.body.lstrip()
    if body.startswith(b"{"):
        import json

        try:
            data = json.loads(body)
        except ValueError:
            return None
        if isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", "")):
            return "feed", [
                i["url"] for i in data.get("items", []) if isinstance(i, dict) and i.get("url")
            ]
        return None
    if not body.startswith(b"<") or b"<html" in body[:2000].lower():
        return None
    try:
        root = etree.fromstring(
            body,
            parser=etree.XMLParser(
                resolve_entities=False, no_network=True, recover=True, huge_tree=False
            ),
        )
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    tag = etree.QName(root).localname.lower()
    base = fetched.final_url
    if tag == "rss" or tag == "rdf":
        links = [
            (el.text or "").strip()
            for el in root.iter()
            if etree.QName(el).localname == "link"
            and el.getparent() is not None
            and etree.QName(el.getparent()).localname == "item"
        ]
        return "feed", [urljoin(base, u) for u in links if u]
    if tag == "feed":
        links = []
        for entry in root:
            if etree.QName(entry).localname != "entry":
                continue
            for link in entry:
                if (
                    etree.QName(link).localname == "link"
                    and link.get("rel", "alternate") == "alternate"
                    and link.get("href")
                ):
                    links.append(urljoin(base, link.get("href")))
                    break
        return "feed", links
    if tag in ("urlset", "sitemapindex"):
        locs = [(el.text or "").strip() for el in root.iter() if etree.QName(el).localname == "loc"]
        return ("sitemap" if tag == "urlset" else "sitemapindex"), [
            urljoin(base, u) for u in locs if u
        ]
    return None


# --- batch tasks ------------------------------------------------------------------------


@dataclass
class FetchResult:
    """What fetching a batch of URLs gave: responses to process, 304s, rejects."""

    fetched: list[Fetched] = field(default_factory=list)
    not_modified: list[Fetched] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def fetch_all(
    fetcher: Fetcher,
    urls: list[str],
    conditional: dict[str, tuple[str | None, str | None]],
    concurrency: int,
) -> FetchResult:
    """Fetch URLs concurrently (politeness per host is the fetcher's)."""
    from concurrent.futures import ThreadPoolExecutor

    result = FetchResult()

    def one(url: str) -> Fetched | Reject:
        etag, modified = conditional.get(canonical_url(url), (None, None))
        got = fetcher.fetch(url, etag, modified, accept_xml=False)
        return got.compress() if isinstance(got, Fetched) else got

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for item in pool.map(one, urls):
            if isinstance(item, Reject):
                result.rejects.append(item)
            elif item.status == 304:
                result.not_modified.append(item)
            else:
                result.fetched.append(item)
    return result


def expand(
    fetcher: Fetcher, urls: list[str], max_urls: int, depth: int = 3
) -> tuple[list[str], dict[str, Fetched], list[Reject]]:
    """Article URLs from the given URLs: feeds and sitemaps (and sitemap indexes, up to
    ``depth`` levels) give their links; any other URL is an article. Normalised, deduplicated,
    in first-seen order; articles fetched on the way are returned so as not to ask twice."""
    articles: dict[str, str] = {}
    prefetched: dict[str, Fetched] = {}
    rejects: list[Reject] = []
    queue = [(u, 0) for u in urls]
    while queue:
        url, level = queue.pop(0)
        if _looks_like_article(url):
            articles.setdefault(canonical_url(url), url)
            continue
        got = fetcher.fetch(url)
        if isinstance(got, Reject):
            rejects.append(got)
            continue
        found = feed_or_sitemap_links(got)
        if found is None:
            articles.setdefault(canonical_url(url), url)
            prefetched[canonical_url(url)] = got
            continue
        kind, links = found
        if kind == "sitemapindex" and level < depth:
            queue += [(u, level + 1) for u in links[:max_urls]]
        else:
            for link in links[:max_urls]:
                articles.setdefault(canonical_url(link), link)
    return list(articles.values()), prefetched, rejects


def _looks_like_article(url: str) -> bool:
    """A URL whose path ends like a page, not like a feed or sitemap."""
    path = urlsplit(url).path.lower()
    return path.endswith((".html", ".htm", ".php", ".asp", ".aspx")) and not any(
        word in path for word in ("sitemap", "feed", "rss", "atom")
    )


_FETCHERS: dict[FetchSettings, Fetcher] = {}
_FETCHERS_LOCK = threading.Lock()


def fetcher_for(settings: FetchSettings) -> Fetcher:
    """One fetcher per settings and process, so politeness state spans a whole run."""
    with _FETCHERS_LOCK:
        if settings not in _FETCHERS:
            _FETCHERS[settings] = Fetcher(settings)
        return _FETCHERS[settings]
