"""Web benchmark: the dashboard's bundle size, and its time to the first drawn map against a bare page.

1. Bundle size: the JS and CSS files of the dashboard's build (services/web/dist/assets),
   each compressed by Python's gzip at level 9, summed. Goal: under 250 kB (1 kB = 1,000 bytes,
   as Vite counts them). The build is made first (`npx vite build`) when it is missing or
   older than its sources (`npm ci` first when node_modules is missing).

2. Time to the first drawn map, in headless Chromium (Debian's, /usr/bin/chromium), on the
   read benchmark's database (bench/_read_dataset.py: 2,000 catalysts, 20,000 alliances, a
   published snapshot):
   - real: the dashboard at `/` of `observatoire serve` (public read, no rate limit), from
     navigation start to the performance mark `observatoire:map-drawn` that the map sets on
     its first frame drawn with scores (services/web/src/map/FranceMap.svelte);
   - bare: services/web/bench.html (src/bench/bare.ts), the same map drawn with the same
     modules (geometry, projection, colours, points) from one static JSON file holding what
     the dashboard fetches, fetched from the server beforehand; built by this script with
     bench/_web_vite.config.mjs into a temporary directory and served by `python -m
     http.server`, timed to the same mark.
   Each page is loaded in a fresh browser context (no cache), alternately, once as a warm-up
   then 7 times (--runs). Goal: median bare time / median real time at least 0.5. The requests
   of the real page are counted, with their bytes and timings, and checked to stay on its
   origin; each of its API requests is timed again on its own, and the server's time per
   route read from its access log, to show where the real page's time goes.

The script exits 0 whether or not the goals are met; it exits non-zero only when the
benchmark could not run.

Run: `make bench`, or `.venv/bin/python bench/web.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import _common as common
import _read_dataset as dataset
import httpx

WEB = common.ROOT / "services" / "web"
DIST = WEB / "dist"
VITE_CONFIG = common.HERE / "_web_vite.config.mjs"
# What the dashboard's build is made from (services/web/bench.html and src/bench/ are not).
BUILD_INPUTS = (
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "svelte.config.js",
    "tsconfig.json",
)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}

MARK = "observatoire:map-drawn"
BUNDLE_GOAL_BYTES = 250_000
RATIO_GOAL = 0.5
RUNS = 7
WARMUP_RUNS = 1
PAGE_TIMEOUT_MS = 60_000
NPM_TIMEOUT_SECONDS = 600
VITE_TIMEOUT_SECONDS = 300
DEADLINE_SECONDS = 1200  # the whole run: a database build and `npm ci` included


# --- Builds -------------------------------------------------------------------------------------


def npx() -> list[str]:
    return ["npx", "--no-install"]


def run_node(command: list[str], timeout: float) -> None:
    result = subprocess.run(
        command, cwd=WEB, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def newest_build_input() -> tuple[float, Path]:
    paths = [WEB / name for name in BUILD_INPUTS if (WEB / name).exists()]
    paths += [
        p for p in (WEB / "src").rglob("*") if p.is_file() and "bench" not in p.relative_to(WEB / "src").parts
    ]
    return max((p.stat().st_mtime, p) for p in paths)


def ensure_dashboard_build() -> None:
    """services/web/dist as `npx vite build` makes it from the current sources."""
    if shutil.which("npm") is None or shutil.which("npx") is None:
        raise RuntimeError("the dashboard's build needs Node.js 20.19+ and npm")
    modules = WEB / "node_modules"
    if not modules.is_dir():
        common.log("services/web/node_modules is missing: npm ci")
        run_node(["npm", "ci", "--no-audit", "--no-fund"], NPM_TIMEOUT_SECONDS)
    elif (WEB / "package-lock.json").stat().st_mtime > modules.stat().st_mtime:
        common.log("note: package-lock.json is newer than node_modules (`make web` would run npm ci)")
    index = DIST / "index.html"
    newest, source = newest_build_input()
    if index.exists() and (DIST / "assets").is_dir() and index.stat().st_mtime >= newest:
        common.log("services/web/dist is up to date")
        return
    reason = "missing" if not index.exists() else f"older than {source.relative_to(common.ROOT)}"
    common.log(f"services/web/dist is {reason}: npx vite build")
    started = time.perf_counter()
    run_node([*npx(), "vite", "build"], VITE_TIMEOUT_SECONDS)
    common.log(f"built services/web/dist in {time.perf_counter() - started:.1f} s")


def build_bare_page(out_dir: Path) -> None:
    """services/web/bench.html and its script, built into `out_dir` (never into dist)."""
    command = [
        *npx(),
        "vite",
        "build",
        "--config",
        str(VITE_CONFIG),
        "--configLoader",
        "native",
        "--outDir",
        str(out_dir),
    ]
    run_node(command, VITE_TIMEOUT_SECONDS)
    if not (out_dir / "bench.html").exists():
        raise RuntimeError(f"the bare page's build has no bench.html in {out_dir}")


@dataclass
class Asset:
    name: str
    size: int
    gzipped: int


def gzip_sizes(assets: Path) -> list[Asset]:
    """The JS and CSS files of a build, each with its size gzipped at level 9."""
    found = []
    for path in sorted(assets.iterdir()):
        if path.suffix in (".js", ".css") and path.is_file():
            data = path.read_bytes()
            found.append(Asset(path.name, len(data), len(gzip.compress(data, compresslevel=9, mtime=0))))
    if not found:
        raise RuntimeError(f"no JS or CSS file in {assets}")
    return found


# --- Data ---------------------------------------------------------------------------------------


def ensure_snapshot(url: str, env: dict[str, str]) -> None:
    """A published snapshot with territory scores, aggregated now when there is none."""
    count = asyncio.run(
        common.fetchval(
            url,
            "SELECT count(*) FROM snapshot_scores WHERE subject_type = 'territory' "
            "AND snapshot_id = (SELECT id FROM snapshots ORDER BY created_at DESC LIMIT 1)",
        )
    )
    if count:
        return
    common.log("no published snapshot with territory scores: observatoire aggregate --wait")
    common.run_cli(["aggregate", "--wait"], env, timeout=dataset.AGGREGATION_TIMEOUT_SECONDS)


def all_pages(client: httpx.Client, path: str, params: dict[str, str | int]) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        response = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        response.raise_for_status()
        page = response.json()
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def fetch_bare_data(server: common.Server) -> dict:
    """What the dashboard's map view fetches, as the bare page reads it (src/bench/bare.ts)."""
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=60) as client:
        snapshot = client.get("/v1/snapshots/latest")
        snapshot.raise_for_status()
        snapshot_id = snapshot.json()["id"]
        scores = all_pages(
            client, f"/v1/snapshots/{snapshot_id}/scores", {"subject_type": "territory", "limit": 500}
        )
        territories = all_pages(client, "/v1/territories", {"limit": 500})
        catalysts = client.get("/v1/map/catalysts")
        catalysts.raise_for_status()
    return {"scores": scores, "territories": territories, "catalysts": catalysts.json()}


