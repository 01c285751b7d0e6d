"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium through Playwright; no
browser is ever downloaded) against the whole application served by uvicorn, on a temporary
SQLite clinic with example patients and the clock fixed at 2026-11-21.

Screenshots go to a pytest temporary directory (its path is printed with ``-s``) so a person
can look at the pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.web_support import PASSWORD, SITE, WebClinic, served

ITP = "06-itp-month-19"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[str, WebClinic]]:
    with served(tmp_path / "clinic.db") as running:
        yield running


@pytest.fixture
def page(browser: Browser, app: tuple[str, WebClinic]) -> Iterator[Page]:
    """A tab logged in as dr.rossi (neurologist) through the login page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(app[0] + "/")
    expect(tab).to_have_url(re.compile(r"/login\?next=%2F$"))
    tab.get_by_label("User name").fill("dr.rossi")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.locator("header.top")).to_contain_text("User: dr.rossi (neurologist)")
    yield tab
    context.close()


def test_the_worklist_opens_with_the_urgent_platelet_alert(
        app: tuple[str, WebClinic], page: Page, shots: Path) -> None:
    url, _ = app
    page.goto(url + "/")
    expect(page).to_have_title(re.compile(r"Worklist 2026-11-21 · " + SITE))
    expect(page.locator("header.top")).to_contain_text(SITE)
    urgent = page.locator("tbody.sev-group-urgent")
    expect(urgent).to_contain_text("Platelets 62")
    expect(urgent.locator(".sev-urgent").first).to_have_text("Urgent")
    expect(page.locator("#overdue")).to_contain_text("Full blood count")
    page.screenshot(path=shots / "worklist.png", full_page=True)


def test_acknowledging_the_urgent_platelet_alert_takes_it_off_the_open_list(
        app: tuple[str, WebClinic], page: Page, shots: Path) -> None:
    url, web = app
    name = web.clinic.patient(web.patients[ITP]).summary.name
    page.goto(url + "/")
    row = page.locator("tbody.sev-group-urgent tr", has_text="Platelets 62")
    row.get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_have_text(name)
    card = page.locator("#alerts article.alert", has_text="Platelets 62")
    expect(card).to_contain_text("R-H4")
    page.screenshot(path=shots / "patient-before.png", full_page=True)

    card.get_by_label("Note").fill("Repeat CBC with smear booked today; patient called")
    card.get_by_role("button", name="Acknowledge").click()

    expect(page.locator(".banner-ok")).to_have_text("Alert acknowledged.")
    expect(page.locator("#h-open .count")).to_have_text("0")
    acknowledged = page.locator("article.alert", has_text="Platelets 62")
    expect(acknowledged).to_contain_text("Acknowledged by dr.rossi")
    page.screenshot(path=shots / "patient-acknowledged.png", full_page=True)

    page.goto(url + "/")
    expect(page.locator("#alerts")).not_to_contain_text("Platelets 62")


def test_a_creatinine_with_an_unknown_unit_shows_the_error_at_the_unit_field(
        app: tuple[str, WebClinic], page: Page, shots: Path) -> None:
    url, web = app
    page.goto(f"{url}/patients/{web.patients[ITP]}")
    page.get_by_role("link", name="Enter lab result").click()
    page.get_by_label("Test (LOINC)").select_option("2160-0")
    expect(page.get_by_label("Unit")).to_have_value("mg/dL")  # proposed by the picker
    page.get_by_label("Value").fill("1.4")
    page.get_by_label("Unit").fill("furlongs")
    page.get_by_role("button", name="Save result").click()

    unit = page.locator(".field", has=page.locator("#f-unit"))
    expect(unit).to_have_class(re.compile(r"\bhas-error\b"))
    expect(unit.locator(".field-error")).to_contain_text("furlongs")
    expect(page.locator("#f-unit")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-value")).to_have_value("1.4")  # what was typed is kept
    expect(page.locator(".banner-error")).to_contain_text("The entry was not saved.")
    page.screenshot(path=shots / "lab-unit-error.png", full_page=True)


def test_the_printable_infusion_day_sheet_opens_from_the_patient_page(
        app: tuple[str, WebClinic], page: Page, shots: Path) -> None:
    url, web = app
    page.goto(f"{url}/patients/{web.patients[ITP]}")
    page.get_by_role("link", name="Infusion-day sheet").click()
    expect(page.locator("h1").first).to_contain_text("Alemtuzumab infusion - course 2, day 1 of 3")
    expect(page.locator("section.day")).to_have_count(3)
    expect(page.locator(".toolbar")).to_be_visible()
    page.screenshot(path=shots / "infusion-sheet-screen.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()  # prints without the screen controls
    page.screenshot(path=shots / "infusion-sheet-print.png")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 4


def test_the_patient_list_and_forms_render_for_a_look(
        app: tuple[str, WebClinic], page: Page, shots: Path) -> None:
    """Screenshots of the remaining screens and sheets, each with its key content."""
    url, web = app
    pid = web.patients[ITP]
    for path, name, text in [
        ("/patients", "patients", "Patients"),
        (f"/patients/{pid}/infusions/new", "form-infusion", "Record an infusion day"),
        (f"/patients/{pid}/checklists/new", "form-checklist", "Monthly symptom checklist"),
        (f"/patients/{pid}/print/alert-card", "alert-card", "Patient alert card"),
        (f"/patients/{pid}/print/checklist", "checklist-sheet", "Monthly symptom checklist"),
    ]:
        page.goto(url + path)
        expect(page.locator("h1").first).to_contain_text(text)
        page.screenshot(path=shots / f"{name}.png", full_page=True)
