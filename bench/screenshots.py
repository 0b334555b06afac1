"""Screenshots of every page at a laptop's and a phone's width, for a person to review (not committed).

    python -m bench.screenshots [--artifacts artifacts] [--out /tmp/screenshots] [--widths 1440 390]

Starts the app as the Procfile does (gunicorn, on loopback) and opens every registered page in headless
Chromium through Selenium, which sets the real window size: Chromium's own `--screenshot` lays charts
out wider than a phone's page. Each page is captured whole, as `<page>-<width>.png`. Next to the
benchmarks because it drives the same served app; it measures nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.gunicorn_server import ROOT, Server
from callbacks.pages import PAGES
from layouts.common import CONTAINER_PAGE

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars")
MAX_HEIGHT = 12_000  # pixels: a longer page is cut here


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(options=options)


def capture(driver, url: str, width: int, out: Path, settle_s: float) -> Path:
    """The whole page at `url`, `width` pixels wide, once its charts have drawn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(width, 900)
    driver.get(url)
    WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, f"#{CONTAINER_PAGE} h2")))
    time.sleep(settle_s)  # callbacks fill the charts after the page's heading appears
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height + 100, MAX_HEIGHT))
    time.sleep(1)
    driver.save_screenshot(str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "screenshots")
    parser.add_argument("--widths", type=int, nargs="+", default=[1440, 390])
    parser.add_argument("--settle", type=float, default=5.0, help="seconds for the charts to draw")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = Server(args.artifacts, workers=1)
    driver = None
    try:
        server.wait_ready()
        driver = browser()
        for page in PAGES:
            name = page.path.strip("/") or "summary"
            for width in args.widths:
                print(capture(driver, server.url + page.path, width, args.out / f"{name}-{width}.png", args.settle))
    finally:
        if driver is not None:
            driver.quit()
        server.close()


if __name__ == "__main__":
    main()