# --- Browser ------------------------------------------------------------------------------------


@dataclass
class Load:
    page: str  # "real" or "bare"
    drawn_ms: float  # navigation start to the mark
    data_ms: float  # navigation start to the end of the last data response before the mark
    requests: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    areas: dict[str, str] = field(default_factory=dict)  # code -> fill, as drawn
    points: int = 0
    box: tuple[float, float] = (0, 0)  # the map's size on the page, CSS pixels


# The end of the last response the page fetched (fetch/XHR) before the mark, in ms.
DATA_DONE_JS = f"""() => {{
  const mark = performance.getEntriesByName({json.dumps(MARK)})[0].startTime;
  const ends = performance.getEntriesByType("resource")
    .filter((entry) => ["fetch", "xmlhttprequest"].includes(entry.initiatorType) && entry.responseEnd <= mark)
    .map((entry) => entry.responseEnd);
  return ends.length ? Math.max(...ends) : 0;
}}"""
DRAWN_JS = """(selector) => {
  const svg = document.querySelector(selector);
  if (!svg) return null;
  return {
    areas: [...svg.querySelectorAll("path[data-code]")].map((p) => [p.dataset.code, p.getAttribute("fill")]),
    points: svg.querySelectorAll("circle").length,
    box: [svg.getBoundingClientRect().width, svg.getBoundingClientRect().height],
  };
}"""
# When each request started and its response ended, ms from navigation start (Resource Timing).
TIMING_JS = """() => [
  ...performance.getEntriesByType("navigation"),
  ...performance.getEntriesByType("resource"),
].map((entry) => [entry.name, entry.startTime, entry.responseEnd])"""
MAP_SELECTOR = {"real": "svg[data-testid=france-map]", "bare": "#map svg"}


