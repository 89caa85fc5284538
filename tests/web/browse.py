"""The owner's web app in a real browser: headless Chromium driven by Selenium (Debian's
chromium and chromium-driver). Signs in, finds an invoice, opens its PDF, records a payment,
is refused with a forged CSRF token and without a session, reads the app in German through a
one-time sign-in link, and keeps a screenshot of each page.

Usage: browse.py BASE_URL PASSWORD NUMBER OTHER_NUMBER LOGIN_LINK SCREENSHOT_DIR
Prints what it saw as one JSON object; tests/web.rs judges it.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

BASE, PASSWORD, NUMBER, OTHER, LINK, SHOTS = sys.argv[1:7]
os.makedirs(SHOTS, exist_ok=True)


def browser(lang, width=1280, height=1400):
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--lang={lang}",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def path(driver):
    parts = urllib.parse.urlsplit(driver.current_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def text(driver, selector):
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else None


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def click_and_wait(driver, element):
    """Click `element` and wait until the next page has replaced this one and loaded: a mark
    set on this page's window is gone. (Errors while the page changes are retried.)"""
    driver.execute_script("window.invoicerBeforeClick = true")
    element.click()
    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.invoicerBeforeClick === undefined"
            " && document.readyState === 'complete'"
        )
    )


def submit(driver, form_selector):
    click_and_wait(
        driver, driver.find_element(By.CSS_SELECTOR, f"{form_selector} button[type=submit]")
    )


def follow(driver, link_text):
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, link_text))


def open_document(driver, number):
    """Search the list for `number` and open it; how many rows the search found."""
    driver.get(BASE + "/app/documents")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(number)
    submit(driver, "form.filters")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.documents tbody tr")
    follow(driver, number)
    return len(rows)


seen = {}
driver = browser("en-US,en")
try:
    # Without a session every page leads to the sign-in.
    driver.get(BASE + "/app/documents")
    seen["unsigned_lands_on"] = path(driver)
    seen["sign_in_heading"] = text(driver, "h1")
    shot(driver, "sign-in")
    driver.find_element(By.ID, "password").send_keys("not the password at all")
    submit(driver, "form.signin")
    seen["wrong_password"] = text(driver, ".error")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(driver, "form.signin")
    seen["signed_in_lands_on"] = path(driver)

    driver.get(BASE + "/app")
    seen["dashboard_heading"] = text(driver, "h1")
    seen["dashboard_cards"] = [
        card.text.split("\n") for card in driver.find_elements(By.CSS_SELECTOR, ".card")
    ]
    seen["chart_bars"] = len(driver.find_elements(By.CSS_SELECTOR, "figure.chart rect.bar"))
    seen["attention_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "table.documents tbody tr"))
    shot(driver, "dashboard")

    driver.get(BASE + "/app/documents")
    seen["list_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "table.documents tbody tr"))
    shot(driver, "documents")

    # Find the invoice, open it and its PDF.
    seen["search_rows"] = open_document(driver, NUMBER)
    document_url = driver.current_url
    seen["document_heading"] = text(driver, "h1")
    seen["document_status"] = text(driver, "p.status .badge")
    seen["downloads"] = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "ul.downloads a")]
    shot(driver, "document")
    frame = driver.find_element(By.CSS_SELECTOR, "iframe.pdf")
    pdf_url = frame.get_attribute("src")
    # The frame holds the PDF (a policy that blocked it would leave an error page there).
    driver.switch_to.frame(frame)
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    seen["pdf_frame_type"] = driver.execute_script("return document.contentType")
    driver.switch_to.default_content()
    cookie = driver.get_cookie("invoicer_session")
    seen["cookie"] = {
        "http_only": cookie.get("httpOnly"),
        "same_site": cookie.get("sameSite"),
        "path": cookie.get("path"),
    }
    request = urllib.request.Request(
        pdf_url, headers={"Cookie": f"invoicer_session={cookie['value']}"}
    )
    with urllib.request.urlopen(request) as answer:
        seen["pdf_type"] = answer.headers.get("Content-Type")
        seen["pdf_magic"] = answer.read(5).decode("latin-1")
    driver.get(pdf_url)
    seen["pdf_opened"] = path(driver)

    # Record a payment of what is owed.
    driver.get(document_url)
    follow(driver, "Record payment")
    seen["payment_heading"] = text(driver, "h1")
    seen["payment_amount_prefilled"] = driver.find_element(By.ID, "amount").get_attribute("value")
    driver.find_element(By.ID, "method").send_keys("Bank transfer")
    shot(driver, "record-payment")
    submit(driver, "form.confirm")
    seen["after_payment_path"] = path(driver)
    seen["after_payment_notice"] = text(driver, ".notice")
    seen["after_payment_status"] = text(driver, "p.status .badge")
    seen["payments_listed"] = text(driver, "ul.plain")

    # A forged CSRF token is refused and changes nothing.
    open_document(driver, OTHER)
    other_url = driver.current_url
    follow(driver, "Record payment")
    driver.execute_script("document.querySelector('form.confirm input[name=csrf]').value = 'forged-token'")
    submit(driver, "form.confirm")
    seen["forged_heading"] = text(driver, "h1")
    shot(driver, "forged-csrf")
    driver.get(other_url)
    seen["forged_left_status"] = text(driver, "p.status .badge")

    driver.get(BASE + "/app/customers")
    seen["customer_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "tbody tr"))
    shot(driver, "customers")

    # On a phone.
    driver.set_window_size(390, 1600)
    driver.get(document_url)
    seen["phone_overflow"] = driver.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth + 1"
    )
    shot(driver, "document-phone")
    driver.set_window_size(1280, 1400)

    # Signing out ends the session.
    driver.get(BASE + "/app")
    submit(driver, "form.signout")
    seen["signed_out_lands_on"] = path(driver)
    driver.get(BASE + "/app")
    seen["after_sign_out"] = path(driver)
finally:
    driver.quit()

# A German browser signs in with the one-time link; the link works once.
driver = browser("de-DE,de")
try:
    driver.get(LINK)
    seen["link_page_heading"] = text(driver, "h1")
    submit(driver, "main form")
    seen["link_lands_on"] = path(driver)
    seen["german_heading"] = text(driver, "h1")
    seen["german_nav"] = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
    shot(driver, "dashboard-de")
    driver.delete_all_cookies()
    driver.get(LINK)
    submit(driver, "main form")
    seen["link_reused_heading"] = text(driver, "h1")
finally:
    driver.quit()

print(json.dumps(seen))
