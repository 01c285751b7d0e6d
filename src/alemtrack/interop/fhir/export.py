"""A patient's plan and state as a FHIR R4 Bundle (pure: facts + assessment in, JSON out).

    bundle = export_bundle(facts, assessment, records=entries, alerts=alerts,
                           recorded=now, agent="dr.lee")

The Bundle (type ``collection``) holds, in this order:

* the patient's **records**: the FHIR resources the facts were read from, as given (Patient
  first). Reading the exported Bundle with ``read_bundle`` gives the same ``PatientFacts``
  (docs/fhir-bulk.md, "Round trip"); without records, a minimal Patient is built from the facts.
* a **CarePlan** (the alemtuzumab safety programme): one activity per course given, one for the
  next course (status from its gates, each gate in the description), one per date window
  (contraception, breastfeeding, Listeria diet, herpes prophylaxis, live vaccines) and one per
  due test, referencing its Task;
* one **Task** per due test (``code`` = the due item, ``restriction.period.end`` = the due date,
  ``businessStatus`` upcoming | due | overdue, ``reasonCode`` = the rule);
* one **DetectedIssue** per finding (``code`` = the rule ID, ``severity`` high | moderate | low
  with the alemtrack severity in an extension, evidence referencing the exact records);
* one **Flag** per active alert (open or acknowledged; the alert status in an extension and the
  DetectedIssue of its rule through the standard ``flag-detail`` extension);
* a **Device** (alemtrack, its version and the rules revision) and a **Provenance** targeting
  every derived resource, naming the agents (alemtrack as author, the person who asked for the
  export) and the rule version in ``policy``.

Derived resources carry the ``meta.tag`` ``DERIVED_TAG`` so they are never mistaken for records
(an export of a re-imported export leaves them out of the records). Their ids are name-based
UUIDs (patient + what they describe), so exporting twice yields the same ids.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from alemtrack import __version__
from alemtrack.protocol.catalogue import all_rules
from alemtrack.protocol.engine import Assessment, DueEntry
from alemtrack.protocol.facts import PatientFacts
from alemtrack.protocol.results import Finding

__all__ = [
    "DERIVED_TAG",
    "RULES_DOCUMENT",
    "ExportAlert",
    "export_bundle",
    "is_derived",
    "rules_revision",
]

BASE = "https://alemtrack.org/fhir"
RULE_SYSTEM = f"{BASE}/CodeSystem/rule"
DUE_ITEM_SYSTEM = f"{BASE}/CodeSystem/due-item"
WINDOW_SYSTEM = f"{BASE}/CodeSystem/window"
SEVERITY_EXTENSION = f"{BASE}/StructureDefinition/alemtrack-severity"
ALERT_STATUS_EXTENSION = f"{BASE}/StructureDefinition/alert-status"
FLAG_DETAIL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/flag-detail"
DERIVED_TAG = {"system": f"{BASE}/CodeSystem/export", "code": "derived",
               "display": "derived by alemtrack from the patient's records"}
RULES_DOCUMENT = "clinical-rules.md"
RULES_URL = f"https://alemtrack.org/rules/{RULES_DOCUMENT}"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
_NAMESPACE = uuid.UUID("6f1c1b1e-3d4a-5b7e-9c2d-a1e7d0c0ffee")

_ISSUE_SEVERITY = {"critical": "high", "urgent": "high", "warn": "moderate",
                   "routine": "low", "info": "low"}
# Windows: (title, the date ends the window (True) or opens what is allowed (False)).
_WINDOWS = {
    "contraception_until": ("Effective contraception until", True),
    "breastfeeding_resume": ("No breastfeeding before", False),
    "listeria_diet_until": ("Listeria-avoiding diet until", True),
    "herpes_prophylaxis_until": ("Herpes prophylaxis until", True),
    "live_vaccines_from": ("No live vaccines before", False),
}
_COURSE_ACTIVITY_STATUS = {"ready": "not-started", "blocked": "on-hold", "on-hold": "on-hold",
                           "not-eligible": "cancelled"}


@dataclass(frozen=True, slots=True)
class ExportAlert:
    """An active (unresolved) alert of the clinic: what a Flag says."""

    rule: str
    severity: str
    summary: str
    status: str  # open | acknowledged
    opened_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


@lru_cache(maxsize=1)
def rules_revision() -> str:
    """The revision of the rules this build carries: a digest of the rule catalogue (every
    rule's ID, title, output and source, as implemented from clinical-rules.md). It changes
    exactly when a rule is added, removed or re-worded."""
    digest = hashlib.sha256()
    for r in all_rules():
        digest.update(f"{r.id}\x1f{r.title}\x1f{r.produces}\x1f{r.source}\x1e".encode())
    return digest.hexdigest()[:12]


def is_derived(resource: Mapping[str, Any]) -> bool:
    """True for a resource an export derived (tagged ``DERIVED_TAG``), not a record."""
    meta = resource.get("meta")
    tags = meta.get("tag") if isinstance(meta, Mapping) else None
    return isinstance(tags, list) and any(
        isinstance(t, Mapping) and t.get("system") == DERIVED_TAG["system"]
        and t.get("code") == DERIVED_TAG["code"] for t in tags
    )


def export_bundle(
    facts: PatientFacts,
    assessment: Assessment,
    *,
    recorded: datetime,
    records: Sequence[Mapping[str, Any]] = (),
    alerts: Sequence[ExportAlert] | None = None,
    agent: str | None = None,
    version: str = __version__,
) -> dict[str, Any]:
    """The Bundle described in the module docstring.

    ``records`` are Bundle entries (``{"resource": ..., "fullUrl": ...}``) of the patient's
    source resources; derived resources among them are left out. ``alerts`` are the clinic's
    active alerts; None derives one Flag per finding (in the clinic every firing finding has an
    unresolved alert). ``recorded`` is when the export was made (timezone-aware; naive is UTC).
    """
    return _Exporter(facts, assessment, recorded, agent, version).bundle(records, alerts)


class _Exporter:
    def __init__(self, facts: PatientFacts, assessment: Assessment, recorded: datetime,
                 agent: str | None, version: str) -> None:
        self.facts = facts
        self.a = assessment
        self.recorded = recorded if recorded.tzinfo else recorded.replace(tzinfo=UTC)
        self.agent = agent
        self.version = version
        self.revision = rules_revision()
        self.patient_ref = facts.ref if facts.ref.startswith("Patient/") else (
            f"Patient/{facts.ref}")
        self.titles = {r.id: r.title for r in all_rules()}

    # -- helpers ---------------------------------------------------------------------------
    def _id(self, *parts: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, "|".join((self.patient_ref, *parts))))

    @staticmethod
    def _meta() -> dict[str, Any]:
        return {"tag": [dict(DERIVED_TAG)]}

    def _rule(self, rule: str) -> dict[str, Any]:
        coding = {"system": RULE_SYSTEM, "code": rule}
        if rule in self.titles:
            coding["display"] = self.titles[rule]
        return {"coding": [coding], "text": rule}

    def _subject(self) -> dict[str, str]:
        return {"reference": self.patient_ref}

    # -- the bundle ------------------------------------------------------------------------
    def bundle(self, records: Sequence[Mapping[str, Any]],
               alerts: Sequence[ExportAlert] | None) -> dict[str, Any]:
        entries = self._records(records)
        device = self._device()
        issues = [self._issue(f, device) for f in self.a.findings]
        issue_by_rule = {i["resource"]["code"]["coding"][0]["code"]: i for i in issues}
        active = alerts if alerts is not None else [
            ExportAlert(f.rule, f.severity.value, f.summary, "open",
                        datetime.combine(self.a.as_of, datetime.min.time(), tzinfo=UTC))
            for f in self.a.findings
        ]
        flags = [self._flag(al, device, issue_by_rule.get(al.rule)) for al in active]
        careplan_url = f"urn:uuid:{self._id('CarePlan')}"
        tasks = [self._task(d, careplan_url, device) for d in self.a.due]
        careplan = self._careplan(careplan_url, tasks, device)
        derived = [careplan, *tasks, *issues, *flags]
        provenance = self._provenance(derived, device)
        return {
            "resourceType": "Bundle",
            "id": self._id("Bundle", self.recorded.isoformat()),
            "meta": {"lastUpdated": _instant(self.recorded)},
            "type": "collection",
            "timestamp": _instant(self.recorded),
            "entry": [*entries, *derived, device, provenance],
        }

    def _records(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        for entry in records:
            resource = entry.get("resource")
            if not isinstance(resource, Mapping) or is_derived(resource):
                continue
            out: dict[str, Any] = {"resource": dict(resource)}
            if isinstance(entry.get("fullUrl"), str):
                out["fullUrl"] = entry["fullUrl"]
            kept.append(out)
        kept.sort(key=lambda e: e["resource"].get("resourceType") != "Patient")
        if not any(e["resource"].get("resourceType") == "Patient" for e in kept):
            patient: dict[str, Any] = {"resourceType": "Patient",
                                       "id": self.patient_ref.removeprefix("Patient/"),
                                       "gender": self.facts.sex.value}
            if self.facts.birth_date:
                patient["birthDate"] = self.facts.birth_date.isoformat()
            kept.insert(0, {"resource": patient})
        return kept

    def _device(self) -> dict[str, Any]:
        rid = str(uuid.uuid5(_NAMESPACE, f"Device|alemtrack|{self.version}|{self.revision}"))
        return {"fullUrl": f"urn:uuid:{rid}", "resource": {
            "resourceType": "Device", "id": rid, "meta": self._meta(), "status": "active",
            "deviceName": [{"name": "alemtrack", "type": "user-friendly-name"}],
            "type": {"text": "clinical decision support software"},
            "version": [
                {"type": {"text": "software"}, "value": self.version},
                {"type": {"text": f"{RULES_DOCUMENT} revision"}, "value": self.revision},
            ],
            "url": RULES_URL,
        }}

    def _careplan(self, url: str, tasks: list[dict[str, Any]],
                  device: dict[str, Any]) -> dict[str, Any]:
        a = self.a
        activities: list[dict[str, Any]] = []
        for c in a.courses:
            activities.append({"detail": {
                "kind": "MedicationRequest",
                "code": {"text": f"Alemtuzumab course {c.number}"},
                "status": "completed" if c.last_day < a.as_of else "in-progress",
                "scheduledPeriod": {"start": c.first_day.isoformat(),
                                    "end": c.last_day.isoformat()},
                "productCodeableConcept": _alemtuzumab(),
                "description": f"Course {c.number}: {c.days_given} infusion day(s) given, "
                               f"{c.first_day.isoformat()} to {c.last_day.isoformat()}",
            }})
        nxt = a.next_course
        if nxt.status != "not-applicable":
            start = nxt.planned_start or nxt.earliest_start
            gates = "; ".join(
                f"{g.rule} {g.outcome.value}"
                + (f" until {g.until.isoformat()}" if g.until else "") + f": {g.reason}"
                for g in nxt.gates
            )
            detail: dict[str, Any] = {
                "kind": "MedicationRequest",
                "code": {"text": f"Alemtuzumab course {nxt.number}"},
                "status": ("scheduled" if nxt.status == "ready" and nxt.planned_start
                           else _COURSE_ACTIVITY_STATUS.get(nxt.status, "unknown")),
                "statusReason": {"text": nxt.status},
                "productCodeableConcept": _alemtuzumab(),
                "description": (
                    f"Course {nxt.number}: {nxt.status}"
                    + (f"; planned start {nxt.planned_start.isoformat()}"
                       if nxt.planned_start else "")
                    + (f"; earliest start {nxt.earliest_start.isoformat()}"
                       if nxt.earliest_start else "; earliest start not yet known")
                    + (f". Gates: {gates}" if gates else "")
                ),
            }
            if start:
                detail["scheduledPeriod"] = {"start": start.isoformat()}
            activities.append({"detail": detail})
        for name, value in a.windows.items():
            if value is None or name not in _WINDOWS:
                continue
            title, ends = _WINDOWS[name]
            applies = a.as_of <= value if ends else a.as_of < value
            activities.append({"detail": {
                "code": {"coding": [{"system": WINDOW_SYSTEM, "code": name}], "text": title},
                "status": "in-progress" if applies else "completed",
                "scheduledPeriod": {"end": value.isoformat()} if ends
                else {"start": value.isoformat()},
                "description": f"{title} {value.isoformat()}",
            }})
        for task in tasks:
            activities.append({"reference": {"reference": task["fullUrl"],
                                             "display": task["resource"]["description"]}})
        complete = a.phase.value == "monitoring-complete" and nxt.status == "not-applicable"
        plan: dict[str, Any] = {
            "resourceType": "CarePlan", "id": url.removeprefix("urn:uuid:"),
            "meta": self._meta(),
            "instantiatesUri": [RULES_URL],
            "status": "completed" if complete else "active",
            "intent": "plan",
            "category": [{"text": "alemtuzumab safety programme"}],
            "title": "Alemtuzumab (Lemtrada) safety programme",
            "description": (f"Phase {a.phase.value} on {a.as_of.isoformat()} "
                            f"(profile {a.profile}); next course {nxt.number}: {nxt.status}"),
            "subject": self._subject(),
            "created": a.as_of.isoformat(),
            "author": {"reference": device["fullUrl"], "display": "alemtrack"},
            "activity": activities,
        }
        period: dict[str, str] = {}
        if a.courses:
            period["start"] = a.courses[0].first_day.isoformat()
        if a.monitoring_until:
            period["end"] = a.monitoring_until.isoformat()
        if period:
            plan["period"] = period
        return {"fullUrl": url, "resource": plan}

    def _task(self, d: DueEntry, careplan_url: str, device: dict[str, Any]) -> dict[str, Any]:
        rid = self._id("Task", d.item, d.due.isoformat())
        status = d.status.value
        return {"fullUrl": f"urn:uuid:{rid}", "resource": {
            "resourceType": "Task", "id": rid, "meta": self._meta(),
            "basedOn": [{"reference": careplan_url}],
            "status": "requested",
            "businessStatus": {"text": status},
            "intent": "plan",
            "priority": "urgent" if status == "overdue" else "routine",
            "code": {"coding": [{"system": DUE_ITEM_SYSTEM, "code": d.item}], "text": d.item},
            "description": f"{d.item} due {d.due.isoformat()} ({status}, {d.rule})",
            "for": self._subject(),
            "authoredOn": self.a.as_of.isoformat(),
            "requester": {"reference": device["fullUrl"], "display": "alemtrack"},
            "reasonCode": self._rule(d.rule),
            "restriction": {"period": {"end": d.due.isoformat()}},
        }}

    def _issue(self, f: Finding, device: dict[str, Any]) -> dict[str, Any]:
        rid = self._id("DetectedIssue", f.rule)
        evidence = []
        implicated = []
        for e in f.evidence:
            value = "" if e.value is None else f" = {e.value}" + (f" {e.unit}" if e.unit else "")
            on = f" on {e.date.isoformat()}" if e.date else ""
            evidence.append({"code": [{"text": f"{e.code}{value}{on}"}],
                             "detail": [{"reference": e.ref}]})
            if {"reference": e.ref} not in implicated:
                implicated.append({"reference": e.ref})
        actions = " ".join(f"{i}. {act}" for i, act in enumerate(f.actions, start=1))
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue", "id": rid, "meta": self._meta(),
            "extension": [{"url": SEVERITY_EXTENSION, "valueCode": f.severity.value}],
            "status": "final",
            "code": self._rule(f.rule),
            "severity": _ISSUE_SEVERITY[f.severity.value],
            "patient": self._subject(),
            "identifiedDateTime": self.a.as_of.isoformat(),
            "author": {"reference": device["fullUrl"], "display": "alemtrack"},
            "detail": f.summary + (f" Actions: {actions}" if actions else "")
            + f" Source: {f.source}.",
            "reference": f"{RULES_URL}#{f.rule}",
        }
        if implicated:
            issue["implicated"] = implicated
            issue["evidence"] = evidence
        return {"fullUrl": f"urn:uuid:{rid}", "resource": issue}

    def _flag(self, alert: ExportAlert, device: dict[str, Any],
              issue: dict[str, Any] | None) -> dict[str, Any]:
        opened = alert.opened_at if alert.opened_at.tzinfo else alert.opened_at.replace(
            tzinfo=UTC)
        rid = self._id("Flag", alert.rule, opened.isoformat())
        extensions: list[dict[str, Any]] = [
            {"url": SEVERITY_EXTENSION, "valueCode": alert.severity},
            {"url": ALERT_STATUS_EXTENSION, "valueCode": alert.status},
        ]
        if issue is not None:
            extensions.append({"url": FLAG_DETAIL_EXTENSION,
                               "valueReference": {"reference": issue["fullUrl"]}})
        code = self._rule(alert.rule)
        code["text"] = alert.summary
        if alert.acknowledged_by:
            when = (f" at {_instant(alert.acknowledged_at)}" if alert.acknowledged_at else "")
            code["text"] += f" (acknowledged by {alert.acknowledged_by}{when})"
        return {"fullUrl": f"urn:uuid:{rid}", "resource": {
            "resourceType": "Flag", "id": rid, "meta": self._meta(),
            "extension": extensions,
            "status": "active",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                "code": "clinical", "display": "Clinical"}]}],
            "code": code,
            "subject": self._subject(),
            "period": {"start": _instant(opened)},
            "author": {"reference": device["fullUrl"], "display": "alemtrack"},
        }}

    def _provenance(self, derived: list[dict[str, Any]],
                    device: dict[str, Any]) -> dict[str, Any]:
        rid = self._id("Provenance", self.recorded.isoformat())
        agents: list[dict[str, Any]] = [{
            "type": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "code": "author", "display": "Author"}]},
            "who": {"reference": device["fullUrl"],
                    "display": f"alemtrack {self.version} ({RULES_DOCUMENT} revision "
                               f"{self.revision})"},
        }]
        if self.agent:
            agents.append({
                "type": {"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": "informant", "display": "Informant"}],
                    "text": "requested the export"},
                "who": {"identifier": {"system": f"{BASE}/sid/user", "value": self.agent},
                        "display": self.agent},
            })
        return {"fullUrl": f"urn:uuid:{rid}", "resource": {
            "resourceType": "Provenance", "id": rid, "meta": self._meta(),
            "target": [{"reference": e["fullUrl"]} for e in derived],
            "occurredDateTime": self.a.as_of.isoformat(),
            "recorded": _instant(self.recorded),
            "policy": [
                f"{RULES_URL}?revision={self.revision}",
                f"{BASE}/alemtrack/{self.version}/profile/{self.a.profile}",
            ],
            "reason": [{"text": f"alemtuzumab protocol evaluated on {self.a.as_of.isoformat()} "
                                f"(profile {self.a.profile}) by alemtrack {self.version}, "
                                f"{RULES_DOCUMENT} revision {self.revision}"}],
            "activity": {"text": "evaluate the alemtuzumab safety protocol"},
            "agent": agents,
            "entity": [{"role": "source", "what": self._subject()}],
        }}


def _alemtuzumab() -> dict[str, Any]:
    return {"coding": [{"system": RXNORM, "code": "117055", "display": "alemtuzumab"}],
            "text": "alemtuzumab 12 mg/day IV"}


def _instant(moment: datetime | None) -> str:
    assert moment is not None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")