def load_page(browser, name: str, url: str, inspect: bool) -> Load:
    """One load of a page in a fresh context: the time to the mark, the requests it made."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        responses, errors = [], []
        page.on("response", lambda response: responses.append(response))
        page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(
            f"() => performance.getEntriesByName({json.dumps(MARK)}).length > 0", timeout=PAGE_TIMEOUT_MS
        )
        drawn = page.evaluate(f"() => performance.getEntriesByName({json.dumps(MARK)})[0].startTime")
        data_done = page.evaluate(DATA_DONE_JS)
        load = Load(name, drawn, data_done, errors=errors)
        if inspect:
            page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
            drawn_map = page.evaluate(DRAWN_JS, MAP_SELECTOR[name])
            if drawn_map is None:
                raise RuntimeError(f"the {name} page has no map ({MAP_SELECTOR[name]})")
            load.areas = dict(drawn_map["areas"])
            load.points = drawn_map["points"]
            load.box = tuple(drawn_map["box"])
            timings: dict[str, list[tuple[float, float]]] = {}
            for entry_url, start, end in page.evaluate(TIMING_JS):
                timings.setdefault(entry_url, []).append((start, end))
            for response in responses:
                sizes = response.request.sizes()
                start, end = timings.get(response.url, [(float("nan"), float("nan"))]).pop(0)
                load.requests.append(
                    {
                        "url": response.url,
                        "method": response.request.method,
                        "status": response.status,
                        "body": sizes["responseBodySize"],
                        "headers": sizes["responseHeadersSize"],
                        "start": start,
                        "end": end,
                    }
                )
        return load
    finally:
        context.close()


def measure(real_url: str, bare_url: str, runs: int) -> tuple[list[Load], list[Load]]:
    """Warm-up loads (requests inspected, not timed), then `runs` timed loads of each page,
    alternately; each in its own context."""
    from playwright.sync_api import sync_playwright

    warmups, timed = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            common.log(
                f"Chromium {browser.version} (headless), viewport {VIEWPORT['width']}x{VIEWPORT['height']}"
            )
            for number in range(WARMUP_RUNS + runs):
                warmup = number < WARMUP_RUNS
                for name, url in (("real", real_url), ("bare", bare_url)):
                    load = load_page(browser, name, url, inspect=warmup or number == WARMUP_RUNS)
                    (warmups if warmup else timed).append(load)
                    common.log(
                        f"{'warm-up' if warmup else f'run {number - WARMUP_RUNS + 1}'} {name}: "
                        f"map drawn at {load.drawn_ms:.0f} ms (data in at {load.data_ms:.0f} ms)"
                        + (f"; {len(load.errors)} errors: {load.errors[:3]}" if load.errors else "")
                    )
        finally:
            browser.close()
    return warmups, timed


def check_same_map(real: Load, bare: Load) -> None:
    """Both pages drew the same areas in the same colours, and as many catalyst points."""
    if real.areas != bare.areas or real.points != bare.points:
        differ = sorted(
            code
            for code in real.areas.keys() | bare.areas.keys()
            if real.areas.get(code) != bare.areas.get(code)
        )
        raise RuntimeError(
            f"the bare page does not draw the real map: areas differing {differ}, "
            f"points {real.points} (real) vs {bare.points} (bare)"
        )


def time_alone(urls: list[str], tries: int = 3) -> dict[str, float]:
    """Each URL fetched on its own (httpx, one after the other), best of `tries`, in ms: what
    the request costs when it does not share the server with the page's other requests."""
    best: dict[str, float] = {}
    with httpx.Client(trust_env=False, timeout=60) as client:
        for url in urls:
            for _ in range(tries):
                started = time.perf_counter()
                response = client.get(url)
                response.raise_for_status()
                elapsed = (time.perf_counter() - started) * 1000
                best[url] = min(best.get(url, elapsed), elapsed)
    return best


