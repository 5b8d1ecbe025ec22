"""The overview in a real browser: Debian's headless Chromium driven by Selenium.

Covers what a person does: open the page from a personal link, narrow the table with the filters
(keyboard only), see the chart, download the Excel export and open it, be refused with an expired
link, and mark an action "Ferdig" with the keyboard. axe-core (from the npm registry, fetched by
`make axe`) checks every page for WCAG 2.1 A/AA violations; there must be none. Screenshots go to
test-artifacts/overview/ (or $TEST_ARTIFACTS).

Without `chromium` and `chromedriver` (Debian: apt-get install chromium chromium-driver; .ci/run
installs them) these tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time as wall
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.server import build_web_app
from bot.web import service as overview_web
from tests.conftest import NOW, ROOT, Bot
from tests.support.web_server import running
from tests.test_meetings_commands import add_meeting
from tests.test_overview_web import MEMBER, OTHER, create, link_for, make_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium is not installed: apt-get install chromium chromium-driver (Debian), as .ci/run does",
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or ROOT / "test-artifacts") / "overview"


def axe_source() -> str:
    found = sorted(ROOT.glob(".cache/axe-core-*/axe.min.js"))
    if not found:
        # The Makefile is the one place that fetches it (from the npm registry, checksum verified).
        subprocess.run(["make", "-s", "axe"], cwd=ROOT, check=False, capture_output=True, timeout=120)
        found = sorted(ROOT.glob(".cache/axe-core-*/axe.min.js"))
    if not found:
        pytest.fail("axe-core is missing and `make axe` could not fetch it from registry.npmjs.org")
    return found[-1].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--lang=nb-NO"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER or ""), options=options)
    driver.implicitly_wait(0)
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[App, str, list[datetime], dict[str, int]]]:
    clock = [NOW]
    app = make_app(sqlite_url, clock)
    bot = Bot(app, NOW)
    assert not bot.say("/oppfølging medlem AU", MEMBER).error
    meeting = add_meeting(bot, "national-autumn", date(2026, 10, 22), time(10), place="Oslo")
    ids = {
        "meeting": meeting,
        "au": create(app, "Skrive notat om Missionssatsingen", ("au",), meeting=meeting, deadline=date(2026, 11, 1),
                     case="3"),
        "ks": create(app, "Invitere til fagdager om regional utvikling", ("ks",), meeting=meeting,
                     deadline=date(2027, 2, 1), case="4"),
        "vestland": create(app, "Oppdatere samarbeidsavtalen", ("vestland",), deadline=date(2026, 12, 15)),
        "siva": create(app, "Kartlegge inkubatorprogrammet", ("siva",), meeting=meeting),
    }
    with running(build_web_app(app, modules=(overview_web,))) as url:
        yield app, url, clock, ids
    app.close()


def shot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def check_accessibility(driver: Any, name: str) -> None:
    driver.execute_script(axe_source())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))}))"
        ".catch(e => done({error: String(e)}));",
        AXE_TAGS,
    )
    assert "error" not in result, result
    assert result["violations"] == [], f"{name}: {result['violations']}"


def rows(driver: Any) -> list[int]:
    from selenium.webdriver.common.by import By

    return [int(r.get_attribute("data-action")) for r in driver.find_elements(By.CSS_SELECTOR, "tr[data-action]")]


def navigates(driver: Any, act: Any) -> None:
    """Do `act` (a key press that submits a form or follows a link) and wait until the next page is loaded.

    Chromium handles the key press, then loads the next page on its own; without this, a lookup can run
    against the old page. The wait is for the page to change, not a timing of the bot. The old page is
    marked with a script variable a new document does not have: asking an element of the old page
    whether it is stale made ChromeDriver answer "Node with given id does not belong to the document"
    as an unknown error instead of a stale element (seen once in CI).
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.oppfolgingOldPage = true;")
    act()

    def next_page_loaded(d: Any) -> bool:
        try:
            return bool(d.execute_script(
                "return window.oppfolgingOldPage === undefined && document.readyState === 'complete';"))
        except WebDriverException:  # between two documents
            return False

    WebDriverWait(driver, 30).until(next_page_loaded)


