"""The web map in real headless Chromium (Debian's package, driven by Selenium): sign in, see tracks,
open an event, change an alert's status. The screenshot is kept in test-artifacts/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import REPO
from shadowfleet.api.auth import add_user
from shadowfleet.core.events import EventType
from shadowfleet.store.store import Store

ARTIFACTS = REPO / "test-artifacts"


def _chromium() -> tuple[str, str]:
    """Debian's chromium and chromedriver, installed here if missing (the test sets itself up)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        install = "apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver"
        subprocess.run(["bash", "-c", install], check=False, capture_output=True, timeout=600)
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.fail("Debian's chromium and chromium-driver are needed and could not be installed")
    return browser, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(scenario_store: Path) -> Iterator[tuple[str, str]]:
    key = add_user(Store.open(scenario_store), "ana", "analyst")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "shadowfleet", "serve", "--store", str(scenario_store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/api/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"server did not start: {process.stderr.read().decode() if process.stderr else ''}")
    yield url, key
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    binary, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    # every content-security-policy violation on any page, kept for the test to read
    watch = ("window.cspViolations = []; document.addEventListener('securitypolicyviolation', "
             "(e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));")  # fmt: skip
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": watch})
    yield driver
    driver.quit()


def test_sign_in_see_tracks_open_an_event_and_decide_an_alert(server: tuple[str, str], browser: WebDriver) -> None:
    url, key = server
    wait = WebDriverWait(browser, 60)
    browser.get(url)
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.ID, "signin").click()
    wait.until(ec.visibility_of_element_located((By.ID, "app")))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#event-list .event-item"))
    wait.until(lambda d: d.execute_script(
        "const m = window.shadowfleetMap; return m && m.loaded() && m.getSource('tracks') "
        "&& m.querySourceFeatures('tracks').length > 0"))  # fmt: skip
    assert browser.execute_script("return window.shadowfleetMap.querySourceFeatures('events').length") > 0
    legend = browser.find_element(By.ID, "legend").text
    assert all(t.label in legend for t in EventType)  # the labels from /api/event-types
    time.sleep(1)  # let the last frame paint
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "web_map_tracks.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000

    # open the listed STS: both vessels' tracks and the time slider
    listed = [e for e in browser.find_elements(By.CSS_SELECTOR, "#event-list .event-item") if "listed party" in e.text]
    assert listed
    listed[0].click()
    wait.until(ec.visibility_of_element_located((By.ID, "event-panel")))
    detail = browser.find_element(By.ID, "event-detail")
    assert "encounter" in detail.text and "CHON MA SAN" in detail.text
    parties = "return Number(document.getElementById('event-panel').dataset.parties || 0)"
    wait.until(lambda d: d.execute_script(parties) >= 2)
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = 0; s.dispatchEvent(new Event('input'));"
    )
    assert browser.execute_script(parties) < 4  # at the start of the window the tracks have barely begun
    browser.save_screenshot(str(ARTIFACTS / "web_map_event.png"))

    # the listed vessel's page: identity history, risk reasons, list matches
    detail.find_element(By.XPATH, ".//button[contains(., '445286000')]").click()
    wait.until(lambda d: "risk reasons" in d.find_element(By.ID, "vessel-profile").text)
    profile = browser.find_element(By.ID, "vessel-profile").text
    assert "identity history" in profile and "list_match" in profile and "ofac-sdn 23729 CHON MA SAN" in profile

    # the alert queue: mark the first alert reviewed with a note
    rendered = "return Number(document.getElementById('alert-list').dataset.generation || 0)"
    before = browser.execute_script(rendered)
    browser.find_element(By.CSS_SELECTOR, "#side nav button[data-tab='alerts']").click()
    wait.until(lambda d: d.execute_script(rendered) > before)  # the list the tab reloaded, not the old one
    first = browser.find_elements(By.CSS_SELECTOR, "#alert-list .alert-item")[0]
    alert_id = first.get_attribute("data-alert-id")
    browser.find_element(By.ID, "alert-note").send_keys("checked in the browser test")
    first.find_element(By.CSS_SELECTOR, "button[data-status='reviewed']").click()
    wait.until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, f".alert-item[data-alert-id='{alert_id}'] .alert-state").text == "reviewed"
        )
    )
    request = urllib.request.Request(f"{url}/api/alerts?all=true", headers={"X-API-Key": key})
    with urllib.request.urlopen(request) as response:
        rows = {r["alert_id"]: r for r in json.load(response)}
    assert rows[alert_id]["state"] == "reviewed" and rows[alert_id]["note"] == "checked in the browser test"
    assert rows[alert_id]["decided_by"] == "ana"
    assert browser.execute_script("return window.cspViolations") == []  # the policy blocks nothing the map needs
    assert os.path.getsize(shot) > 0
