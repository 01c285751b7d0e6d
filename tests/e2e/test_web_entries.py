"""The clinical-event forms of the web UI over real HTTP: relapse, EDSS, brain MRI, vaccination.

Each form like the lab-result form: the session's CSRF token, errors next to their field with
the values kept (422), POST-redirect-GET with a confirmation, the entry on the timeline, the
patient re-evaluated, and refused (403) to roles without ``entry.clinical``.

The clinic (clock fixed at 2026-11-21) holds a treatment-naive candidate and a course-3
candidate: example 09 without its relapse and MRIs after course 2, so that its R-A1 activity
gate holds until the care team records the activity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from alemtrack.protocol.vocabulary import CVX_VACCINES, LIVE_CVX
from tests.e2e.api_support import EXAMPLES, PASSWORD, serve
from tests.e2e.test_browser_ui import ARGS, CHROMIUM
from tests.e2e.web_support import WebClient, WebClinic, build, logged_in

NAIVE = "01-treatment-naive-ready-to-start"
COURSE3 = "09-retreatment-course3-relapse"


def course3_without_activity() -> dict[str, Any]:
    """Example 09 without the relapse and MRIs dated after course 2 (February 2024)."""
    bundle: dict[str, Any] = json.loads((EXAMPLES / f"{COURSE3}.bundle.json").read_text("utf-8"))

    def activity(r: dict[str, Any]) -> bool:
        codes = {c.get("code") for c in (r.get("code") or {}).get("coding", [])}
        return bool(codes & {"relapse", "mri-brain"}) and r.get("effectiveDateTime", "") > "2024-03"

    bundle["entry"] = [e for e in bundle["entry"] if not activity(e["resource"])]
    return bundle


@contextmanager
def clinic_with_candidates(db: Path) -> Iterator[tuple[str, WebClinic]]:
    web = build(db, (NAIVE,))
    web.patients[COURSE3] = web.clinic.import_bundle(course3_without_activity(), source=COURSE3,
                                                     actor="setup").patient_id
    with serve(web.app) as url:
        yield url, web


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[str, WebClinic]]:
    with clinic_with_candidates(tmp_path / "clinic.db") as result:
        yield result


@pytest.fixture
def nurse(running: tuple[str, WebClinic]) -> Iterator[tuple[WebClient, WebClinic]]:
    url, web = running
    with logged_in(url, "nurse.k") as client:
        yield client, web


@dataclass(frozen=True)
class Form:
    segment: str  # /patients/{id}/<segment>/new
    done: str  # ?done=<done>
    valid: dict[str, str]
    confirmation: str
    timeline: str  # what the patient page's timeline then shows
    kind: str  # the timeline row's kind
    kept: tuple[str, ...]  # how the valid values show again when the form is refused


FORMS = (
    Form("relapses", "relapse", {"onset": "2026-10-02", "disabling": "yes"},
         "Relapse recorded", "Relapse (disabling)", "relapse",
         ('name="disabling" value="yes" checked',)),
    Form("edss", "edss", {"on": "2026-11-20", "value": "3.5"},
         "EDSS score recorded", "EDSS 3.5", "edss", ('<option value="3.5" selected>',)),
    Form("mri", "mri", {"on": "2026-11-18", "gd_lesions": "1", "new_t2_lesions": "4"},
         "MRI report recorded", "Brain MRI: Gd+ 1, new/enlarging T2 4", "mri",
         ('name="gd_lesions" type="text" value="1"',
          'name="new_t2_lesions" type="text" value="4"')),
    Form("vaccinations", "vaccination", {"on": "2026-11-02", "cvx": "150"},
         "Vaccination recorded", "Vaccination: influenza", "vaccination",
         ('<option value="150" selected>',)),
)
IDS = [f.segment for f in FORMS]


def path(web: WebClinic, form: Form, stem: str = NAIVE) -> str:
    return f"/patients/{web.patients[stem]}/{form.segment}/new"


def timeline_rows(page: str, kind: str) -> list[str]:
    return re.findall(rf'<tr class="kind-{kind}">.*?</tr>', page, re.S)


def field_block(page: str, name: str) -> str:
    """The ``div.field`` (or ``fieldset``) holding the input ``name``."""
    match = re.search(rf'<(div|fieldset) class="[^"]*has-error[^"]*"[^>]*>(?:(?!</\1>).)*?'
                      rf'name="{name}".*?</\1>', page, re.S)
    assert match is not None, f"no field {name} marked as an error"
    return match[0]


def gates(web: WebClinic, stem: str) -> set[str]:
    nc = web.clinic.patient(web.patients[stem]).assessment.get("next_course") or {}
    return {g["rule"] for g in nc.get("gates") or ()}


# ---- every form --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_a_valid_entry_redirects_to_the_patient_page_which_confirms_and_shows_it(
        nurse: tuple[WebClient, WebClinic], form: Form) -> None:
    client, web = nurse
    pid = web.patients[NAIVE]
    before = len(timeline_rows(client.get(f"/patients/{pid}").text, form.kind))
    response = client.post(path(web, form), data=form.valid)
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"/patients/{pid}?done={form.done}"
    page = client.get(response.headers["location"]).text
    assert f'<div class="banner banner-ok" role="status">{form.confirmation}' in page
    rows = timeline_rows(page, form.kind)
    assert len(rows) == before + 1 and any(form.timeline in r for r in rows), rows


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_the_form_page_has_the_token_todays_date_and_no_actor_field(
        nurse: tuple[WebClient, WebClinic], form: Form) -> None:
    client, web = nurse
    response = client.get(path(web, form))
    assert response.status_code == 200
    page = response.text
    date_field = "onset" if form.segment == "relapses" else "on"
    assert f'name="{date_field}" type="date" value="2026-11-21"' in page
    assert f'name="csrf_token" value="{client.csrf}"' in page
    assert 'name="actor"' not in page and "Recorded as <strong>nurse.k</strong>" in page
    assert f'action="{path(web, form)}"' in page


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_a_date_after_today_is_refused_next_to_the_date_and_the_values_are_kept(
        nurse: tuple[WebClient, WebClinic], form: Form) -> None:
    client, web = nurse
    before = web.clinic.patient(web.patients[NAIVE]).timeline
    date_field = "onset" if form.segment == "relapses" else "on"
    data = {**form.valid, date_field: "2026-11-22"}
    response = client.post(path(web, form), data=data)
    assert response.status_code == 422
    page = response.text
    assert "The entry was not saved." in page
    block = field_block(page, date_field)
    assert f'id="{date_field}-error"' in block and "after today (2026-11-21)" in block
    assert 'value="2026-11-22"' in block
    for kept in form.kept:  # as typed, or as chosen
        assert kept in page, kept
    assert web.clinic.patient(web.patients[NAIVE]).timeline == before


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_a_post_without_the_csrf_token_is_refused_and_records_nothing(
        nurse: tuple[WebClient, WebClinic], form: Form) -> None:
    client, web = nurse
    before = web.clinic.patient(web.patients[NAIVE]).timeline
    for token in ("", "forged-token"):
        response = client.post(path(web, form), data={**form.valid, "csrf_token": token})
        assert response.status_code == 403
        assert "Form refused" in response.text
    assert web.clinic.patient(web.patients[NAIVE]).timeline == before


@pytest.mark.parametrize("form", FORMS, ids=IDS)
@pytest.mark.parametrize("user", ["viewer.v", "pharm.p", "admin"])
def test_a_role_without_clinical_entry_can_neither_open_nor_send_the_form(
        running: tuple[str, WebClinic], form: Form, user: str) -> None:
    url, web = running
    pid = web.patients[NAIVE]
    before = web.clinic.patient(pid).timeline
    with logged_in(url, user) as client:
        page = client.get(f"/patients/{pid}").text
        assert f'href="{path(web, form)}"' not in page  # not offered
        opened = client.get(path(web, form))
        assert opened.status_code == 403 and "Not allowed" in opened.text
        sent = client.post(path(web, form), data=form.valid)
        assert sent.status_code == 403 and "Not allowed" in sent.text
        assert "entry.clinical" in sent.text
    assert web.clinic.patient(pid).timeline == before


def test_the_patient_page_links_each_form_for_the_care_team(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    page = client.get(f"/patients/{web.patients[NAIVE]}").text
    group = re.search(r'<div class="btn-row clinical-links".*?</div>', page, re.S)
    assert group is not None
    for form in FORMS:
        assert f'href="{path(web, form)}"' in group[0]


def test_an_unknown_patient_gets_the_not_found_page(nurse: tuple[WebClient, WebClinic]) -> None:
    client, _ = nurse
    assert client.get("/patients/9999/mri/new").status_code == 404
    response = client.post("/patients/9999/mri/new", data=FORMS[2].valid)
    assert response.status_code == 404 and "Not found" in response.text


# ---- relapse -----------------------------------------------------------------------------------


def test_a_relapse_without_saying_whether_it_was_disabling_is_refused(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[0]), data={"onset": "2026-10-02"})
    assert response.status_code == 422
    block = field_block(response.text, "disabling")
    assert 'id="disabling-error"' in block and "was the relapse disabling?" in block
    assert 'name="onset" type="date" value="2026-10-02"' in response.text


def test_a_relapse_after_course_two_lifts_the_course_three_activity_gate(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    assert "R-A1" in gates(web, COURSE3)
    response = client.post(path(web, FORMS[0], COURSE3),
                           data={"onset": "2026-08-10", "disabling": "no"})
    assert response.status_code == 303
    assert "R-A1" not in gates(web, COURSE3)
    page = client.get(response.headers["location"]).text
    readiness = re.search(r'<section class="panel" id="readiness".*?</section>', page, re.S)
    assert readiness is not None and "R-A1" not in readiness[0]


# ---- EDSS --------------------------------------------------------------------------------------


def test_the_edss_picker_offers_the_twenty_scores_of_the_scale(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    page = client.get(path(web, FORMS[1])).text
    select = re.search(r'<select id="f-value".*?</select>', page, re.S)
    assert select is not None
    scores = re.findall(r'<option value="([^"]+)"', select[0])
    assert scores[0] == "0" and scores[1] == "1.0" and scores[-1] == "10.0"
    assert len(scores) == 20 and "0.5" not in scores


@pytest.mark.parametrize("value, message", [
    ("10.5", "is not on the EDSS scale"),
    ("7.25", "is not on the EDSS scale"),
    ("0.5", "is not on the EDSS scale"),
    ("-1", "is not on the EDSS scale"),
    ("high", "is not an EDSS score"),
    ("", "Choose the EDSS score."),
])
def test_a_score_off_the_edss_scale_is_refused_next_to_the_score(
        nurse: tuple[WebClient, WebClinic], value: str, message: str) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[1]), data={"on": "2026-11-20", "value": value})
    assert response.status_code == 422
    block = field_block(response.text, "value")
    assert 'id="value-error"' in block and message in block
    assert 'name="on" type="date" value="2026-11-20"' in response.text


def test_an_edss_typed_with_a_decimal_comma_is_read(nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[1]), data={"on": "2026-11-20", "value": "6,5"})
    assert response.status_code == 303
    assert any(e.value == 6.5 for e in web.clinic.facts(web.patients[NAIVE]).edss)


# ---- MRI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, value, message", [
    ("new_t2_lesions", "201", "beyond 200"),
    ("new_t2_lesions", "9" * 5000, "beyond 200"),
    ("gd_lesions", "²", "is not a whole number"),
    ("new_t2_lesions", "-1", "is not a whole number"),
    ("gd_lesions", "2.5", "is not a whole number"),
    ("gd_lesions", "some", "is not a whole number"),
])
def test_a_lesion_count_out_of_bounds_is_refused_next_to_its_field(
        nurse: tuple[WebClient, WebClinic], name: str, value: str, message: str) -> None:
    client, web = nurse
    data = {"on": "2026-11-18", "gd_lesions": "0", "new_t2_lesions": "3", name: value,
            "pml_signs": "yes"}
    response = client.post(path(web, FORMS[2]), data=data)
    assert response.status_code == 422
    block = field_block(response.text, name)
    assert f'id="{name}-error"' in block and message in block
    assert f'value="{value}"' in block  # kept as typed
    assert 'name="pml_signs" value="yes" checked' in response.text  # the box stays ticked
    assert all(m.date.isoformat() != "2026-11-18"
               for m in web.clinic.facts(web.patients[NAIVE]).mri)


def test_an_mri_report_with_nothing_in_it_is_refused(nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[2]), data={"on": "2026-11-18"})
    assert response.status_code == 422
    assert "Enter what the report says" in response.text


def test_a_blank_count_is_stored_as_not_reported_not_as_zero(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[2]), data={"on": "2026-11-18",
                                                       "new_t2_lesions": "0",
                                                       "t2_load_increase": "yes"})
    assert response.status_code == 303
    (scan,) = [m for m in web.clinic.facts(web.patients[NAIVE]).mri
               if m.date.isoformat() == "2026-11-18"]
    assert scan.gd_lesions is None and scan.new_t2_lesions == 0 and scan.t2_load_increase
    page = client.get(response.headers["location"]).text
    assert "Brain MRI: Gd+ not reported, new/enlarging T2 0" in page


def test_new_t2_lesions_after_course_two_lift_the_course_three_activity_gate(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    assert "R-A1" in gates(web, COURSE3)
    # One new T2 lesion is below the ≥2 of R-A1: the gate stays.
    client.post(path(web, FORMS[2], COURSE3),
                data={"on": "2026-09-01", "gd_lesions": "0", "new_t2_lesions": "1"})
    assert "R-A1" in gates(web, COURSE3)
    response = client.post(path(web, FORMS[2], COURSE3),
                           data={"on": "2026-10-01", "gd_lesions": "0", "new_t2_lesions": "3"})
    assert response.status_code == 303
    assert "R-A1" not in gates(web, COURSE3)


def test_signs_of_pml_on_the_mri_are_shown_on_the_timeline(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[2]), data={"on": "2026-11-18", "gd_lesions": "0",
                                                       "new_t2_lesions": "0",
                                                       "pml_signs": "yes"})
    assert response.status_code == 303
    assert "possible PML" in client.get(response.headers["location"]).text


# ---- vaccination -------------------------------------------------------------------------------


def test_the_vaccine_list_holds_the_vocabularys_cvx_codes_with_the_live_ones_marked(
        nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    page = client.get(path(web, FORMS[3])).text
    offered = set(re.findall(r'<option value="(\d+)"', page))
    assert offered == set(CVX_VACCINES) | LIVE_CVX
    live = re.search(r'<optgroup label="Live vaccines">.*?</optgroup>', page, re.S)
    assert live is not None
    assert set(re.findall(r'<option value="(\d+)" data-live="true"', live[0])) == LIVE_CVX
    assert "MMR (measles, mumps, rubella) - CVX 03 · LIVE" in live[0]
    assert "· LIVE" not in page.replace(live[0], "")


@pytest.mark.parametrize("cvx, message", [("999", "CVX 999 is not in the list"),
                                          ("", "Choose the vaccine.")])
def test_a_vaccine_not_in_the_list_is_refused_next_to_the_vaccine(
        nurse: tuple[WebClient, WebClinic], cvx: str, message: str) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[3]), data={"on": "2026-11-02", "cvx": cvx})
    assert response.status_code == 422
    block = field_block(response.text, "cvx")
    assert 'id="cvx-error"' in block and message in block


def test_a_live_vaccine_is_recorded_as_live(nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    response = client.post(path(web, FORMS[3]), data={"on": "2026-11-02", "cvx": "03"})
    assert response.status_code == 303
    (mmr,) = [v for v in web.clinic.facts(web.patients[NAIVE]).vaccinations if v.code == "03"]
    assert mmr.live
    assert "Vaccination: mmr (live)" in client.get(response.headers["location"]).text


def test_each_entry_is_audited_as_the_logged_in_user(nurse: tuple[WebClient, WebClinic]) -> None:
    client, web = nurse
    for form in FORMS:
        assert client.post(path(web, form), data={**form.valid, "actor": "someone.else"}
                           ).status_code == 303
    entries = [e for e in web.clinic.audit.entries() if e.action == "entry.clinical"
               and e.outcome == "success"]
    assert len(entries) >= len(FORMS)
    assert {e.actor for e in entries} == {"nurse.k"}
    assert {e.patient_id for e in entries} == {web.patients[NAIVE]}


def test_a_client_without_a_session_is_sent_to_the_login_page(
        running: tuple[str, WebClinic]) -> None:
    url, web = running
    with httpx.Client(base_url=url) as anonymous:
        response = anonymous.get(path(web, FORMS[2]))
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


# ---- in a real browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("entry-screenshots")
    print(f"\nscreenshots in {folder}")
    return folder


def test_an_mri_recorded_in_the_browser_appears_on_the_timeline_and_lifts_the_gate(
        running: tuple[str, WebClinic], shots: Path) -> None:
    url, web = running
    pid = web.patients[COURSE3]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{url}/patients/{pid}")
        page.get_by_label("User name").fill("nurse.k")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#readiness")).to_contain_text("R-A1")
        page.screenshot(path=shots / "patient-course3-before.png", full_page=True)

        page.get_by_role("group", name="Record a clinical event").get_by_role(
            "link", name="MRI report").click()
        expect(page.locator("h1")).to_contain_text("Record a brain MRI report")
        page.get_by_label("Date of the scan").fill("2026-09-01")
        page.get_by_label("Gd-enhancing T1 lesions").fill("1")
        page.get_by_label("New or enlarging T2 lesions").fill("250")
        page.get_by_role("button", name="Save MRI report").click()
        t2 = page.locator(".field", has=page.locator("#f-new_t2_lesions"))
        expect(t2).to_have_class(re.compile(r"\bhas-error\b"))
        expect(t2.locator(".field-error")).to_contain_text("beyond 200")
        expect(page.locator("#f-gd_lesions")).to_have_value("1")  # kept as typed
        page.screenshot(path=shots / "form-mri-error.png", full_page=True)

        page.get_by_label("New or enlarging T2 lesions").fill("3")
        page.get_by_role("button", name="Save MRI report").click()
        expect(page.locator(".banner-ok")).to_have_text(
            "MRI report recorded; the patient was re-evaluated.")
        row = page.locator("#timeline tr.kind-mri", has_text="2026-09-01")
        expect(row).to_contain_text("Brain MRI: Gd+ 1, new/enlarging T2 3")
        expect(page.locator("#readiness")).not_to_contain_text("R-A1")
        row.scroll_into_view_if_needed()
        page.screenshot(path=shots / "patient-course3-after-mri.png", full_page=True)

        for segment, name in [("relapses", "form-relapse"), ("edss", "form-edss"),
                              ("vaccinations", "form-vaccination")]:
            page.goto(f"{url}/patients/{pid}/{segment}/new")
            expect(page.locator("h1")).to_contain_text("Record a")
            page.screenshot(path=shots / f"{name}.png", full_page=True)
        context.close()
        browser.close()