def test_the_page_works_by_keyboard_and_passes_the_accessibility_check(browser: Any, site: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    app, url, _clock, ids = site
    browser.get(f"{url}/oversikt?t={link_for(app, OTHER)}")
    assert browser.title == "Oppfølging – oversikt"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Oppfølging – oversikt"
    assert set(rows(browser)) == {ids["au"], ids["ks"], ids["vestland"], ids["siva"]}
    # The chart: one group per party with three bars each.
    bars = browser.find_elements(By.CSS_SELECTOR, "svg#diagram g.party rect")
    assert len(bars) == 3 * len(browser.find_elements(By.CSS_SELECTOR, "svg#diagram g.party")) >= 12
    shot(browser, "oversikt")
    check_accessibility(browser, "oversikt")

    # Keyboard: the first Tab reaches the skip link, and Enter on it moves to the content.
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Hopp til innholdet"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    # Following an in-page link moves focus as the browser gets to it; wait for the move, then check it.
    WebDriverWait(browser, 30).until(lambda d: d.switch_to.active_element.get_attribute("id") == "innhold")
    assert browser.switch_to.active_element.get_attribute("id") == "innhold"
    # Narrow the table by keyboard: choose the party, then Enter in the search field submits the form.
    party = browser.find_element(By.ID, "f-part")
    party.send_keys("KS")
    assert Select(party).first_selected_option.get_attribute("value") == "ks"
    search = browser.find_element(By.ID, "f-q")
    navigates(browser, lambda: search.send_keys("fagdager", Keys.ENTER))
    assert "part=ks" in browser.current_url and rows(browser) == [ids["ks"]]
    # The overdue checkbox by keyboard (space), with the party reset.
    Select(browser.find_element(By.ID, "f-part")).select_by_value("")
    browser.find_element(By.ID, "f-q").clear()
    checkbox = browser.find_element(By.ID, "f-forfalt")
    checkbox.send_keys(Keys.SPACE)
    navigates(browser, lambda: checkbox.send_keys(Keys.ENTER))
    assert "forfalt=1" in browser.current_url and rows(browser) == [ids["au"]]
    shot(browser, "oversikt-filtrert")
    check_accessibility(browser, "oversikt filtrert")

    # The action page: history and origin, checked too.
    link = browser.find_element(By.LINK_TEXT, "Skrive notat om Missionssatsingen")
    navigates(browser, lambda: link.send_keys(Keys.ENTER))
    assert browser.find_element(By.TAG_NAME, "h1").text == f"Punkt {ids['au']}"
    assert "Historikk" in browser.page_source
    shot(browser, "punkt")
    check_accessibility(browser, "punkt")


def test_ferdig_by_keyboard(browser: Any, site: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    app, url, _clock, ids = site
    browser.get(f"{url}/oversikt/punkt/{ids['au']}?t={link_for(app, MEMBER)}")
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Marker som ferdig']")
    navigates(browser, lambda: button.send_keys(Keys.ENTER))
    status = browser.find_element(By.CSS_SELECTOR, "p.message[role=status]")
    assert status.text == f"Punkt {ids['au']} er markert som ferdig."
    assert "ferdig" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    check_accessibility(browser, "punkt etter ferdig")


def test_the_excel_export_downloads_and_opens(browser: Any, site: Any) -> None:
    from selenium.webdriver.common.by import By

    app, url, _clock, ids = site
    browser.get(f"{url}/oversikt?t={link_for(app, OTHER)}&mote={ids['meeting']}")
    for old in browser.downloads.glob("*"):
        old.unlink()
    browser.find_element(By.PARTIAL_LINK_TEXT, "Excel").click()
    target = browser.downloads / "oppfolging.xlsx"
    deadline = wall.monotonic() + 20  # waiting for the browser to finish writing, not timing the bot
    while not target.exists() and wall.monotonic() < deadline:
        wall.sleep(0.05)
    assert target.exists(), list(browser.downloads.glob("*"))
    book = load_workbook(target)
    data = list(book["Punkter"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in data] == [ids["au"], ids["ks"], ids["siva"]]
    assert data[0][2] == "Skrive notat om Missionssatsingen"


def test_an_expired_link_is_refused_in_the_browser(browser: Any, site: Any) -> None:
    from selenium.webdriver.common.by import By

    app, url, clock, _ids = site
    token = link_for(app, OTHER)
    clock[0] = NOW + timedelta(hours=13)
    browser.get(f"{url}/oversikt?t={token}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ingen tilgang"
    assert "Lenken er utløpt" in browser.page_source and "Skrive notat" not in browser.page_source
    shot(browser, "utlopt")
    check_accessibility(browser, "utløpt lenke")
    browser.get(f"{url}/oversikt/teams?kontekst=mote")
    check_accessibility(browser, "Teams-fanen")


def test_the_meeting_side_panel_adds_an_action_by_keyboard(browser: Any, site: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    app, url, _clock, ids = site
    browser.get(f"{url}/oversikt?t={link_for(app, OTHER, 'møte ' + str(ids['meeting']))}")
    assert set(rows(browser)) == {ids["au"], ids["ks"], ids["siva"]}
    check_accessibility(browser, "møtepanel")
    browser.find_element(By.ID, "n-tekst").send_keys("Sende referatet til partene")
    browser.find_element(By.ID, "n-ansvarlig").send_keys("AU")
    deadline = browser.find_element(By.ID, "n-frist")
    navigates(browser, lambda: deadline.send_keys("15. desember", Keys.ENTER))
    assert "er lagt til møtet" in browser.find_element(By.CSS_SELECTOR, "p.message[role=status]").text
    assert len(rows(browser)) == 4
    shot(browser, "motepanel")
    check_accessibility(browser, "møtepanel etter nytt punkt")
