"""`dvc plots show` renders offline: the demo's plots page in headless Chromium.

Chromium is Debian's package (`.ci/run` installs it). Every vega plot must contain an svg or
a canvas, every image plot must point at a file, and no script may raise an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from conftest import dvc

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=20000",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


class RenderedPlots(HTMLParser):
    """Finds, for each element id of interest, whether an svg or canvas was rendered inside it."""

    def __init__(self, ids: set[str]) -> None:
        super().__init__()
        self.ids = ids
        self.stack: list[str | None] = []  # the id of interest each open element belongs to
        self.drawn: dict[str, bool] = dict.fromkeys(ids, False)
        self.images: list[str] = []
        self.script_errors: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.script_errors = attrs.get("data-script-errors")
        owner = (
            attrs.get("id")
            if attrs.get("id") in self.ids
            else (self.stack[-1] if self.stack else None)
        )
        if owner and tag in ("svg", "canvas"):
            self.drawn[owner] = True
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag not in ("img", "br", "meta", "link", "input", "hr"):
            self.stack.append(owner)

    def handle_endtag(self, tag):
        if self.stack and tag not in ("img", "br", "meta", "link", "input", "hr"):
            self.stack.pop()


def test_plots_page_renders_every_plot_offline(demo, tmp_path):
    browser = chromium()
    out = tmp_path / "dvc_plots"
    shown = dvc(demo, "plots", "show", "-o", str(out))
    assert shown.returncode == 0, shown.stderr
    page = out / "index.html"
    source = page.read_text()
    assert "cdn.jsdelivr" not in source and "../vendor/vega/vega.min.js" in source
    # The page loads vega from the repository: put it where the relative paths point.
    shutil.copytree(demo / "vendor", tmp_path / "vendor")

    targets = set(re.findall(r"vegaEmbed\('#([^']+)'", source))
    assert len(targets) >= 10
    dom = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    parsed = RenderedPlots(targets)
    parsed.feed(dom)
    assert parsed.script_errors is None, parsed.script_errors
    assert [t for t, drawn in parsed.drawn.items() if not drawn] == []
    assert parsed.images, "no image plots on the page"
    for src in parsed.images:
        assert (out / src).exists(), src

    screenshot = tmp_path / "plots.png"
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--window-size=1300,2400",
            f"--screenshot={screenshot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert screenshot.stat().st_size > 10_000
