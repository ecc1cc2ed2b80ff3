"""The moderators' page in a real browser (Debian's headless Chromium, through selenium):
sign in through the fake Slack, click through every page, feature an answer, check a
chart's numbers against the database, take screenshots at desktop and phone sizes that must
not be blank, and run axe-core on every page: no serious or critical violation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, select

from bot.store.audit_repo import AUDIT
from bot.store.statements import OUTCOME, SETBACK
from tests.web.story import CANARY_ID, CANARY_NAME, SLACK_ONE
from tests.web.web_site import MODERATOR, Site

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("chromium")]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text("utf-8")
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (found) => done(found.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}))),
  (error) => done([{id: "axe-failed", impact: "critical", help: String(error), nodes: []}]),
);
"""
PAGES = {"Outcomes": "outcomes", "Library": "library", "Queue": "queue", "Audit": "audit"}
DESKTOP, PHONE = (1280, 800), (390, 844)


def _click(browser: webdriver.Chrome, element: WebElement) -> None:
    """Click, and wait until the page it leads to has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 15).until(lambda _: _gone(page))


def _gone(element: WebElement) -> bool:
    """Whether `element`'s page has been replaced. Asked in the middle of the navigation,
    ChromeDriver may answer that the node is not in the document (an "unknown error")
    rather than that it is stale: both mean the old page is gone."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" not in str(error):
            raise
        return True
    return False


def _sign_in(browser: webdriver.Chrome, site: Site) -> None:
    browser.delete_all_cookies()
    browser.set_window_size(*DESKTOP)
    site.signing_in(MODERATOR.user_id)
    browser.get(site.base_url)
    _click(browser, browser.find_element(By.LINK_TEXT, "Sign in with Slack"))
    assert browser.current_url.endswith("/outcomes"), browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text == "Outcomes: what advice worked"


def _viewport(browser: webdriver.Chrome, size: tuple[int, int]) -> None:
    """The page's viewport exactly `size` (a phone's is a mobile one)."""
    width, height = size
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def _serious_violations(browser: webdriver.Chrome) -> list[dict[str, object]]:
    browser.execute_script(AXE)
    found = browser.execute_async_script(RUN_AXE)
    return [v for v in found if v["impact"] in {"serious", "critical"}]


def _not_blank(png: bytes, size: tuple[int, int]) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == size
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) >= 16, f"{len(colours)} colours: a blank page?"
    most = max(count for count, _ in colours)
    assert most < 0.97 * image.width * image.height, "one colour fills the page"
    return image


