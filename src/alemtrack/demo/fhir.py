"""FHIR R4 resources of one synthetic demo patient, shaped as docs/fhir-input.md reads them.

The ideas come from ``examples/fhirgen.py`` (which builds the example bundles); the package
cannot import from ``examples/``, so what the demo needs lives here. Every resource id starts
with the patient id, so ids stay unique across the whole demo clinic (a server keys resources
by type and id). Nothing here is random: ``generator`` decides the values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from alemtrack.protocol.dates import add_days
from alemtrack.protocol.vocabulary import (
    ATC,
    CHECKLIST_QUESTIONNAIRE,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CONSENT_ALEMTUZUMAB,
    CVX,
    LOINC,
    MRI_BRAIN,
    MRI_GD_ENHANCED,
    MRI_GD_LESIONS,
    MRI_NEW_T2_LESIONS,
    MRI_PML_SIGNS,
    MRI_T2_LOAD_INCREASE,
    PROCEDURE_NORMAL,
    PROJECT_SYSTEM,
    RELAPSE,
    RELAPSE_DISABLING,
    RELAPSE_PROTOCOL_DEFINED,
    RXNORM,
    RXNORM_ALEMTUZUMAB,
    SNOMED,
    SNOMED_EDSS,
    UCUM,
    V3_INTERPRETATION,
)

OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
MRN_SYSTEM = "https://alemtrack.org/fhir/demo-mrn"
# Clinic local time as written (fhir-input.md §1: offsets are kept as written, never converted).
OFFSET = "+01:00"

NEG = ("260385009", "Negative")
POS = ("10828004", "Positive")

# key -> LOINC, display, UCUM unit (clinical-rules.md §8).
LABS: dict[str, tuple[str, str, str]] = {
    "plt": ("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL"),
    "hb": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
    "wbc": ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL"),
    "anc": ("751-8", "Neutrophils [#/volume] in Blood by Automated count", "10*3/uL"),
    "lym": ("731-0", "Lymphocytes [#/volume] in Blood by Automated count", "10*3/uL"),
    "cd4": ("24467-3", "CD3+CD4+ (T4 helper) cells [#/volume] in Blood", "/uL"),
    "crea": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL"),
    "urbc": ("13945-1", "Erythrocytes [#/area] in Urine sediment by Microscopy high power field",
             "/[HPF]"),
    "tsh": ("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L"),
    "ft4": ("3024-7", "Thyroxine (T4) free [Mass/volume] in Serum or Plasma", "ng/dL"),
    "trab": ("5385-0", "Thyrotropin receptor Ab [Units/volume] in Serum", "[IU]/L"),
    "tpo": ("8099-4", "Thyroperoxidase Ab [Units/volume] in Serum or Plasma", "[IU]/mL"),
    "alt": ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L"),
    "ast": ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L"),
    "bili": ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL"),
    "antihbs": ("16935-9", "Hepatitis B virus surface Ab [Units/volume] in Serum", "m[IU]/mL"),
}
QUAL_LABS: dict[str, tuple[str, str]] = {
    "ublood": ("5794-3", "Hemoglobin [Presence] in Urine by Test strip"),
    "uprot": ("20454-5", "Protein [Presence] in Urine by Test strip"),
    "hcg": ("2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine"),
    "hbsag": ("5196-1", "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by "
              "Immunoassay"),
    "antihbc": ("16933-4", "Hepatitis B virus core Ab [Presence] in Serum"),
    "hcv": ("16128-1", "Hepatitis C virus Ab [Presence] in Serum"),
    "hiv": ("56888-1", "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay"),
    "igra": ("71773-6", "Mycobacterium tuberculosis stimulated gamma interferon "
             "[Interpretation] in Blood Qualitative"),
    "vzv": ("19162-7", "Varicella zoster virus IgG Ab [Presence] in Serum"),
    "measles": ("20479-2", "Measles virus IgG Ab [Presence] in Serum"),
    "hav": ("32018-4", "Hepatitis A virus IgG Ab [Presence] in Serum"),
}
PROJECT_LABS: dict[str, tuple[str, str, str | None]] = {
    "jcv": ("jcv-antibody-index", "Anti-JCV antibody index", "{index}"),
    "teri": ("teriflunomide-level", "Teriflunomide plasma level", "mg/L"),
    "cmv": ("cmv-igg", "CMV IgG", None),
}
# Reference ranges the synthetic laboratory prints (low, high).
RANGES: dict[str, tuple[float | None, float | None]] = {
    "plt": (150, 400), "hb": (12.0, 16.0), "wbc": (4.0, 11.0), "anc": (1.8, 7.5),
    "lym": (1.0, 4.0), "cd4": (500, 1500), "crea": (0.6, 1.2), "urbc": (0, 2),
    "tsh": (0.4, 4.0), "ft4": (0.8, 1.8), "trab": (None, 1.75), "tpo": (None, 34),
    "alt": (None, 40), "ast": (None, 40), "bili": (0.2, 1.2), "jcv": (None, 0.2),
}
CVX_NAMES = {
    "03": "MMR", "21": "varicella",
    "150": "influenza, injectable, quadrivalent, preservative free",
    "133": "pneumococcal conjugate PCV13", "33": "pneumococcal polysaccharide PPSV23",
    "139": "Td (adult)", "43": "hepatitis B, adult",
}
# Table P premedication and herpes prophylaxis (RxNorm), ordered for every course (R-G0).
PREMEDICATION = (
    ("6902", "methylprednisolone"),
    ("161", "acetaminophen"),
    ("3264", "dexchlorpheniramine"),
    ("40790", "pantoprazole"),
    ("281", "acyclovir"),
)
CHECKLIST_LINK_IDS = ("neph-urine", "neph-swelling", "thy-weight", "thy-temperature",
                      "thy-bowel", "haem-bleeding", "haem-menses", "haem-bruising", "haem-skin",
                      "inf-fever", "inf-infections")
# Monthly Table M draw: the quantitative labs in the order a laboratory reports them.
MONTHLY_LABS = ("plt", "hb", "wbc", "anc", "lym", "crea", "urbc", "alt", "ast")


def iso(d: date) -> str:
    return d.isoformat()


def at(d: date, t: time) -> str:
    """A local dateTime with the clinic's offset."""
    return f"{iso(d)}T{t:%H:%M}:00{OFFSET}"


