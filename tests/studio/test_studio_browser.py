"""The studio in a real browser: headless Chromium from the system (never a downloaded one) opens
the page, generates, plays, downloads, continues a primer. Screenshots go to $MIDIGAN_SCREENSHOTS
when set (the README's pictures come from there)."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from support import FOLK

from midigan.midi import read

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="no Chromium with ChromeDriver (Debian: apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1600", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _screenshot(driver, name: str) -> None:
    folder = os.environ.get("MIDIGAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _midi_link(driver) -> str | None:
    """The first piece's MIDI download address; every generation writes a new file, so a new address."""
    hrefs = [link.get_attribute("href") or "" for link in driver.find_elements(By.CSS_SELECTOR, "#files-0 a")]
    return next((href for href in hrefs if ".mid" in href), None)


def _written_link(driver, previous: str | None) -> str | None:
    """The new piece's MIDI address once the page says it was written; None while it is not."""
    link = _midi_link(driver)
    return link if link not in (None, previous) and "Wrote" in driver.find_element(By.ID, "status").text else None


def _generate_and_download(driver, tmp_path: Path) -> Path:
    """Click Generate, wait for the new piece's link, and download its MIDI file. The page redraws the
    links while it works, so a link read a moment ago can be gone: the wait reads them again."""
    previous = _midi_link(driver)
    driver.find_element(By.ID, "generate").click()
    link = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: _written_link(d, previous))
    target = tmp_path / "downloaded.mid"
    with urllib.request.urlopen(link) as response:
        target.write_bytes(response.read())
    return target


def test_generate_listen_look_download_then_continue_a_primer(browser, studio_url: str, tmp_path: Path) -> None:
    browser.get(studio_url)
    WebDriverWait(browser, 60).until(ready.element_to_be_clickable((By.ID, "generate")))
    song = read(_generate_and_download(browser, tmp_path))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#roll-0 img"))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#audio-0 audio, #audio-0 button"))
    assert "16 bars" in browser.find_element(By.ID, "status").text
    assert song.n_bars == 16 and song.end == 16 * song.bar_length()
    _screenshot(browser, "studio-generate")

    primer = next(p for p in sorted(FOLK.glob("*.mid"))
                  if read(p).time_signatures[0][1:] == (4, 4) and read(p).bar_starts()[1] == read(p).bar_length())
    browser.find_element(By.CSS_SELECTOR, "#primer input[type=file]").send_keys(str(primer))
    time.sleep(1)  # the upload lands before the click
    continued = read(_generate_and_download(browser, tmp_path))
    given = read(primer).melody().slice_bars(0, min(16, read(primer).n_bars))
    join = min(16, given.n_bars) * continued.bar_length()
    kept = continued.notes[continued.notes["onset"] < join][["pitch", "onset", "duration"]].tolist()
    assert sorted(kept) == sorted(given.notes[["pitch", "onset", "duration"]].tolist())
    _screenshot(browser, "studio-primer")
