"""The README's pictures of the outputs (docs/img/): HTML pages shot with headless Chromium, maps copied, all
downscaled and palette-reduced so the whole set stays a few megabytes.

    .venv/bin/parktwin demo --out /tmp/demo
    (cd /tmp/demo && ../path/.venv/bin/parktwin sample-forecast park/park.yaml forecast.nc \\
        --start 2026-07-15T00:00:00+00:00 && ../path/.venv/bin/parktwin forecast park/park.yaml forecast.nc \\
        --out forecasts)
    .venv/bin/python tools/screenshots.py /tmp/demo docs/img            # or docs/img/before for an older build

Only what exists is shot (an older build may lack a page); the names written are printed. Not a test: the pictures
are for people, and nothing checks them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

# (picture name, path in the demo folder — "*" is the forecast's cycle folder or risk source —, and the section
# heading the picture starts at: 0 the top of the page, 2 the second <h2>, e.g. the EIA report's meteorology)
PAGES = (("leak_plan", "leak/plan.html", 0), ("typhoon_report", "typhoon/report.html", 0),
         ("eia_report", "eia/eia_summary.html", 0), ("eia_report_meteorology", "eia/eia_summary.html", 2),
         ("brief", "forecasts/*/brief.html", 0))
MAPS = (("map_leak", "leak/map.png"), ("map_plume", "results/map_sulfur_dioxide.png"),
        ("map_eia_annual", "eia/map_sulfur_dioxide_annual_mean.png"), ("map_flood", "typhoon/map.png"),
        ("map_forecast", "forecasts/*/T-CL01/map.png"))
WINDOW = (1280, 2000)  # [pixel] browser window: the top of each page
TALL = 16000  # [pixel] window height when a picture starts further down (cropped to WINDOW from its heading)
HEADING = (0x88, 0x22, 0x22)  # h2 colour of the reports (viz/templates/_style.html)
PAGE_WIDTH, MAP_WIDTH = 1100, 1100  # [pixel] widths of the committed pictures
COLOURS = 256  # palette size (fast octree: keeps small colour classes such as a wind-rose band, unlike median cut)


def find(root: Path, pattern: str) -> Path | None:
    found = sorted(root.glob(pattern))
    return found[-1] if found else None


def shoot(page: Path, png: Path, browser: str, section: int = 0) -> bool:
    """The top WINDOW of ``page``, or (``section`` k > 0) WINDOW from a little above its k-th h2 heading down;
    False when the page has no such heading."""
    height = WINDOW[1] if section == 0 else TALL
    subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                    f"--screenshot={png}", f"--window-size={WINDOW[0]},{height}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=180)
    if section == 0:
        return True
    with Image.open(png) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    # Rows with heading-coloured text (not the full-width rule under the title) grouped into runs, one per heading.
    near = (np.abs(pixels - HEADING).max(axis=2) < 40).sum(axis=1)
    rows = np.nonzero((near > 20) & (near < pixels.shape[1] // 2))[0]
    runs = np.split(rows, np.nonzero(np.diff(rows) > 3)[0] + 1) if rows.size else []
    if len(runs) < section:
        return False
    top = max(int(runs[section - 1][0]) - 40, 0)
    Image.fromarray(pixels[top:top + WINDOW[1]].astype(np.uint8)).save(png)
    return True


def shrink(source: Path, target: Path, width: int) -> None:
    with Image.open(source) as image:
        image = image.convert("RGB")
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
        image = image.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        image.save(target, format="PNG", optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("demo", type=Path, help="the folder `parktwin demo --out` wrote (and forecasts/ in it)")
    parser.add_argument("out", type=Path, help="where the pictures go, e.g. docs/img")
    parser.add_argument("--browser", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, pattern, section in PAGES:
            page = find(args.demo, pattern)
            if page is None:
                print(f"skipped {name}: no {pattern}", file=sys.stderr)
                continue
            raw = Path(work) / f"{name}.png"
            if not shoot(page, raw, args.browser, section):
                print(f"skipped {name}: {page} has no heading {section} in its first {TALL} pixels", file=sys.stderr)
                continue
            shrink(raw, args.out / f"{name}.png", PAGE_WIDTH)
            print(args.out / f"{name}.png")
    for name, pattern in MAPS:
        image = find(args.demo, pattern)
        if image is None:
            print(f"skipped {name}: no {pattern}", file=sys.stderr)
            continue
        shrink(image, args.out / f"{name}.png", MAP_WIDTH)
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