def server_times(log_path: Path, offset: int) -> dict[str, list[float]]:
    """The real server's time per request (its JSON access lines from `offset` on), by route."""
    times: dict[str, list[float]] = {}
    with open(log_path, "rb") as log_file:
        log_file.seek(offset)
        for line in log_file:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("event") == "request" and "duration_ms" in entry:
                times.setdefault(entry.get("route") or entry.get("path"), []).append(entry["duration_ms"])
    return times


# --- Report -------------------------------------------------------------------------------------


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def print_bundle(assets: list[Asset], bare_assets: list[Asset]) -> None:
    total = sum(a.gzipped for a in assets)
    print("Bundle: services/web/dist/assets, JS and CSS, each gzipped (Python gzip, level 9)")
    print()
    rows = [(a.name, f"{a.size:,}", f"{a.gzipped:,}", kb(a.gzipped)) for a in assets]
    rows.append(("total", f"{sum(a.size for a in assets):,}", f"{total:,}", kb(total)))
    common.print_table(("file", "bytes", "gzip bytes", "gzip"), rows)
    print()
    bare_total = sum(a.gzipped for a in bare_assets)
    files = f"{len(bare_assets)} file{'s' if len(bare_assets) > 1 else ''}"
    print(f"(the bare page's build, for comparison: {kb(bare_total)} gzipped, {files})")
    met = total < BUNDLE_GOAL_BYTES
    print(f"- Bundle < {kb(BUNDLE_GOAL_BYTES)} gzipped: {common.verdict(met)} ({kb(total)})")
    print()


def print_requests(load: Load, origin: str, alone: dict[str, float]) -> list[str]:
    """The requests of one load of the real page; those to another origin."""
    rows, foreign = [], []
    for request in load.requests:
        parts = urlsplit(request["url"])
        if f"{parts.scheme}://{parts.netloc}" != origin:
            foreign.append(request["url"])
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        rows.append(
            (
                request["method"],
                path,
                str(request["status"]),
                f"{request['body']:,}",
                f"{request['headers']:,}",
                f"{request['start']:.0f}",
                f"{request['end']:.0f}",
                f"{alone[request['url']]:.0f}" if request["url"] in alone else "",
            )
        )
    headers = ("method", "path", "status", "body bytes", "header bytes", "start ms", "end ms", "alone ms")
    common.print_table(headers, rows)
    return foreign


