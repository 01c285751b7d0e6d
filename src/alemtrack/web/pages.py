"""The HTML routes: worklist, patient list, patient page, forms, alert actions, printables.

Every page is rendered on the server from the ``Clinic`` facade's immutable views. Forms follow
POST-redirect-GET: on success a 303 to the patient page with a confirmation; on error the form
again, status 422, with the values as typed and each error next to its field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alemtrack.config import Settings
from alemtrack.errors import AlemtrackError, Conflict, InputError, NotFound, ValidationError
from alemtrack.protocol.parameters import PROFILES
from alemtrack.services.accounts import Actor, permitted
from alemtrack.services.calendar import patient_calendar
from alemtrack.services.clinic import Clinic
from alemtrack.services.model import SEVERITIES, AlertView, DueView, LabPoint, PatientDetail

from . import auth
from . import clinical as clin
from . import forms as f
from . import labels as lb
from .plots import Band, Line, Marker, Point, line_chart
from .sheets import checklist_sections, render_alert_card, render_checklist_sheet, render_plan_html

STATIC_DIR = Path(__file__).parent / "static"
PAGE_SIZE = 25
TIMELINE_SHOWN = 40

SEVERITY_LABELS = {
    "critical": "Critical",
    "urgent": "Urgent",
    "warn": "Warning",
    "routine": "Routine",
    "info": "Info",
}
DONE_MESSAGES = {
    "lab": "Lab result saved; the patient was re-evaluated.",
    "infusion": "Infusion day recorded; the patient was re-evaluated.",
    "checklist": "Symptom checklist saved; the patient was re-evaluated.",
    "relapse": "Relapse recorded; the patient was re-evaluated.",
    "edss": "EDSS score recorded; the patient was re-evaluated.",
    "mri": "MRI report recorded; the patient was re-evaluated.",
    "vaccination": "Vaccination recorded; the patient was re-evaluated.",
    "acknowledged": "Alert acknowledged.",
    "resolved": "Alert resolved.",
}


def _iso(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Stored in UTC; the care team reads the server's local time.
        local = value.astimezone() if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _safe_next(raw: str | None, fallback: str) -> str:
    """Only local paths: never redirect to another site."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return fallback


