"""The care team's web pages over plain HTTP: status, key content, forms and alert actions.

A real Clinic on a temporary SQLite file with example patients imported and the clock fixed at
2026-11-21; the whole application from ``create_app`` (which mounts the web UI), served by
uvicorn on a loopback port and spoken to over real HTTP with httpx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.web_support import SITE, WebClinic, logged_in, served

ITP = "06-itp-month-19"
NAIVE = "01-treatment-naive-ready-to-start"
OVERDUE = "13-overdue-monitoring"
ANTI_GBM = "07-anti-gbm-creatinine-rise-haematuria"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, WebClinic]]:
    """One clinic for the tests that only read."""
    with served(tmp_path_factory.mktemp("web") / "clinic.db") as (url, web), \
            logged_in(url) as client:
        yield client, web


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[httpx.Client, WebClinic]]:
    """A clinic of its own for a test that changes records."""
    with served(tmp_path / "clinic.db", (NAIVE, ITP)) as (url, web), \
            logged_in(url) as client:
        yield client, web


def name_of(web: WebClinic, stem: str) -> str:
    return web.clinic.patient(web.patients[stem]).summary.name


def html(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def itp_alert_id(web: WebClinic) -> int:
    alerts = web.clinic.alerts(patient_id=web.patients[ITP], status="open").items
    return next(a.id for a in alerts if a.rule == "R-H4")


# ---- worklist --------------------------------------------------------------------------------


def test_the_worklist_shows_todays_open_alerts_grouped_by_severity_with_words(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    response = client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert SITE in page
    assert "Worklist" in page and "2026-11-21" in page
    group = page.index('class="sev-group sev-group-urgent"')
    assert "Platelets 62" in page[group:]
    assert name_of(web, ITP) in page
    assert '<span class="sev sev-urgent">Urgent</span>' in page  # a word, not colour alone


def test_the_worklist_lists_overdue_tests_due_tests_infusions_and_decisions(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    page = html(client.get("/"))
    for heading in ("Infusions", "Decisions due", "Overdue tests", "Tests due"):
        assert f">{heading} <span class=\"count\">" in page
    overdue = page[page.index('id="overdue"'):page.index('id="due"')]
    assert name_of(web, OVERDUE) in overdue
    assert "Full blood count" in overdue


def test_the_date_picker_shows_another_day(shared: tuple[httpx.Client, WebClinic]) -> None:
    client, _ = shared
    page = html(client.get("/", params={"day": "2026-12-01"}))
    assert "Tuesday 2026-12-01" in page
    assert 'value="2026-12-01"' in page
    assert 'href="/?day=2026-11-30"' in page and 'href="/?day=2026-12-02"' in page


def test_a_day_that_is_not_a_date_falls_back_to_today_and_says_so(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, _ = shared
    response = client.get("/", params={"day": "tomorrow"})
    assert response.status_code == 200
    assert "“tomorrow” is not a date; showing today." in html(response)
    assert "2026-11-21 · today" in response.text


# ---- patient list ----------------------------------------------------------------------------


def test_the_patient_list_shows_every_patient_with_phase_and_alerts(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    page = html(client.get("/patients"))
    for stem in web.patients:
        assert name_of(web, stem) in page
    assert "4 found" in page
    assert "Monitoring</span>" in page and "Pre-treatment</span>" in page


def test_the_open_alerts_filter_leaves_out_patients_without_alerts(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    page = html(client.get("/patients", params={"alerts": "1"}))
    assert name_of(web, ITP) in page
    assert name_of(web, NAIVE) not in page
    assert 'name="alerts" value="1" checked' in page


def test_the_phase_filter_and_the_search_narrow_the_list(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    page = html(client.get("/patients", params={"phase": "pre-treatment"}))
    assert name_of(web, NAIVE) in page and name_of(web, ITP) not in page
    surname = name_of(web, ITP).split()[-1]
    page = html(client.get("/patients", params={"q": surname}))
    assert name_of(web, ITP) in page and name_of(web, OVERDUE) not in page
    page = html(client.get("/patients", params={"overdue": "1"}))
    assert name_of(web, OVERDUE) in page and name_of(web, NAIVE) not in page


def test_a_filter_that_matches_nobody_says_so(shared: tuple[httpx.Client, WebClinic]) -> None:
    client, _ = shared
    page = html(client.get("/patients", params={"q": "nobody-by-this-name"}))
    assert "No patient matches these filters." in page


# ---- patient page ----------------------------------------------------------------------------


def test_the_patient_page_shows_phase_alert_plots_gates_schedule_and_windows(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    response = client.get(f"/patients/{web.patients[ITP]}")
    assert response.status_code == 200
    page = html(response)
    assert f"<h1>{name_of(web, ITP)}</h1>" in page
    assert "phase-monitoring" in page and "2029-04-11" in page
    assert "Platelets 62" in page and "R-H4" in page
    assert page.count('<svg class="chart"') == 3
    assert "150 lower normal" in page and "100 ITP (R-H4)" in page
    assert "baseline" in page and "+30%" in page
    assert 'class="band"' in page  # the TSH reference range
    assert '<span class="gate gate-hold">HOLD</span>' in page
    assert "Due schedule" in page and "Full blood count" in page
    assert "Contraception until" in page and "2025-08-11" in page
    for link in ("labs/new", "infusions/new", "checklists/new", "print/infusion-sheet",
                 "print/alert-card", "print/checklist"):
        assert f'href="/patients/{web.patients[ITP]}/{link}"' in page


def test_the_creatinine_plot_draws_the_baseline_and_the_thirty_percent_line(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    detail = web.clinic.patient(web.patients[ANTI_GBM])
    assert detail.creatinine_baseline is not None
    page = html(client.get(f"/patients/{web.patients[ANTI_GBM]}"))
    chart = page[page.index('id="chart-creatinine"'):page.index('id="chart-tsh"')]
    assert f"baseline {detail.creatinine_baseline:g}" in chart
    assert f"+30% {detail.creatinine_baseline * 1.3:.2f}" in chart


def test_an_unknown_patient_gets_a_not_found_page(shared: tuple[httpx.Client, WebClinic]) -> None:
    client, _ = shared
    response = client.get("/patients/999999")
    assert response.status_code == 404
    assert "Not found" in html(response)


# ---- alerts ----------------------------------------------------------------------------------


def test_acknowledging_without_a_note_is_refused_next_to_the_note(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid, aid = web.patients[ITP], itp_alert_id(web)
    response = client.post(f"/patients/{pid}/alerts/{aid}/acknowledge",
                           data={"note": "  ", "actor": "dr.rossi"})
    assert response.status_code == 422
    assert f'id="note-{aid}-error"' in html(response)
    assert "Write a note" in response.text
    assert web.clinic.alerts(patient_id=pid, status="open").total >= 1
    assert any(a.id == aid for a in web.clinic.alerts(patient_id=pid, status="open").items)


def test_acknowledging_with_a_note_takes_the_alert_off_the_open_list(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid, aid = web.patients[ITP], itp_alert_id(web)
    response = client.post(f"/patients/{pid}/alerts/{aid}/acknowledge",
                           data={"note": "Repeat CBC <today>", "actor": "dr.rossi"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/patients/{pid}?done=acknowledged#alerts"
    page = html(client.get(response.headers["location"]))
    assert "Alert acknowledged." in page
    open_part = page[page.index('id="h-open"'):page.index('id="h-ack"')]
    assert f'id="alert-{aid}"' not in open_part
    acked = page[page.index('id="h-ack"'):page.index('id="results"')]
    assert f'id="alert-{aid}"' in acked
    assert "dr.rossi" in acked and "Repeat CBC &lt;today&gt;" in acked  # escaped
    worklist = html(client.get("/"))
    assert "Platelets 62" not in worklist


def test_resolving_an_alert_moves_it_to_the_history(fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid, aid = web.patients[ITP], itp_alert_id(web)
    response = client.post(f"/patients/{pid}/alerts/{aid}/resolve",
                           data={"note": "Haematology seen, ITP excluded", "actor": "dr.rossi"})
    assert response.status_code == 303
    page = html(client.get(f"/patients/{pid}"))
    history = page[page.index('id="history"'):]
    assert "Haematology seen, ITP excluded" in history and "Platelets 62" in history


# ---- forms -----------------------------------------------------------------------------------


def lab(**fields: str) -> dict[str, str]:
    return {"code": "2160-0", "value": "1.4", "unit": "mg/dL", "on": "2026-11-20",
            "actor": "nurse.k", **fields}


def test_a_creatinine_in_an_unknown_unit_is_refused_next_to_the_unit_field(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid = web.patients[ITP]
    response = client.post(f"/patients/{pid}/labs/new", data=lab(unit="furlongs"))
    assert response.status_code == 422
    page = html(response)
    assert "The entry was not saved." in page
    unit_field = re.search(r'<div class="field has-error">\s*<label for="f-unit">.*?</div>',
                           page, re.S)
    assert unit_field is not None
    assert 'id="unit-error"' in unit_field[0] and "furlongs" in unit_field[0]
    assert 'value="furlongs"' in page and 'value="1.4"' in page  # kept as typed
    assert '<option value="2160-0" data-unit="mg/dL" selected>' in page


def test_text_in_the_value_field_is_named_as_not_a_number(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    response = client.post(f"/patients/{web.patients[ITP]}/labs/new", data=lab(value="high"))
    assert response.status_code == 422
    assert 'id="value-error"' in response.text and "“high” is not a number." in response.text


def test_a_valid_lab_result_is_saved_and_the_patient_page_confirms_it(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid = web.patients[ITP]
    response = client.post(f"/patients/{pid}/labs/new", data=lab(value="1,05"))
    assert response.status_code == 303
    assert response.headers["location"] == f"/patients/{pid}?done=lab"
    points = web.clinic.patient(pid).labs["creatinine"]
    assert points[-1].date.isoformat() == "2026-11-20" and points[-1].value == pytest.approx(1.05)
    page = html(client.get(response.headers["location"]))
    assert "Lab result saved" in page


def test_the_lab_form_offers_the_loinc_codes_and_a_default_date(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    page = html(client.get(f"/patients/{web.patients[ITP]}/labs/new", params={"code": "777-3"}))
    assert '<option value="777-3" data-unit="10*3/uL" selected>' in page
    assert "Creatinine (serum) - LOINC 2160-0" in page and "TSH - LOINC 3016-3" in page
    assert 'name="on" type="date" value="2026-11-21"' in page
    assert 'name="unit" type="text" list="units" value="10*3/uL"' in page


def infusion(**fields: str) -> dict[str, str]:
    return {"on": "2026-11-21", "start": "09:00", "end": "14:10", "dose_mg": "12",
            "lot": "LMT26X01", "vitals-0-at": "08:45", "vitals-0-temperature_c": "36,8",
            "vitals-0-heart_rate": "72", "vitals-0-systolic": "124", "vitals-0-diastolic": "78",
            "actor": "nurse.k", **fields}


def test_an_infusion_day_without_a_lot_number_keeps_the_values_and_names_the_lot(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    response = client.post(f"/patients/{web.patients[NAIVE]}/infusions/new",
                           data=infusion(lot=""))
    assert response.status_code == 422
    assert 'id="lot-error"' in html(response)
    assert 'value="36,8"' in response.text and 'value="08:45"' in response.text


def test_a_service_error_on_a_vital_sign_lands_on_its_row(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    data = infusion(**{"vitals-0-at": "", "vitals-0-temperature_c": "",
                       "vitals-0-heart_rate": "", "vitals-0-systolic": "",
                       "vitals-0-diastolic": "", "vitals-3-at": "10:00",
                       "vitals-3-heart_rate": "900"})
    response = client.post(f"/patients/{web.patients[NAIVE]}/infusions/new", data=data)
    assert response.status_code == 422
    assert 'id="vitals-3-heart_rate-error"' in html(response)


def test_a_recorded_infusion_day_appears_on_the_timeline(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid = web.patients[NAIVE]
    response = client.post(f"/patients/{pid}/infusions/new", data=infusion())
    assert response.status_code == 303, response.text
    page = html(client.get(response.headers["location"]))
    assert "Infusion day recorded" in page and "LMT26X01" in page


def test_a_yes_to_bruising_on_the_checklist_raises_an_alert(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid = web.patients[NAIVE]
    form = client.get(f"/patients/{pid}/checklists/new").text
    assert form.count('type="radio"') == 22  # 11 Fig 4 questions, yes / no
    response = client.post(f"/patients/{pid}/checklists/new",
                           data={"on": "2026-11-21", "actor": "nurse.k",
                                 "q-haem-bruising": "yes", "q-inf-fever": "no"})
    assert response.status_code == 303
    rules = {a.rule for a in web.clinic.alerts(patient_id=pid, status="open").items}
    assert "R-H11" in rules
    assert "Symptom checklist saved" in html(client.get(response.headers["location"]))


def test_a_checklist_with_no_answer_is_refused(fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    response = client.post(f"/patients/{web.patients[NAIVE]}/checklists/new",
                           data={"on": "2026-11-21", "actor": "nurse.k"})
    assert response.status_code == 422
    assert "Answer at least one question" in html(response)


def test_every_entry_is_recorded_as_the_logged_in_user_not_a_form_field(
        fresh: tuple[httpx.Client, WebClinic]) -> None:
    client, web = fresh
    pid, aid = web.patients[ITP], itp_alert_id(web)
    form = html(client.get(f"/patients/{pid}/labs/new"))
    assert 'name="actor"' not in form and "Recorded as <strong>dr.rossi</strong>" in form
    response = client.post(f"/patients/{pid}/alerts/{aid}/acknowledge",
                           data={"note": "seen", "actor": "someone.else"})
    assert response.status_code == 303
    alert = next(a for a in web.clinic.alerts(patient_id=pid, status="acknowledged").items
                 if a.id == aid)
    assert alert.acknowledged_by == "dr.rossi"


# ---- printables ------------------------------------------------------------------------------


def test_the_printable_infusion_day_sheet_has_one_a4_page_per_day(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    pid = web.patients[NAIVE]
    response = client.get(f"/patients/{pid}/print/infusion-sheet",
                          params={"start": "2026-12-07", "at": "09:30"})
    assert response.status_code == 200
    page = html(response)
    assert "@page { size: A4" in page
    assert page.count('<section class="day">') == 5  # course 1: five days
    assert "course 1, day 1 of 5" in page and "2026-12-07 (Monday)" in page
    assert name_of(web, NAIVE) in page and SITE.upper() not in page and SITE in page
    assert f'href="/patients/{pid}"' in page  # back link, hidden in print


def test_a_sheet_for_a_date_that_is_not_one_is_refused(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    response = client.get(f"/patients/{web.patients[NAIVE]}/print/infusion-sheet",
                          params={"start": "07/12/2026"})
    assert response.status_code == 422
    assert "is not a date" in html(response)


def test_the_patient_alert_card_carries_the_courses_and_the_monitoring_end(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    page = html(client.get(f"/patients/{web.patients[ITP]}/print/alert-card"))
    assert name_of(web, ITP) in page
    assert "2025-04-07 to 2025-04-11" in page and "2029-04-11" in page
    assert "immune thrombocytopenia" in page and SITE in page


def test_the_monthly_checklist_sheet_asks_every_fig4_question(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    page = html(client.get(f"/patients/{web.patients[ITP]}/print/checklist"))
    assert page.count('<td class="yn">') == 22
    assert "November 2026" in page and name_of(web, ITP) in page
    blank = html(client.get("/print/checklist"))
    assert blank.count('<td class="yn">') == 22 and "Kidneys" in blank


# ---- assets ----------------------------------------------------------------------------------


def test_the_stylesheet_is_served_from_the_package(shared: tuple[httpx.Client, WebClinic]) -> None:
    client, _ = shared
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".sev-critical" in response.text


def test_no_page_loads_anything_from_another_site(shared: tuple[httpx.Client, WebClinic]) -> None:
    client, web = shared
    pid = web.patients[ITP]
    for path in ("/", "/patients", f"/patients/{pid}", f"/patients/{pid}/labs/new",
                 f"/patients/{pid}/print/infusion-sheet", "/print/checklist"):
        page = client.get(path).text
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page), path
        assert "@import" not in page


def test_the_web_pages_stay_out_of_the_openapi_document(
        shared: tuple[httpx.Client, WebClinic]) -> None:
    client, _ = shared
    paths = client.get("/openapi.json").json()["paths"]
    # The REST API, the OAuth2 token endpoint and the CDS Hooks services; no web page.
    assert all(p.startswith(("/api/v1", "/oauth/", "/cds-services")) for p in paths)