def print_report(
    assets: list[Asset],
    bare_assets: list[Asset],
    warmups: list[Load],
    timed: list[Load],
    real_origin: str,
    data_bytes: int,
    catalysts: int,
    server_ms: dict[str, list[float]],
    alone: dict[str, float],
) -> None:
    print()
    print(
        f"Web benchmark: {dataset.CATALYSTS:,} catalysts, {dataset.ALLIANCES:,} alliances, PostgreSQL; "
        "`observatoire serve` (1 worker, public read, no rate limit) against the bare map page"
    )
    print()
    print_bundle(assets, bare_assets)

    if not timed:
        print("Time to the first drawn map: not measured")
        return
    by_page = {name: [load for load in timed if load.page == name] for name in ("real", "bare")}
    print(f"Time to the first drawn map (navigation start to the mark {MARK}), headless Chromium, ms")
    print()
    rows = []
    for number in range(len(by_page["real"])):
        real, bare = by_page["real"][number], by_page["bare"][number]
        rows.append(
            (
                str(number + 1),
                f"{real.drawn_ms:.0f}",
                f"{real.data_ms:.0f}",
                f"{bare.drawn_ms:.0f}",
                f"{bare.data_ms:.0f}",
            )
        )
    for label, pick in (("median", statistics.median), ("min", min)):
        rows.append(
            (
                label,
                *(
                    f"{pick(getattr(load, attr) for load in by_page[name]):.0f}"
                    for name in ("real", "bare")
                    for attr in ("drawn_ms", "data_ms")
                ),
            )
        )
    common.print_table(("run", "real: map drawn", "real: data in", "bare: map drawn", "bare: data in"), rows)
    print("(data in: the end of the last fetch before the mark)")
    real_median = statistics.median(load.drawn_ms for load in by_page["real"])
    bare_median = statistics.median(load.drawn_ms for load in by_page["bare"])
    ratio = bare_median / real_median
    print(
        f"- Ratio bare / real (medians) >= {RATIO_GOAL}: {common.verdict(ratio >= RATIO_GOAL)} ({ratio:.2f})"
    )
    fastest = min(load.drawn_ms for load in by_page["bare"]) / min(load.drawn_ms for load in by_page["real"])
    print(f"  (ratio of the fastest loads, less sensitive to other work on the machine: {fastest:.2f})")
    print()

    inspected = next((load for load in timed if load.page == "real" and load.requests), None)
    if inspected is not None:
        print(
            "Requests of the real page (first timed load, until the network is idle; start and end "
            "from navigation start; alone: the same API request on its own, best of 3):"
        )
        print()
        foreign = print_requests(inspected, real_origin, alone)
        body = sum(r["body"] for r in inspected.requests)
        headers = sum(r["headers"] for r in inspected.requests)
        api = [r for r in inspected.requests if urlsplit(r["url"]).path.startswith("/v1/")]
        print(
            f"{len(inspected.requests)} requests ({len(api)} to the API), {body:,} body bytes "
            f"+ {headers:,} header bytes received; "
            + ("every request to the page's own origin" if not foreign else f"OTHER ORIGINS: {foreign}")
        )
        bare = next(load for load in timed if load.page == "bare" and load.requests)
        bare_body = sum(r["body"] for r in bare.requests)
        print(
            f"The bare page: {len(bare.requests)} requests, {bare_body:,} body bytes "
            f"(bench-data.json: {data_bytes:,} bytes)"
        )
        print(
            f"Both pages drew the same {len(inspected.areas)} areas in the same colours and "
            f"{inspected.points:,} catalyst points (of {catalysts:,}: the others fall outside the "
            f"projection's areas), the real map in {inspected.box[0]:.0f} x {inspected.box[1]:.0f} "
            f"CSS pixels, the bare one in {bare.box[0]:.0f} x {bare.box[1]:.0f}"
        )
    if server_ms:
        print()
        print(
            f"The real server's time per request (its access log, all {len(warmups + timed) // 2} loads), ms:"
        )
        print()
        rows = [
            (route, str(len(ms)), f"{statistics.median(ms):.0f}", f"{max(ms):.0f}")
            for route, ms in sorted(server_ms.items(), key=lambda item: -statistics.median(item[1]))
        ]
        common.print_table(("route", "requests", "median", "max"), rows)
    errors = [f"{load.page}: {error}" for load in warmups + timed for error in load.errors]
    if errors:
        print(f"Errors in the pages: {errors[:10]}")
    print()


