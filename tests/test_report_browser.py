"""The HTML report in a real browser: headless Chromium draws it at 1280 px, reads its text
back, and prints it to PDF. Skipped only where Chromium is not installed (.ci/chromium.sh
installs it)."""

from __future__ import annotations

import html as entities
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from bot.views.report import html, markdown
from storage.db import Database
from storage.models import Person
from tests.test_report import Q3, _figures, _register, _report, build_portfolio
from workflows.reviews.report import PortfolioReport

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed here (Debian: apt-get install chromium; "
    ".ci/chromium.sh does it in CI), so the HTML report cannot be rendered",
)

WIDTH = 1280
# One word longer than any column: it must wrap inside its cell, not widen the table.
LONG_NAME = "Multilingual-Contract-Clause-Extraction-And-Redlining-Pipeline-Version-Two"
OWNER, LEAD = "Olive Owner", "Lee Leader"
SPEND_BLUE = (0x4A, 0x6F, 0xA5)  # the chart's spend bars (bot/views/charts.py)
MONEY = re.compile(r"\$\d[\d,]*\.\d\d")
# Written into a copy of the page once it has loaded; read back from --dump-dom.
PROBE = """<script>
window.addEventListener("load", () => {
  const root = document.documentElement, width = root.clientWidth;
  const cells = [...document.querySelectorAll("th, td")];
  const facts = {
    scrollWidth: root.scrollWidth,
    clientWidth: width,
    beyond: [...document.body.querySelectorAll("*")]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5).map((e) => e.outerHTML.slice(0, 80)),
    clipped: cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent),
    images: [...document.images].map((i) => [i.complete, i.naturalWidth, i.getBoundingClientRect().width]),
    text: document.body.innerText,
  };
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(facts);
  document.body.appendChild(out);
});
</script>
"""


@dataclass
class Page:
    path: Path
    text: str
    report: PortfolioReport


def _chromium(tmp_path: Path, *args: str) -> str:
    """One headless Chromium run at 1280 x 900: its own profile, no background traffic,
    and its output once the page has loaded (virtual time: no real waiting)."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},900",
        "--virtual-time-budget=5000",
        *args,
    ]
    # The timeout only stops a hung browser; nothing is asserted about how long it took.
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Page:
    """The portfolio of tests/test_report.py, one very long name, and the people's names
    (built once: the tests only read the page)."""
    tmp_path = tmp_path_factory.mktemp("page")
    path = tmp_path / "aigov.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    try:
        build_portfolio(db)
        long_one = _register(db, LONG_NAME, "Legal", "production", "3")
        _figures(db, long_one, Q3, {"inference": "12345.67"}, 5000)
        with db.write() as s:
            s.add(Person(user_id="U0OWNER", name="olive", real_name=OWNER))
            s.add(Person(user_id="U0LEAD", name="lee", real_name=LEAD))
        report = _report(db)
    finally:
        db.dispose()
    text = html(report)
    target = tmp_path / "report.html"
    target.write_text(text, encoding="utf-8")
    return Page(target, text, report)


def test_the_page_loads_nothing_from_anywhere(page: Page) -> None:
    assert not re.search(r"<(script|link|iframe|object|embed)\b", page.text, re.IGNORECASE)
    assert "@import" not in page.text and "url(" not in page.text
    sources = re.findall(r"\b(?:src|href|srcset)\s*=\s*\"([^\"]*)\"", page.text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_chromium_draws_the_figures_and_names_within_1280_px(page: Page, tmp_path: Path) -> None:
    probed = tmp_path / "probed.html"
    probed.write_text(page.text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", probed.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert found, dom[-2000:]
    facts = json.loads(entities.unescape(found.group(1)))

    # No horizontal scrolling, nothing past the window's right edge, no cell cut short.
    assert facts["scrollWidth"] <= facts["clientWidth"] <= WIDTH, facts["scrollWidth"]
    assert facts["beyond"] == [] and facts["clipped"] == []
    # The chart came from the page itself and is drawn at its full 1,000 px.
    [(complete, natural, shown)] = facts["images"]
    assert complete and natural == 2000 and shown == 1000

    text = facts["text"]
    for row in page.report.rows:
        assert row.name in text
    assert LONG_NAME in text and "<script>alert(1)</script> & co" in text
    amounts = set(MONEY.findall(markdown(page.report)))
    assert "$12,345.67" in amounts and len(amounts) > 20
    assert [a for a in sorted(amounts) if a not in text] == []
    assert f"@{OWNER}" in text and f"by @{LEAD}" in text
    assert "U0OWNER" not in text and "U0LEAD" not in text


def test_the_screenshot_shows_the_page_and_its_chart(page: Page, tmp_path: Path) -> None:
    import matplotlib.image
    import numpy as np

    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--screenshot={shot}", page.path.as_uri())
    pixels = (matplotlib.image.imread(shot)[:, :, :3] * 255).round().astype(np.uint8)
    assert pixels.shape[:2] == (900, WIDTH)
    packed = pixels.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    assert len(np.unique(packed)) > 50  # text, cards, bars: not a blank or single-colour page
    white = np.all(pixels == 255, axis=2).mean()
    assert 0.3 < white < 0.99
    blue = np.all(np.abs(pixels.astype(int) - SPEND_BLUE) <= 2, axis=2).sum()
    assert blue > 1000  # the chart's spend bars are on screen


def test_it_prints_to_landscape_pdf_pages(page: Page, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.path.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 50_000  # text and the chart image
    if shutil.which("pdfinfo") is None:
        return
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    assert 2 <= int(fields["Pages"]) <= 6
    width, height = (Decimal(n) for n in re.findall(r"[\d.]+", fields["Page size"])[:2])
    assert width > height  # @page landscape: the fourteen columns fit
    if shutil.which("pdftotext") is None:
        return
    printed = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for needle in ("All initiatives", "Late reporters", f"@{OWNER}", "$12,345.67"):
        assert needle in printed
