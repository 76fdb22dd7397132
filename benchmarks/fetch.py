"""Fetch benchmark: `depeche ingest` on a sitemap of a few hundred pages served from a
local HTTP server that answers each request after a simulated network latency.

Reports pages per second with politeness off (no per-host delay, robots.txt ignored) and
on (a per-host delay, robots.txt obeyed), and how busy the cores were: CPU seconds of the
whole process tree per wall second (2.0 = both cores busy all along). Fetching runs in
threads while the previous batch is extracted in worker processes, so a high figure means
extraction does not wait for the network.

Run: `python -m benchmarks.fetch [--pages 300] [--latency 0.05]`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.quality import BENCH

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
DEPECHE = Path(sys.executable).parent / "depeche"


def serve(pages: list[bytes], latency: float) -> tuple[ThreadingHTTPServer, str]:
    """A local site: /sitemap.xml listing /p/<n>.html, each answered after ``latency``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(latency)
            if self.path == "/robots.txt":
                body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path == "/sitemap.xml":
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                urls = "".join(
                    f"<url><loc>{base}/p/{i}.html</loc></url>" for i in range(len(pages))
                )
                body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
                kind = "application/xml"
            else:
                n = int(self.path.rsplit("/", 1)[1].split(".")[0])
                body, kind = pages[n], "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run(base: str, warehouse: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """One `depeche ingest` of the sitemap: wall seconds, CPU seconds, articles loaded."""
    warehouse.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [str(DEPECHE), "ingest", f"{base}/sitemap.xml", "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    loaded = next(
        int(line.split()[2]) for line in result.stdout.splitlines() if "articles loaded" in line
    )
    return wall, cpu, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description="depeche fetch benchmark")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument(
        "--polite-delay", type=float, default=0.02, help="per-host delay of the polite run, seconds"
    )
    args = parser.parse_args()
    html = [
        gzip.decompress(p.read_bytes())
        for p in sorted((BENCH / "scrapinghub-aeb" / "html").glob("*.gz"))
    ]
    html += [
        gzip.decompress(p.read_bytes())
        for p in sorted((BENCH / "fundus-pages" / "html").glob("*.gz"))
    ]
    pages = [
        html[i % len(html)].replace(b"</p>", f" (copie {i})</p>".encode(), 1)
        for i in range(args.pages)
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    server, base = serve(pages, args.latency)
    common = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "DEPECHE_ALLOW_PRIVATE_ADDRESSES": "true",
    }
    print(
        f"{args.pages} pages, {args.latency * 1000:.0f} ms latency per response, "
        f"{os.cpu_count()} cores\n"
    )
    try:
        for label, extra in (
            ("politeness off", {"DEPECHE_FETCH_HOST_DELAY": "0", "DEPECHE_OBEY_ROBOTS": "false"}),
            ("politeness on ", {"DEPECHE_FETCH_HOST_DELAY": str(args.polite_delay)}),
        ):
            wall, cpu, loaded = run(base, OUT / "fetch.duckdb", {**common, **extra})
            print(
                f"{label}: {loaded / wall:6.1f} pages/s ({loaded} loaded in {wall:.1f} s), "
                f"cores busy {cpu / wall:.2f} of {os.cpu_count()}"
            )
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