# --- Run ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="Timed loads of each page.")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    common.arm_deadline(DEADLINE_SECONDS)
    began = time.perf_counter()
    status = 0
    workdir = Path(tempfile.mkdtemp(prefix="observatoire-bench-web-"))
    servers: list[common.Server] = []
    assets: list[Asset] = []
    bare_assets: list[Asset] = []
    warmups: list[Load] = []
    timed: list[Load] = []
    real_origin = ""
    data_bytes = catalysts = 0
    server_ms: dict[str, list[float]] = {}
    alone: dict[str, float] = {}
    url = common.database_url(dataset.DATABASE)
    env = common.server_environment(url)
    try:
        common.log_machine()
        ensure_dashboard_build()
        assets = gzip_sizes(DIST / "assets")
        bare_dir = workdir / "bare"
        build_bare_page(bare_dir)
        bare_assets = gzip_sizes(bare_dir / "assets")
        common.log("built the bare page (services/web/bench.html) into a temporary directory")

        dataset.prepare_database(url, env, rebuild=False)
        ensure_snapshot(url, env)

        real_port = common.free_port()
        real_env = {
            **env,
            "OBSERVATOIRE_PUBLIC_READ": "true",
            "OBSERVATOIRE_RATE_LIMIT_REQUESTS": "0",
            "OBSERVATOIRE_WEB_DIST": str(DIST),
        }
        real = common.start_server(
            "real",
            [*common.observatoire_command(), "serve", "--host", common.HOST, "--port", str(real_port)],
            real_env,
            real_port,
            workdir,
        )
        servers.append(real)
        common.wait_until_answering(real, "/v1/ready")
        real_origin = real.base_url
        with httpx.Client(base_url=real.base_url, trust_env=False, timeout=30) as client:
            index = client.get("/")
            if index.status_code != 200 or "/assets/" not in index.text:
                raise RuntimeError(f"GET / does not answer the dashboard's build ({index.status_code})")

        data = fetch_bare_data(real)
        data_file = bare_dir / "bench-data.json"
        data_file.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        data_bytes = data_file.stat().st_size
        catalysts = len(data["catalysts"]["features"])
        common.log(
            f"real server up on port {real.port} (pid {real.process.pid}); bench-data.json: "
            f"{len(data['scores']):,} territory score rows, {len(data['territories']):,} territories, "
            f"{len(data['catalysts']['features']):,} catalysts, {data_bytes:,} bytes"
        )

        bare_port = common.free_port()
        bare = common.start_server(
            "bare",
            [
                sys.executable,
                "-m",
                "http.server",
                "--bind",
                common.HOST,
                "--directory",
                str(bare_dir),
                "--protocol",
                "HTTP/1.1",
                str(bare_port),
            ],
            dict(os.environ),
            bare_port,
            workdir,
        )
        servers.append(bare)
        common.wait_until_answering(bare, "/bench.html")
        common.log(f"bare page served by python -m http.server on port {bare.port} (pid {bare.process.pid})")

        log_offset = real.log_path.stat().st_size
        warmups, timed = measure(f"{real.base_url}/", f"{bare.base_url}/bench.html", args.runs)
        server_ms = server_times(real.log_path, log_offset)
        inspected = next(load for load in timed if load.page == "real" and load.requests)
        alone = time_alone(
            [r["url"] for r in inspected.requests if urlsplit(r["url"]).path.startswith("/v1/")]
        )
        check_same_map(warmups[0], warmups[1])
    except Exception as exc:  # DeadlineExceeded included
        status = 1
        print(f"error: {exc}", file=sys.stderr)
        for server in servers:
            print(f"{server.name} server log (last lines):\n{common.server_tail(server)}", file=sys.stderr)
    finally:
        common.disarm_deadline()
        for server in servers:
            common.stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    if assets:
        print_report(
            assets, bare_assets, warmups, timed, real_origin, data_bytes, catalysts, server_ms, alone
        )
    common.print_run_time(began)
    return status


if __name__ == "__main__":
    sys.exit(main())
