"""The workshop in a real browser: headless Chromium opens the website served by cloudlet,
clicks "Who are you?", and the page shows a member fetched across origins from the API (so
CORS is exercised for real); the member is then found in the table."""

import time

import pytest

import webdriver
from workshop_steps import NAMES, REGION, STATUSES, demo_urls, run_demo

pytestmark = pytest.mark.skipif(not webdriver.available(), reason="chromium and chromedriver are not installed")


def test_who_are_you_button(fresh_server):
    website, _ = demo_urls(run_demo(fresh_server))
    ddb = fresh_server.client("dynamodb", REGION)
    before = {(i["name"]["S"], i["status"]["S"]) for i in ddb.scan(TableName="hello-member")["Items"]}
    browser = webdriver.Browser()
    try:
        browser.get(website)
        assert "Lambda" in browser.text(browser.find("#title"))
        browser.click(browser.find("button"))
        sentence = ""
        deadline = time.time() + 20
        while time.time() < deadline and not sentence.strip():
            alert = browser.alert_text()
            assert alert is None, f"the page alerted {alert!r}"
            sentence = browser.text(browser.find("#sentence"))
            time.sleep(0.1)
        status, name = sentence.split()
        assert status in STATUSES and name in NAMES
    finally:
        browser.close()
    items = {(i["name"]["S"], i["status"]["S"]) for i in ddb.scan(TableName="hello-member")["Items"]}
    assert (name, status) in items
    # The table is keyed by name: the click may overwrite a member the demo wrote, never drop one.
    assert {n for n, _ in items} >= {n for n, _ in before}