class Web:
    """The pages' shared state: the clinic, the settings and the template environment."""

    def __init__(self, clinic: Clinic, settings: Settings) -> None:
        self.clinic = clinic
        self.settings = settings
        self.params = PROFILES[settings.profile]
        self.env = Environment(
            loader=PackageLoader("alemtrack.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["iso"] = _iso
        self.env.globals.update(
            site_name=settings.site_name,
            demo=settings.demo,
            severities=SEVERITIES,
            severity_labels=SEVERITY_LABELS,
            label=lb.label,
            due_item_label=lb.due_item_label,
            PHASE_LABELS=lb.PHASE_LABELS,
            COURSE_STATUS_LABELS=lb.COURSE_STATUS_LABELS,
            DECISION_LABELS=lb.DECISION_LABELS,
            WINDOW_LABELS=lb.WINDOW_LABELS,
            ANALYTE_LABELS=lb.ANALYTE_LABELS,
        )

    # -- helpers -----------------------------------------------------------------------------
    def today(self) -> date:
        """The clinic's date (fixed in tests and in the demo)."""
        return self.clinic.today()

    def render(self, request: Request, name: str, *, status: int = 200,
               **context: Any) -> HTMLResponse:
        context.setdefault("nav", "")
        context.setdefault("today", self.today())
        actor = getattr(request.state, "actor", None)
        context.setdefault("user", actor.name if actor else "")
        context.setdefault("role", actor.role if actor else "")
        context.setdefault("csrf_token", getattr(request.state, "csrf", ""))
        context.setdefault("bare", False)
        # Pages show only what the role may do (the route refuses it anyway).
        context.setdefault("can", lambda action: actor is not None
                          and permitted(actor.role, action))
        html = self.env.get_template(name).render(request_path=request.url.path, **context)
        return HTMLResponse(html, status_code=status)

    def problem(self, request: Request, status: int, title: str, message: str,
                back: str = "/") -> HTMLResponse:
        return self.render(request, "error.html.j2", status=status, title=title,
                           message=message, back=back)

    def not_found(self, request: Request, exc: Exception) -> HTMLResponse:
        return self.problem(request, 404, "Not found", str(exc) or "No such record.",
                            back="/patients")

    # -- patient page ------------------------------------------------------------------------
    def charts(self, detail: PatientDetail) -> list[dict[str, Any]]:
        courses = detail.assessment.get("courses") or []
        markers = [Marker(date.fromisoformat(c["first_day"]), f"C{c['number']}")
                   for c in courses if c.get("first_day")]

        def points(analyte: str, unit: str) -> list[Point]:
            return [Point(p.date, p.value, f"{p.date.isoformat()}: {p.value:g} {unit}")
                    for p in detail.labs.get(analyte, ()) if p.value is not None]

        platelets = points("platelets", "×10⁹/L")
        creatinine = points("creatinine", "mg/dL")
        tsh = points("tsh", "mIU/L")
        cr_lines: list[Line] = []
        baseline = detail.creatinine_baseline
        if baseline:
            rise = self.params.haem_renal.creatinine_rise.value
            cr_lines = [
                Line(baseline, f"baseline {baseline:g}", "baseline"),
                Line(round(baseline * (1 + rise), 3), f"+{rise:.0%} {baseline * (1 + rise):.2f}",
                     "alarm"),
            ]
        low, high = self._tsh_range(detail.labs.get("tsh", ()))
        return [
            {
                "id": "platelets", "title": "Platelets", "unit": "×10⁹/L",
                "svg": line_chart(platelets, title="Platelets", unit="×10⁹/L", markers=markers,
                                  lines=[Line(150, "150 lower normal", "limit"),
                                         Line(100, "100 ITP (R-H4)", "alarm")]),
                "rows": detail.labs.get("platelets", ()),
                "note": "Lines at 150 (lower normal) and 100 ×10⁹/L (suspected ITP, R-H4).",
            },
            {
                "id": "creatinine", "title": "Creatinine", "unit": "mg/dL",
                "svg": line_chart(creatinine, title="Creatinine", unit="mg/dL", markers=markers,
                                  lines=cr_lines),
                "rows": detail.labs.get("creatinine", ()),
                "note": (f"Baseline {baseline:g} mg/dL (latest before course 1) and the "
                         f"+{self.params.haem_renal.creatinine_rise.value:.0%} line "
                         "(R-N1)." if baseline else
                         "No baseline creatinine before course 1: the +30 % line cannot be "
                         "drawn."),
            },
            {
                "id": "tsh", "title": "TSH", "unit": "mIU/L",
                "svg": line_chart(tsh, title="TSH", unit="mIU/L", markers=markers,
                                  band=Band(low, high, f"range {low:g}-{high:g}")),
                "rows": detail.labs.get("tsh", ()),
                "note": f"Shaded: reference range {low:g}-{high:g} mIU/L.",
            },
        ]

    def _tsh_range(self, points: Iterable[LabPoint]) -> tuple[float, float]:
        """The lab's own range from the latest result that has one, else the §1 default."""
        for p in reversed(tuple(points)):
            if p.ref_low is not None and p.ref_high is not None:
                return p.ref_low, p.ref_high
        core = self.params.core
        return core.tsh_low.value, core.tsh_high.value

    def patient_context(self, detail: PatientDetail, *, all_timeline: bool = False,
                        alert_errors: Mapping[int, dict[str, str]] | None = None,
                        alert_values: Mapping[int, dict[str, str]] | None = None,
                        ) -> dict[str, Any]:
        a = detail.assessment
        order = {s: i for i, s in enumerate(SEVERITIES)}

        def by_severity(alerts: Iterable[AlertView]) -> list[AlertView]:
            return sorted(alerts, key=lambda al: (order.get(al.severity, 9), al.opened_at))

        today = self.today()
        due = sorted(a.get("due") or [], key=lambda d: (d.get("due") or "9999", d["item"]))
        windows = [(lb.label(lb.WINDOW_LABELS, k), v) for k, v in (a.get("windows") or {}).items()
                   if v]
        timeline = detail.timeline if all_timeline else detail.timeline[:TIMELINE_SHOWN]
        return {
            "d": detail,
            "s": detail.summary,
            "a": a,
            "age": _age(detail.summary.birth_date, today),
            "courses": a.get("courses") or [],
            "next_course": a.get("next_course") or {},
            "findings": a.get("findings") or [],
            "due": due,
            "windows": windows,
            "open_alerts": by_severity(al for al in detail.alerts if al.status == "open"),
            "acknowledged": by_severity(al for al in detail.alerts
                                        if al.status == "acknowledged"),
            "history": [al for al in detail.alerts if al.status == "resolved"],
            "charts": self.charts(detail),
            "timeline": timeline,
            "timeline_hidden": len(detail.timeline) - len(timeline),
            "alert_errors": alert_errors or {},
            "alert_values": alert_values or {},
        }


def _by_patient(items: Iterable[DueView]) -> list[tuple[int, str, list[DueView]]]:
    """Due items grouped by patient, in the order the worklist gives the patients."""
    groups: dict[int, tuple[int, str, list[DueView]]] = {}
    for d in items:
        groups.setdefault(d.patient_id, (d.patient_id, d.patient_name, []))[2].append(d)
    return list(groups.values())


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def install(app: FastAPI, clinic: Clinic, settings: Settings) -> None:
    """Register the web routes and ``/static`` on ``app``."""
    web = Web(clinic, settings)
    router = APIRouter(include_in_schema=False)

    # -- worklist ----------------------------------------------------------------------------
    def need(action: str) -> list[Any]:
        return [Depends(auth.web_authorize(action))]

    @router.get("/", response_class=HTMLResponse, dependencies=need("worklist.read"))
    def worklist_page(request: Request, day: str | None = None) -> HTMLResponse:
        chosen = _parse_day(day)
        notice = f"“{day}” is not a date; showing today." if day and chosen is None else None
        wl = clinic.worklist(chosen)
        alert_count = sum(len(v) for v in wl.alerts.values())
        return web.render(
            request, "worklist.html.j2", nav="worklist", wl=wl, notice=notice,
            overdue_groups=_by_patient(wl.overdue), due_groups=_by_patient(wl.due),
            alert_count=alert_count, is_today=wl.day == web.today(),
            prev_day=wl.day - timedelta(days=1), next_day=wl.day + timedelta(days=1),
        )

    # -- patient list ------------------------------------------------------------------------
    @router.get("/patients", response_class=HTMLResponse, dependencies=need("patient.list"))
    def patients_page(request: Request, q: str = "", phase: str = "", overdue: str = "",
                      alerts: str = "", page: str = "1") -> HTMLResponse:
        number = int(page) if page.isdigit() and int(page) > 0 else 1
        phase = phase if phase in lb.PHASE_LABELS else ""
        result = clinic.list_patients(
            query=q.strip() or None, phase=phase or None, overdue=True if overdue else None,
            open_alerts=True if alerts else None, limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE)
        pages = max(1, -(-result.total // PAGE_SIZE))
        keep = {k: v for k, v in {"q": q.strip(), "phase": phase, "overdue": overdue,
                                  "alerts": alerts}.items() if v}

        def page_url(n: int) -> str:
            return "/patients?" + urlencode({**keep, "page": n})

        return web.render(request, "patients.html.j2", nav="patients", page=result,
                          number=number, pages=pages, page_url=page_url, q=q, phase=phase,
                          overdue=bool(overdue), alerts=bool(alerts))

    # -- patient page ------------------------------------------------------------------------
    @router.get("/patients/{patient_id}", response_class=HTMLResponse,
                dependencies=need("patient.read"))
    def patient_page(request: Request, patient_id: int, done: str = "",
                     timeline: str = "") -> HTMLResponse:
        try:
            detail = clinic.patient(patient_id)
        except NotFound as exc:
            return web.not_found(request, exc)
        return web.render(request, "patient.html.j2", nav="patients",
                          done=DONE_MESSAGES.get(done),
                          **web.patient_context(detail, all_timeline=timeline == "all"))

    # -- alert actions -----------------------------------------------------------------------
    def alert_action(request: Request, patient_id: int, alert_id: int, values: dict[str, str],
                     action: str, actor: str) -> Response:
        # The actor is the session's user: a form field cannot override it.
        state = f.FormState(values=values)
        note = values.get("note", "").strip()
        if not note:
            state.add("note", "Write a note: what was done or decided.")
        if state.ok and actor:
            try:
                # patient_id: alert X through patient Y's URL is "not found".
                if action == "acknowledge":
                    clinic.acknowledge_alert(alert_id, actor=actor, note=note,
                                             patient_id=patient_id)
                else:
                    clinic.resolve_alert(alert_id, actor=actor, note=note,
                                         patient_id=patient_id)
            except NotFound as exc:
                return web.not_found(request, exc)
            except Conflict as exc:
                state.general.append(str(exc))
            except ValidationError as exc:
                state.absorb(exc.errors, {"note", "actor"})
            else:
                done = "acknowledged" if action == "acknowledge" else "resolved"
                target = f"/patients/{patient_id}?done={done}#alerts"
                return RedirectResponse(target, status_code=303)
        try:
            detail = clinic.patient(patient_id)
        except NotFound as exc:
            return web.not_found(request, exc)
        errors = dict(state.errors)
        if state.general:
            errors["general"] = "; ".join(state.general)
        return web.render(request, "patient.html.j2", status=422, nav="patients", done=None,
                          **web.patient_context(detail, alert_errors={alert_id: errors},
                                                alert_values={alert_id: values}))

    @router.post("/patients/{patient_id}/alerts/{alert_id}/acknowledge")
    async def acknowledge(request: Request, patient_id: int, alert_id: int,
                          actor: Annotated[Actor, Depends(auth.web_authorize(
                              "alert.acknowledge"))]) -> Response:
        return alert_action(request, patient_id, alert_id, await _form(request), "acknowledge",
                            actor.name)

    @router.post("/patients/{patient_id}/alerts/{alert_id}/resolve")
    async def resolve(request: Request, patient_id: int, alert_id: int,
                      actor: Annotated[Actor, Depends(auth.web_authorize("alert.resolve"))],
                      ) -> Response:
        return alert_action(request, patient_id, alert_id, await _form(request), "resolve",
                            actor.name)

    # -- entry forms -------------------------------------------------------------------------
    def form_page(request: Request, patient_id: int, template: str, state: f.FormState,
                  status: int = 200) -> HTMLResponse:
        try:
            summary = clinic.patient(patient_id).summary
        except NotFound as exc:
            return web.not_found(request, exc)
        return web.render(request, template, status=status, nav="patients", s=summary,
                          form=state, lab_choices=lb.lab_choices(),
                          common_units=lb.COMMON_UNITS, qualitative=lb.QUALITATIVE_RESULTS,
                          vital_rows=f.VITAL_ROWS, sections=checklist_sections(),
                          vaccines=clin.vaccine_choices(), edss_scores=clin.EDSS_SCORES)

    def new_state(request: Request, **values: str) -> f.FormState:
        base = {"on": web.today().isoformat()}
        return f.FormState(values={**base, **values})

    def submit(request: Request, patient_id: int, template: str, values: dict[str, str],
               known: set[str], read: Callable[[f.FormState], Any],
               save: Callable[[Any, str], object], done: str, actor: str) -> Response:
        # The actor is the session's user: a form field cannot override it.
        state = f.FormState(values=values)
        entry = read(state)
        if entry is not None and state.ok:
            try:
                save(entry, actor)
            except NotFound as exc:
                return web.not_found(request, exc)
            except ValidationError as exc:
                state.absorb(exc.errors, known)
            except InputError as exc:
                state.general.append(str(exc))
            else:
                target = f"/patients/{patient_id}?done={done}"
                return RedirectResponse(target, status_code=303)
        if state.ok:  # read() refused without naming a field
            state.general.append("The form could not be read; check the fields.")
        return form_page(request, patient_id, template, state, status=422)

    @router.get("/patients/{patient_id}/labs/new", response_class=HTMLResponse,
                dependencies=need("entry.lab"))
    def lab_form(request: Request, patient_id: int, code: str = "") -> HTMLResponse:
        return form_page(request, patient_id, "form_lab.html.j2",
                         new_state(request, code=code, unit=lb.default_unit(code)))

    @router.post("/patients/{patient_id}/labs/new")
    async def lab_submit(request: Request, patient_id: int,
                         actor: Annotated[Actor, Depends(auth.web_authorize("entry.lab"))],
                         ) -> Response:
        return submit(request, patient_id, "form_lab.html.j2", await _form(request),
                      f.LAB_FIELDS, f.read_lab,
                      lambda e, actor: clinic.enter_lab_result(patient_id, e, actor=actor),
                      "lab", actor.name)

    @router.get("/patients/{patient_id}/infusions/new", response_class=HTMLResponse,
                dependencies=need("infusion.record"))
    def infusion_form(request: Request, patient_id: int) -> HTMLResponse:
        return form_page(request, patient_id, "form_infusion.html.j2",
                         new_state(request, dose_mg="12"))

    @router.post("/patients/{patient_id}/infusions/new")
    async def infusion_submit(request: Request, patient_id: int,
                              actor: Annotated[Actor, Depends(auth.web_authorize(
                                  "infusion.record"))]) -> Response:
        return submit(request, patient_id, "form_infusion.html.j2", await _form(request),
                      f.INFUSION_FIELDS, f.read_infusion,
                      lambda e, actor: clinic.record_infusion_day(patient_id, e, actor=actor),
                      "infusion", actor.name)

    @router.get("/patients/{patient_id}/checklists/new", response_class=HTMLResponse,
                dependencies=need("entry.clinical"))
    def checklist_form(request: Request, patient_id: int) -> HTMLResponse:
        return form_page(request, patient_id, "form_checklist.html.j2", new_state(request))

    @router.post("/patients/{patient_id}/checklists/new")
    async def checklist_submit(request: Request, patient_id: int,
                               actor: Annotated[Actor, Depends(auth.web_authorize(
                                   "entry.clinical"))]) -> Response:
        return submit(request, patient_id, "form_checklist.html.j2", await _form(request),
                      f.CHECKLIST_FIELDS, f.read_checklist,
                      lambda e, actor: clinic.record_checklist(patient_id, e[0], e[1],
                                                               actor=actor),
                      "checklist", actor.name)

    # -- clinical events (relapse, EDSS, MRI, vaccination): one page each ----------------------
    # (path segment, template, fields, reader, save, done key); all need entry.clinical.
    clinical_forms: tuple[tuple[str, str, set[str], Callable[[f.FormState, date], Any],
                                Callable[[int, Any, str], object], str], ...] = (
        ("relapses", "form_relapse.html.j2", clin.RELAPSE_FIELDS, clin.read_relapse,
         lambda pid, e, actor: clinic.record_relapse(pid, e[0], disabling=e[1], actor=actor),
         "relapse"),
        ("edss", "form_edss.html.j2", clin.EDSS_FIELDS, clin.read_edss,
         lambda pid, e, actor: clinic.record_edss(pid, e[0], e[1], actor=actor), "edss"),
        ("mri", "form_mri.html.j2", clin.MRI_FIELDS, clin.read_mri,
         lambda pid, e, actor: clinic.record_mri(pid, e, actor=actor), "mri"),
        ("vaccinations", "form_vaccination.html.j2", clin.VACCINATION_FIELDS,
         clin.read_vaccination,
         lambda pid, e, actor: clinic.record_vaccination(pid, e[0], e[1], actor=actor),
         "vaccination"),
    )

    def clinical_routes(segment: str, template: str, known: set[str],
                        read: Callable[[f.FormState, date], Any],
                        save: Callable[[int, Any, str], object], done: str) -> None:
        first = "onset" if segment == "relapses" else "on"

        @router.get(f"/patients/{{patient_id}}/{segment}/new", response_class=HTMLResponse,
                    dependencies=need("entry.clinical"), name=f"{done}_form")
        def clinical_form(request: Request, patient_id: int) -> HTMLResponse:
            state = f.FormState(values={first: web.today().isoformat()})
            return form_page(request, patient_id, template, state)

        @router.post(f"/patients/{{patient_id}}/{segment}/new", name=f"{done}_submit")
        async def clinical_submit(request: Request, patient_id: int,
                                  actor: Annotated[Actor, Depends(auth.web_authorize(
                                      "entry.clinical"))]) -> Response:
            # The reader gets the clinic's date: nothing is recorded in the future.
            return submit(request, patient_id, template, await _form(request), known,
                          lambda state: read(state, web.today()),
                          lambda e, actor: save(patient_id, e, actor), done, actor.name)

    for spec in clinical_forms:
        clinical_routes(*spec)

    # -- printables --------------------------------------------------------------------------
    @router.get("/patients/{patient_id}/print/infusion-sheet", response_class=HTMLResponse,
                dependencies=need("patient.read"))
    def infusion_sheet(request: Request, patient_id: int, start: str = "", at: str = "",
                       regimen: str = "") -> HTMLResponse:
        back = f"/patients/{patient_id}"
        try:
            detail = clinic.patient(patient_id)
        except NotFound as exc:
            return web.not_found(request, exc)
        nc = detail.assessment.get("next_course") or {}
        default_start = nc.get("planned_start") or nc.get("earliest_start")
        day1 = _parse_day(start or default_start) or web.today()
        if start and _parse_day(start) is None:
            return web.problem(request, 422, "Cannot plan the course",
                               f"“{start}” is not a date; use YYYY-MM-DD.", back)
        try:
            clock = datetime.strptime(at or "09:00", "%H:%M").time()  # noqa: DTZ007
        except ValueError:
            return web.problem(request, 422, "Cannot plan the course",
                               f"“{at}” is not a clock time; use HH:MM (24 h).", back)
        if regimen not in {"", "es2019", "label"}:
            return web.problem(request, 422, "Cannot plan the course",
                               "Premedication regimen is es2019 or label.", back)
        try:
            plan = clinic.plan_course(patient_id, day1, clock, regimen=regimen or None)
            facts = clinic.facts(patient_id)
        except NotFound as exc:
            return web.not_found(request, exc)
        except (AlemtrackError, ValueError) as exc:
            return web.problem(request, 422, "Cannot plan the course", str(exc), back)
        return HTMLResponse(render_plan_html(plan, facts, patient_name=detail.summary.name,
                                             site_name=settings.site_name, back_url=back))

    @router.get("/patients/{patient_id}/print/alert-card", response_class=HTMLResponse,
                dependencies=need("patient.read"))
    def alert_card(request: Request, patient_id: int) -> HTMLResponse:
        try:
            detail = clinic.patient(patient_id)
        except NotFound as exc:
            return web.not_found(request, exc)
        return HTMLResponse(render_alert_card(
            patient_name=detail.summary.name, birth_date=detail.summary.birth_date,
            courses=detail.assessment.get("courses") or [],
            monitoring_until=detail.assessment.get("monitoring_until"),
            site_name=settings.site_name, printed_on=web.today(),
            back_url=f"/patients/{patient_id}"))

    @router.get("/patients/{patient_id}/print/checklist", response_class=HTMLResponse,
                dependencies=need("patient.read"))
    def checklist_sheet(request: Request, patient_id: int) -> HTMLResponse:
        try:
            summary = clinic.patient(patient_id).summary
        except NotFound as exc:
            return web.not_found(request, exc)
        return HTMLResponse(render_checklist_sheet(
            patient_name=summary.name, birth_date=summary.birth_date,
            month=f"{web.today():%B %Y}", site_name=settings.site_name,
            back_url=f"/patients/{patient_id}"))

    @router.get("/patients/{patient_id}/calendar.ics", dependencies=need("export.calendar"))
    def calendar_download(request: Request, patient_id: int) -> Response:
        """The patient page's calendar link: the session authenticates it (the REST route
        ``/api/v1/patients/{id}/calendar.ics`` wants a bearer token, which a browser lacks)."""
        try:
            text = patient_calendar(clinic, patient_id)
        except NotFound as exc:
            return web.not_found(request, exc)
        return Response(text, media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition":
                f'attachment; filename="alemtrack-patient-{patient_id}.ics"'})

    @router.get("/print/checklist", response_class=HTMLResponse,
                dependencies=need("patient.list"))
    def blank_checklist_sheet() -> HTMLResponse:
        return HTMLResponse(render_checklist_sheet(
            patient_name=None, birth_date=None, month=None, site_name=settings.site_name,
            back_url="/"))

    auth.install(app, web, settings)  # /login, /logout, the refusal pages
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


async def _form(request: Request) -> dict[str, str]:
    """The submitted form as text fields (files, if any were sent, are ignored)."""
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


__all__ = ["install"]

