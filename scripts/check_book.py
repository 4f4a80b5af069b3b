"""Check the built book in a real headless browser (Debian Chromium driven by Playwright).

    python scripts/check_book.py _build/html [SHOTS_DIR]
    python scripts/check_book.py --install    (only install Chromium when missing, under CI=true)

For every page of the book: load it over file:// with the network blocked,
fail on page errors, console errors (minus known harmless noise) and any
request that leaves the machine; require every saved widget to render; move
the controls of every explorer (``.s2s-explorer``) and require its picture to
change; open every hidden solution. A full-page screenshot of each page goes to
SHOTS_DIR. Without Chromium it installs it under CI=true, else says it skipped.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Harmless messages seen with this exact toolchain (see research/toolchain.md, pitfall 17).
KNOWN_NOISE = ("Got invalid theme mode", "allowUnionTypes", "Failed to load resource")
# sphinx-thebe 0.3.1 writes its config <script> twice with Sphinx 7.4; the second is a no-op.
KNOWN_PAGE_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)
# Pages that must show explorers: page stem -> (explorers, dropdowns in all), at least.
REQUIRED_EXPLORERS = {"02_vanilla_encoder_decoder": (1, 1), "05_bahdanau_attention": (1, 1),
                      "06_luong_attention": (1, 2), "07_transformer": (1, 4),
                      "08_translation": (1, 2), "09_decoding": (1, 2),
                      "10_real_translation": (1, 1), "11_decoder_only": (1, 3)}


def ensure_chromium() -> bool:
    if Path(CHROMIUM).exists():
        return True
    if os.environ.get("CI", "").lower() != "true":
        print("browser check SKIPPED: Debian chromium is not installed "
              "(apt-get install chromium, or run with CI=true to install it)")
        return False
    print("installing Debian chromium for the browser check ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return Path(CHROMIUM).exists()


def book_pages(html: Path) -> list[Path]:
    skip = {"genindex.html", "search.html", "py-modindex.html"}
    pages = [p for p in sorted(html.rglob("*.html"))
             if p.name not in skip and not any(part.startswith(("_", ".")) for part in p.relative_to(html).parts)]
    return pages


def check_page(page, path: Path, shots: Path, html: Path) -> list[str]:
    problems: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: any(n in str(e) for n in KNOWN_PAGE_ERRORS)
            or errors.append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and not any(n in m.text for n in KNOWN_NOISE)
            and errors.append(f"console error: {m.text}"))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(1500)
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views:
        page.wait_for_selector(".jupyter-widgets", timeout=15000)
        rendered = page.locator(".jp-OutputArea-output .jupyter-widgets, .cell_output .jupyter-widgets").count()
        if rendered == 0:
            problems.append(f"{n_views} widget views saved but none rendered")
    name = str(path.relative_to(html)).replace("/", "__").removesuffix(".html")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    problems += check_explorers(page, REQUIRED_EXPLORERS.get(path.stem, (0, 0)))
    problems += check_solutions(page)
    return problems + errors


def check_explorers(page, required: tuple[int, int] = (0, 0)) -> list[str]:
    problems = []
    explorers = page.locator(".s2s-explorer")
    n_selects = page.locator(".s2s-explorer select").count()
    if explorers.count() < required[0] or n_selects < required[1]:
        problems.append(f"expected at least {required[0]} explorers with {required[1]} controls, "
                        f"found {explorers.count()} with {n_selects}")
    for i in range(explorers.count()):
        ex = explorers.nth(i)
        ex.scroll_into_view_if_needed()
        selects = ex.locator("select")
        for j in range(selects.count()):
            sel = selects.nth(j)
            options = sel.locator("option")
            if options.count() < 2:
                continue
            before = ex.screenshot()
            current = sel.evaluate("e => e.selectedIndex")
            sel.select_option(index=0 if current == options.count() - 1 else options.count() - 1)
            page.wait_for_timeout(300)
            if ex.screenshot() == before:
                problems.append(f"explorer {i}: picture did not change when control {j} moved")
    return problems


def check_solutions(page) -> list[str]:
    problems = []
    buttons = page.locator(".solution button.toggle-button")
    for i in range(buttons.count()):
        body = page.locator(".solution").nth(i).locator(".solution-content, section, p").last
        buttons.nth(i).scroll_into_view_if_needed()
        buttons.nth(i).click()
        page.wait_for_timeout(200)
        if not body.is_visible():
            problems.append(f"solution {i} did not open")
    return problems


def block_network(blocked: list[str]):
    """A route handler that lets local files through and aborts (and records) everything else."""
    def handler(route, request):
        if request.url.startswith(("file:", "data:", "blob:")):
            return route.continue_()
        blocked.append(request.url)
        return route.abort()
    return handler


def check_pages(job) -> dict:
    """Check the pages of ``job`` = (html, shots, pages) in one browser -> {page: problems}."""
    from playwright.sync_api import sync_playwright

    html, shots, pages = job
    failures = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for path in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            blocked: list[str] = []
            context.route("**/*", block_network(blocked))
            page = context.new_page()
            problems = check_page(page, path, shots, html)
            problems += [f"request to the network: {u}" for u in blocked]
            if problems:
                failures[path.relative_to(html)] = problems
            context.close()
        browser.close()
    return failures


def main() -> int:
    html = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html").resolve()
    shots = Path(sys.argv[2] if len(sys.argv) > 2 else "_shots")
    if not (html / "index.html").exists():
        print(f"browser check: {html}/index.html not found; build the book first (make book)")
        return 1
    if not ensure_chromium():
        return 0
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    failures = {}
    pages = book_pages(html)
    # one browser per core, each on every other page (the pages are independent)
    jobs = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for found in pool.map(check_pages, [(html, shots, pages[i::jobs]) for i in range(jobs)]):
            failures.update(found)
    for page_name, problems in failures.items():
        print(f"FAIL {page_name}:")
        for prob in problems:
            print(f"  - {prob}")
    print(f"browser check: {len(pages)} pages, {sum(map(len, failures.values()))} problems; "
          f"screenshots in {shots}/")
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--install"]:  # `make test` starts this first, in the background
        sys.exit(0 if ensure_chromium() else 1)
    sys.exit(main())