def test_a_moderator_clicks_through_every_page(
    browser: webdriver.Chrome, site: Site, screenshots: Path
) -> None:
    _sign_in(browser, site)
    browser.set_script_timeout(30)
    for name, slug in PAGES.items():
        _click(browser, browser.find_element(By.LINK_TEXT, name))
        assert browser.current_url.split("?")[0].endswith(f"/{slug}")
        assert browser.title.startswith(name)
        current = browser.find_element(By.CSS_SELECTOR, 'nav a[aria-current="page"]')
        assert current.text == name
        source = browser.page_source
        assert CANARY_NAME not in source and CANARY_ID not in source
        assert _serious_violations(browser) == [], name
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            _viewport(browser, size)
            png = browser.get_screenshot_as_png()
            (screenshots / f"{slug}-{label}.png").write_bytes(png)
            _not_blank(png, size)
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, f"{name} is wider than a {label} screen by {overflow}px"
            if label == "phone":
                assert _serious_violations(browser) == [], f"{name} on a phone"
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_sign_in_and_refusal_pages_are_accessible(
    browser: webdriver.Chrome, site: Site
) -> None:
    browser.delete_all_cookies()
    browser.set_script_timeout(30)
    browser.get(site.base_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in"
    assert _serious_violations(browser) == []
    site.signing_in("U-MEMBER")
    _click(browser, browser.find_element(By.LINK_TEXT, "Sign in with Slack"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Moderators only"
    assert _serious_violations(browser) == []


def test_featuring_an_answer_in_the_browser_writes_the_audit_row(
    browser: webdriver.Chrome, site: Site
) -> None:
    _sign_in(browser, site)
    reply = site.seeded.replies["Ask them for feedback within a week."]
    _click(browser, browser.find_element(By.LINK_TEXT, "Library"))
    card = browser.find_element(By.ID, f"candidate-{reply}")
    Select(card.find_element(By.TAG_NAME, "select")).select_by_visible_text("Feedback requests")
    card.find_element(By.NAME, "summary").send_keys("Ask for feedback within the week")
    _click(browser, card.find_element(By.XPATH, ".//button[text()='Feature in the library']"))
    assert browser.find_element(By.CSS_SELECTOR, "p.done").text == "The answer is in the library."
    featured = browser.find_element(By.ID, f"featured-{reply}")
    assert "Ask for feedback within the week" in featured.text

    async def audit_row() -> tuple[str, str, int | None, str]:
        async with site.core.store.engine.connect() as db:
            row = (
                await db.execute(
                    select(AUDIT.c.action, AUDIT.c.actor_id, AUDIT.c.reply_id, AUDIT.c.reason)
                    .where(AUDIT.c.community_id == SLACK_ONE)
                    .order_by(AUDIT.c.id.desc())
                    .limit(1)
                )
            ).one()
            return row[0], row[1], row[2], row[3]

    assert site.run(audit_row()) == (
        "feature",
        MODERATOR.user_id,
        reply,
        "Ask for feedback within the week",
    )
    _click(browser, browser.find_element(By.LINK_TEXT, "Audit"))
    Select(browser.find_element(By.ID, "action")).select_by_value("feature")
    _click(browser, browser.find_element(By.XPATH, "//button[text()='Filter']"))
    assert "action=feature" in browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, 'tr[data-action="feature"]')
    assert rows and "Mona Mod" in rows[0].text
    # Put it back as it was, from the page too.
    _click(browser, browser.find_element(By.LINK_TEXT, "Library"))
    featured = browser.find_element(By.ID, f"featured-{reply}")
    _click(browser, featured.find_element(By.XPATH, ".//button[text()='Take out of the library']"))
    assert "taken out" in browser.find_element(By.CSS_SELECTOR, "p.done").text


def test_the_charts_say_what_the_database_holds(browser: webdriver.Chrome, site: Site) -> None:
    _sign_in(browser, site)

    async def by_stage() -> dict[str, dict[str, int]]:
        async with site.core.store.engine.connect() as db:
            rows = await db.execute(
                select(SETBACK.c.stage, OUTCOME.c.result, func.count())
                .join(SETBACK, SETBACK.c.id == OUTCOME.c.setback_id)
                .where(OUTCOME.c.community_id == SLACK_ONE)
                .group_by(SETBACK.c.stage, OUTCOME.c.result)
            )
            found: dict[str, dict[str, int]] = {}
            for stage, result, count in rows:
                found.setdefault(stage or "", {})[result] = count
            return found

    expected = site.run(by_stage())
    assert expected  # the story reported outcomes
    table = browser.find_element(By.CSS_SELECTOR, 'table[data-chart="by-stage"]')
    series = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")][1:-1]
    results = ["worked", "partly", "not_this_time", "still_waiting", "rather_not_say"]
    labels = {"panel": "Panel or onsite", "recruiter_screen": "Recruiter screen"}
    shown = {}
    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        label = row.find_element(By.TAG_NAME, "th").text
        cells = [int(td.text) for td in row.find_elements(By.TAG_NAME, "td")]
        shown[label] = dict(zip(results, cells[:-1], strict=True))
        assert cells[-1] == sum(cells[:-1])
    assert len(series) == len(results)
    assert shown == {
        labels[stage]: {r: counts.get(r, 0) for r in results} for stage, counts in expected.items()
    }
    # The bars themselves carry the same numbers.
    svg = browser.find_element(By.CSS_SELECTOR, "#by-stage svg")
    assert svg.get_attribute("role") == "img"
    assert svg.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    drawn = sum(
        int(r.get_attribute("data-value") or 0)
        for r in svg.find_elements(By.CSS_SELECTOR, "rect[data-value]")
    )
    assert drawn == sum(sum(c.values()) for c in expected.values())
    assert browser.find_element(By.ID, "posts").text == "4"
    assert browser.find_element(By.ID, "within-day").text == "25%"
    assert browser.find_element(By.ID, "median-wait").text == "2 h"


def test_signing_out_from_the_browser(browser: webdriver.Chrome, site: Site) -> None:
    _sign_in(browser, site)
    _click(browser, browser.find_element(By.XPATH, "//button[text()='Sign out']"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "You are signed out"
    browser.get(f"{site.base_url}/queue")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Please sign in"


def test_a_discord_moderator_signs_in_from_the_browser(
    browser: webdriver.Chrome, site: Site
) -> None:
    browser.delete_all_cookies()
    browser.set_window_size(*DESKTOP)
    site.signing_in("D-MOD")
    browser.get(site.base_url)
    _click(browser, browser.find_element(By.LINK_TEXT, "Sign in with Discord"))
    assert browser.current_url.endswith("/outcomes")
    assert "discord:900100" in browser.find_element(By.CSS_SELECTOR, ".who").text
    _click(browser, browser.find_element(By.LINK_TEXT, "Queue"))
    assert "A Discord setback" in browser.page_source
    assert "https://discord.com/channels/900100/" in browser.page_source
    assert "Froze in the panel" not in browser.page_source