def _qty(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


@dataclass(frozen=True, slots=True)
class Vitals:
    at: time
    temp: float
    hr: int
    sbp: int
    dbp: int


@dataclass
class PatientRecord:
    """One demo patient's FHIR resources under construction (``to_bundle`` makes the Bundle)."""

    pid: str
    family: str
    given: str
    gender: str
    birth: date
    mrn: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    _seq: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._add({
            "resourceType": "Patient",
            "id": self.pid,
            "meta": {"tag": [{"system": PROJECT_SYSTEM, "code": "synthetic",
                              "display": "synthetic demo patient, not a real person"}]},
            "identifier": [{"system": MRN_SYSTEM, "value": self.mrn}],
            "name": [{"use": "official", "family": self.family, "given": [self.given]}],
            "gender": self.gender,
            "birthDate": iso(self.birth),
        })

    # ---- plumbing --------------------------------------------------------------------------

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.pid}"}

    def _id(self, prefix: str, when: date | None = None) -> str:
        stem = f"{self.pid}-{prefix}-{when:%Y%m%d}" if when else f"{self.pid}-{prefix}"
        n = self._seq.get(stem, 0) + 1
        self._seq[stem] = n
        return stem if n == 1 else f"{stem}-{n}"

    def _add(self, resource: dict[str, Any]) -> dict[str, Any]:
        key = f"{resource['resourceType']}/{resource['id']}"
        self.entries.append({
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'alemtrack-demo:' + key)}",
            "resource": resource,
        })
        return resource

    def to_bundle(self) -> dict[str, Any]:
        return {"resourceType": "Bundle", "id": f"demo-{self.pid}", "type": "collection",
                "entry": self.entries}

    # ---- conditions and medicines ----------------------------------------------------------

    def condition(self, code: str, display: str, onset: date, *, active: bool = True,
                  abated: date | None = None, system: str = SNOMED) -> None:
        res: dict[str, Any] = {
            "resourceType": "Condition",
            "id": self._id("cond", onset),
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL,
                                           "code": "active" if active else "resolved"}]},
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION,
                                               "code": "confirmed"}]},
            "code": {"coding": [{"system": system, "code": code, "display": display}],
                     "text": display},
            "subject": self.subject,
            "onsetDateTime": iso(onset),
            "recordedDate": iso(onset),
        }
        if abated is not None:
            res["abatementDateTime"] = iso(abated)
        self._add(res)

    def medication(self, code: str, display: str, start: date, end: date | None, *,
                   system: str = RXNORM) -> None:
        """A MedicationStatement (a DMT taken before, a thyroid or ITP treatment)."""
        period = {"start": iso(start)}
        if end is not None:
            period["end"] = iso(end)
        self._add({
            "resourceType": "MedicationStatement",
            "id": self._id("med", start),
            "status": "completed" if end is not None else "active",
            "medicationCodeableConcept": {"coding": [{"system": system, "code": code,
                                                      "display": display}], "text": display},
            "subject": self.subject,
            "effectivePeriod": period,
        })

    def atc_medication(self, code: str, display: str, start: date, end: date | None) -> None:
        self.medication(code, display, start, end, system=ATC)

    def infusion(self, day: date, start: time, end: time, lot: str) -> str:
        """One alemtuzumab 12 mg infusion (MedicationAdministration); returns its id."""
        res = self._add({
            "resourceType": "MedicationAdministration",
            "id": self._id("alem", day),
            "status": "completed",
            "contained": [{
                "resourceType": "Medication",
                "id": "lemtrada",
                "code": {"coding": [{"system": RXNORM, "code": RXNORM_ALEMTUZUMAB,
                                     "display": "alemtuzumab"}],
                         "text": "alemtuzumab (Lemtrada) 12 mg/1.2 mL"},
                "batch": {"lotNumber": lot},
            }],
            "medicationReference": {"reference": "#lemtrada"},
            "subject": self.subject,
            "effectivePeriod": {"start": at(day, start), "end": at(day, end)},
            "dosage": {"route": {"coding": [{"system": SNOMED, "code": "47625008",
                                             "display": "Intravenous route"}]},
                       "dose": _qty(12, "mg")},
        })
        return str(res["id"])

    def course_plan(self, start: date, days: int, authored: date) -> None:
        """The planned course (MedicationRequest intent plan): day 1 and the number of days."""
        self._add({
            "resourceType": "MedicationRequest",
            "id": self._id("plan", start),
            "status": "active",
            "intent": "plan",
            "medicationCodeableConcept": {"coding": [{
                "system": RXNORM, "code": RXNORM_ALEMTUZUMAB, "display": "alemtuzumab"}]},
            "subject": self.subject,
            "authoredOn": iso(authored),
            "dosageInstruction": [{
                "text": f"12 mg IV once daily for {days} consecutive days",
                "timing": {"repeat": {"boundsPeriod": {"start": iso(start),
                                                       "end": iso(add_days(start, days - 1))},
                                      "frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": _qty(12, "mg")}],
            }],
        })

    def premedication_orders(self, start: date, authored: date) -> None:
        """Table P premedication and aciclovir prophylaxis ordered from day 1 (R-G0)."""
        for rx, name in PREMEDICATION:
            self._add({
                "resourceType": "MedicationRequest",
                "id": self._id(f"order-{name}", start),
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rx,
                                                          "display": name}]},
                "subject": self.subject,
                "authoredOn": iso(authored),
                "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {
                    "start": iso(start)}}}}],
            })

    # ---- observations ----------------------------------------------------------------------

    def _obs(self, prefix: str, when: date, code: dict[str, Any], *,
             category: str = "laboratory", **value: Any) -> dict[str, Any]:
        res: dict[str, Any] = {
            "resourceType": "Observation",
            "id": self._id(prefix, when),
            "status": "final",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
            "code": code,
            "subject": self.subject,
            "effectiveDateTime": iso(when),
        }
        res.update(value)
        return self._add(res)

    def lab(self, key: str, value: float, when: date, *, drawn: time | None = None) -> None:
        loinc, display, unit = LABS[key]
        low, high = RANGES.get(key, (None, None))
        extra: dict[str, Any] = {"valueQuantity": _qty(value, unit)}
        rr: dict[str, Any] = {}
        if low is not None:
            rr["low"] = _qty(low, unit)
        if high is not None:
            rr["high"] = _qty(high, unit)
        if rr:
            extra["referenceRange"] = [rr]
        if drawn is not None:
            extra["effectiveDateTime"] = at(when, drawn)
        self._obs(key, when, {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
                  **extra)

    def qual(self, key: str, positive: bool, when: date, *, grade: str | None = None) -> None:
        """A qualitative result; ``grade`` ("2+") for a positive dipstick."""
        loinc, display = QUAL_LABS[key]
        code_ = {"coding": [{"system": LOINC, "code": loinc, "display": display}]}
        if grade is not None:
            self._obs(key, when, code_, valueString=grade)
            return
        code, text = POS if positive else NEG
        self._obs(key, when, code_, valueCodeableConcept={
            "coding": [{"system": SNOMED, "code": code, "display": text}], "text": text})

    def project_lab(self, key: str, when: date, *, value: float | None = None,
                    positive: bool | None = None) -> None:
        code, display, unit = PROJECT_LABS[key]
        extra: dict[str, Any] = {}
        if value is not None and unit is not None:
            extra["valueQuantity"] = _qty(value, unit)
            high = RANGES.get(key, (None, None))[1]
            if high is not None:
                extra["referenceRange"] = [{"high": _qty(high, unit)}]
        if positive is not None:
            c, text = POS if positive else NEG
            if value is None:
                extra["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": c,
                                                             "display": text}], "text": text}
            extra["interpretation"] = [{"coding": [{"system": V3_INTERPRETATION,
                                                    "code": "POS" if positive else "NEG"}]}]
        self._obs(key, when, {"coding": [{"system": PROJECT_SYSTEM, "code": code,
                                          "display": display}]}, **extra)

    def statement(self, code: str, when: date, value: bool = True) -> None:
        """A dated yes/no statement of the project CodeSystem (alert card given, ...)."""
        self._obs(f"stmt-{code}", when, {"coding": [{"system": PROJECT_SYSTEM, "code": code}]},
                  category="survey", valueBoolean=value)

    def relapse(self, onset: date, *, disabling: bool = True) -> None:
        self._obs("relapse", onset, {"coding": [{"system": PROJECT_SYSTEM, "code": RELAPSE,
                                                 "display": "MS relapse"}]},
                  category="exam",
                  component=[
                      {"code": {"coding": [{"system": PROJECT_SYSTEM,
                                            "code": RELAPSE_DISABLING}]},
                       "valueBoolean": disabling},
                      {"code": {"coding": [{"system": PROJECT_SYSTEM,
                                            "code": RELAPSE_PROTOCOL_DEFINED}]},
                       "valueBoolean": True},
                  ])

    def mri(self, when: date, *, gd: int, new_t2: int, t2_increase: bool = False) -> None:
        def comp(code: str, **v: Any) -> dict[str, Any]:
            return {"code": {"coding": [{"system": PROJECT_SYSTEM, "code": code}]}, **v}

        self._obs("mri", when, {"coding": [{"system": PROJECT_SYSTEM, "code": MRI_BRAIN,
                                            "display": "Brain MRI"}]},
                  category="imaging",
                  component=[
                      comp(MRI_GD_ENHANCED, valueBoolean=True),
                      comp(MRI_GD_LESIONS, valueInteger=gd),
                      comp(MRI_NEW_T2_LESIONS, valueInteger=new_t2),
                      comp(MRI_T2_LOAD_INCREASE, valueBoolean=t2_increase),
                      comp(MRI_PML_SIGNS, valueBoolean=False),
                  ])

    def edss(self, value: float, when: date) -> None:
        self._obs("edss", when, {"coding": [{"system": SNOMED, "code": SNOMED_EDSS,
                                             "display": "EDSS score"}]},
                  category="exam", valueQuantity={"value": value, "system": UCUM,
                                                  "code": "{score}"})

    def vitals(self, when: date, v: Vitals) -> None:
        """Temperature, heart rate and a blood-pressure panel at one time of day."""
        stamp = at(when, v.at)

        def loinc(code: str, display: str) -> dict[str, Any]:
            return {"coding": [{"system": LOINC, "code": code, "display": display}]}

        stem = f"vs{v.at:%H%M}"
        self._obs(f"{stem}-temp", when, loinc("8310-5", "Body temperature"),
                  category="vital-signs", effectiveDateTime=stamp,
                  valueQuantity=_qty(v.temp, "Cel"))
        self._obs(f"{stem}-hr", when, loinc("8867-4", "Heart rate"), category="vital-signs",
                  effectiveDateTime=stamp, valueQuantity=_qty(v.hr, "/min"))
        self._obs(f"{stem}-bp", when, loinc("85354-9", "Blood pressure panel"),
                  category="vital-signs", effectiveDateTime=stamp, component=[
                      {"code": loinc("8480-6", "Systolic blood pressure"),
                       "valueQuantity": _qty(v.sbp, "mm[Hg]")},
                      {"code": loinc("8462-4", "Diastolic blood pressure"),
                       "valueQuantity": _qty(v.dbp, "mm[Hg]")}])

    def infusion_reaction(self, when: date, moment: time, grade: int, infusion_id: str,
                          rate_at_stop: float | None = None) -> None:
        extra: dict[str, Any] = {}
        if rate_at_stop is not None:
            extra["component"] = [{
                "code": {"coding": [{"system": PROJECT_SYSTEM, "code": "infusion-rate-at-stop"}]},
                "valueQuantity": _qty(rate_at_stop, "mL/h")}]
        self._obs("irr", when, {"coding": [{"system": PROJECT_SYSTEM,
                                            "code": "infusion-reaction",
                                            "display": "Infusion-associated reaction"}]},
                  category="exam", effectiveDateTime=at(when, moment), valueInteger=grade,
                  partOf=[{"reference": f"MedicationAdministration/{infusion_id}"}], **extra)

    # ---- other resources -------------------------------------------------------------------

    def vaccine(self, cvx: str, when: date) -> None:
        self._add({
            "resourceType": "Immunization",
            "id": self._id(f"imm{cvx}", when),
            "status": "completed",
            "vaccineCode": {"coding": [{"system": CVX, "code": cvx,
                                        "display": CVX_NAMES.get(cvx, cvx)}]},
            "patient": self.subject,
            "occurrenceDateTime": iso(when),
        })

    def procedure(self, code: str, display: str, when: date) -> None:
        self._add({
            "resourceType": "Procedure",
            "id": self._id(code.removeprefix("procedure-"), when),
            "status": "completed",
            "code": {"coding": [{"system": PROJECT_SYSTEM, "code": code, "display": display}]},
            "subject": self.subject,
            "performedDateTime": iso(when),
            "outcome": {"coding": [{"system": PROJECT_SYSTEM, "code": PROCEDURE_NORMAL}]},
        })

    def consent(self, when: date) -> None:
        self._add({
            "resourceType": "Consent",
            "id": self._id("consent", when),
            "status": "active",
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
            "category": [{"coding": [{"system": PROJECT_SYSTEM, "code": CONSENT_ALEMTUZUMAB,
                                      "display": "Written informed consent to alemtuzumab"}]}],
            "patient": self.subject,
            "dateTime": iso(when),
        })

    def checklist(self, when: date, yes: Iterable[str] = ()) -> None:
        """Fig 4 symptom checklist; ``yes`` = linkIds answered yes, the others no."""
        answered_yes = set(yes)
        self._add({
            "resourceType": "QuestionnaireResponse",
            "id": self._id("fig4", when),
            "questionnaire": CHECKLIST_QUESTIONNAIRE,
            "status": "completed",
            "subject": self.subject,
            "authored": iso(when),
            "item": [{"linkId": lid, "answer": [{"valueBoolean": lid in answered_yes}]}
                     for lid in CHECKLIST_LINK_IDS],
        })
