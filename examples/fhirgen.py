"""Small builder of synthetic FHIR R4 bundles for the example patients (docs/fhir-input.md).

Every name, id and value is invented; no real patient data. ``build_bundles.py`` describes each
example patient with these helpers and writes ``NN-slug.bundle.json``. Codes come from
``alemtrack.protocol.vocabulary`` so that the examples follow the input profile.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from alemtrack.protocol.dates import add_days, add_months
from alemtrack.protocol.vocabulary import (
    CHECKLIST_QUESTIONNAIRE,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CONSENT_ALEMTUZUMAB,
    CVX,
    LOINC,
    LOINC_BREASTFEEDING,
    LOINC_PREGNANCY_STATUS,
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

# Qualitative answers (SNOMED CT).
NEG = ("260385009", "Negative")
POS = ("10828004", "Positive")

# LOINC, display, UCUM unit of the labs used by the examples (clinical-rules.md §8).
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
    "ft3": ("3051-0", "Triiodothyronine (T3) Free [Mass/volume] in Serum or Plasma", "pg/mL"),
    "trab": ("5385-0", "Thyrotropin receptor Ab [Units/volume] in Serum", "[IU]/L"),
    "tpo": ("8099-4", "Thyroperoxidase Ab [Units/volume] in Serum or Plasma", "[IU]/mL"),
    "alt": ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L"),
    "ast": ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L"),
    "bili": ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL"),
    "ferritin": ("2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "ng/mL"),
    "tg": ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL"),
    "fib": ("3255-7", "Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay",
            "mg/dL"),
    "ldh": ("14805-6", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma by "
            "Pyruvate to lactate reaction", "U/L"),
    "hapto": ("4542-7", "Haptoglobin [Mass/volume] in Serum or Plasma", "mg/dL"),
    "antihbs": ("16935-9", "Hepatitis B virus surface Ab [Units/volume] in Serum", "m[IU]/mL"),
    "upcr": ("2890-2", "Protein/Creatinine [Mass Ratio] in Urine", "mg/g{creat}"),
}
# Qualitative labs: LOINC and display.
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
# Project-coded labs (no verified LOINC, §8 ✗): code, display, unit (None = qualitative).
PROJECT_LABS: dict[str, tuple[str, str, str | None]] = {
    "jcv": ("jcv-antibody-index", "Anti-JCV antibody index", "{index}"),
    "teri": ("teriflunomide-level", "Teriflunomide plasma level", "mg/L"),
    "cmv": ("cmv-igg", "CMV IgG", None),
}
# Reference ranges the synthetic laboratory reports (low, high).
RANGES: dict[str, tuple[float | None, float | None]] = {
    "plt": (150, 400), "hb": (12.0, 16.0), "wbc": (4.0, 11.0), "anc": (1.8, 7.5),
    "lym": (1.0, 4.0), "cd4": (500, 1500), "crea": (0.6, 1.2), "urbc": (0, 2),
    "tsh": (0.4, 4.0), "ft4": (0.8, 1.8), "ft3": (2.3, 4.2), "trab": (None, 1.75),
    "tpo": (None, 34), "alt": (None, 40), "ast": (None, 40), "bili": (0.2, 1.2),
    "ferritin": (15, 300), "tg": (None, 150), "fib": (200, 400), "ldh": (120, 250),
    "hapto": (30, 200), "teri": (None, None), "jcv": (None, 0.2), "antihbs": (None, None),
    "upcr": (None, 150),
}

CVX_NAMES = {
    "03": "MMR", "21": "varicella", "150": "influenza, injectable, quadrivalent, preservative free",
    "133": "pneumococcal conjugate PCV13", "33": "pneumococcal polysaccharide PPSV23",
    "139": "Td (adult)", "43": "hepatitis B, adult", "52": "hepatitis A, adult",
}

# Pre-infusion, hourly during the infusion (10:00-15:10) and the 2-hour observation (R-E11).
VITAL_TIMES = ("09:45", "10:45", "11:45", "12:45", "13:45", "14:45", "15:45", "16:45", "17:10")

PREMEDICATION = (
    ("6902", "methylprednisolone"),
    ("161", "acetaminophen"),
    ("3264", "dexchlorpheniramine"),
    ("40790", "pantoprazole"),
    ("281", "acyclovir"),
)


def iso(d: date) -> str:
    return d.isoformat()


@dataclass
class Bundle:
    """One synthetic patient's bundle under construction."""

    pid: str
    family: str
    given: str
    gender: str
    birth: date
    entries: list[dict[str, Any]] = field(default_factory=list)
    _seq: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._add({
            "resourceType": "Patient",
            "id": self.pid,
            "meta": {"tag": [{"system": PROJECT_SYSTEM, "code": "synthetic",
                              "display": "synthetic example patient, not a real person"}]},
            "identifier": [{"system": "https://alemtrack.org/fhir/example-mrn",
                            "value": f"EX-{self.pid.upper()}"}],
            "name": [{"family": self.family, "given": [self.given]}],
            "gender": self.gender,
            "birthDate": iso(self.birth),
        })

    # ---- plumbing --------------------------------------------------------------------------

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.pid}"}

    def _id(self, prefix: str, when: date | None = None) -> str:
        stem = f"{prefix}-{when.isoformat()}" if when else prefix
        n = self._seq.get(stem, 0) + 1
        self._seq[stem] = n
        return stem if n == 1 else f"{stem}-{n}"

    def _add(self, resource: dict[str, Any]) -> dict[str, Any]:
        key = f"{self.pid}/{resource['resourceType']}/{resource['id']}"
        self.entries.append({
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'alemtrack-example:' + key)}",
            "resource": resource,
        })
        return resource

    def to_json(self) -> dict[str, Any]:
        return {"resourceType": "Bundle", "id": f"example-{self.pid}", "type": "collection",
                "entry": self.entries}

    # ---- conditions, medicines -------------------------------------------------------------

    def condition(self, snomed: str, display: str, onset: date, *, active: bool = True,
                  abated: date | None = None, system: str = SNOMED) -> None:
        res: dict[str, Any] = {
            "resourceType": "Condition",
            "id": self._id("cond", onset),
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL,
                                           "code": "active" if active else "resolved"}]},
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION,
                                               "code": "confirmed"}]},
            "code": {"coding": [{"system": system, "code": snomed, "display": display}],
                     "text": display},
            "subject": self.subject,
            "onsetDateTime": iso(onset),
            "recordedDate": iso(onset),
        }
        if abated is not None:
            res["abatementDateTime"] = iso(abated)
        self._add(res)

    def rrms(self, onset: date) -> None:
        self.condition("426373005", "Relapsing remitting multiple sclerosis", onset)

    def med_statement(self, rxnorm: str, display: str, start: date, end: date | None, *,
                      system: str = RXNORM) -> None:
        period = {"start": iso(start)}
        if end is not None:
            period["end"] = iso(end)
        self._add({
            "resourceType": "MedicationStatement",
            "id": self._id("medstmt", start),
            "status": "completed" if end is not None else "active",
            "medicationCodeableConcept": {"coding": [{"system": system, "code": rxnorm,
                                                      "display": display}], "text": display},
            "subject": self.subject,
            "effectivePeriod": period,
        })

    def course(self, first_day: date, days: int, lot: str) -> None:
        """A course given: alemtuzumab 12 mg/day on consecutive days (one MedicationAdministration
        per day, 10:00-15:10), with its premedication orders, the vital signs before and hourly
        during the infusion and the 2-hour observation (R-E11), and the post-infusion platelet
        counts of R-E12 (day 3 and 5 of course 1, day 3 of later courses)."""
        self.premedication_orders(first_day, add_days(first_day, -7))
        for i in range(days):
            d = add_days(first_day, i)
            for hhmm in VITAL_TIMES:
                self.vitals(d, hhmm)
            if i == 2 or (i == 4 and days == 5):
                self.lab("plt", 171 if i == 2 else 158, d)
            self._add({
                "resourceType": "MedicationAdministration",
                "id": self._id("alem", d),
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
                "effectivePeriod": {"start": f"{iso(d)}T10:00:00+01:00",
                                    "end": f"{iso(d)}T15:10:00+01:00"},
                "dosage": {"route": {"coding": [{"system": SNOMED, "code": "47625008",
                                                 "display": "Intravenous route"}]},
                           "dose": {"value": 12, "unit": "mg", "system": UCUM, "code": "mg"}},
            })

    def plan_course(self, start: date, days: int, authored: date) -> None:
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
                "doseAndRate": [{"doseQuantity": {"value": 12, "unit": "mg", "system": UCUM,
                                                  "code": "mg"}}],
            }],
        })

    def premedication_orders(self, start: date, authored: date) -> None:
        """Table P premedication and herpes prophylaxis ordered from day 1 (R-G0 item 9)."""
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

    def _obs(self, prefix: str, when: date, code: dict[str, Any], *, category: str = "laboratory",
             **value: Any) -> dict[str, Any]:
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

    def lab(self, key: str, value: float, when: date) -> None:
        loinc, display, unit = LABS[key]
        low, high = RANGES.get(key, (None, None))
        extra: dict[str, Any] = {"valueQuantity": {"value": value, "unit": unit, "system": UCUM,
                                                   "code": unit}}
        rr: dict[str, Any] = {}
        if low is not None:
            rr["low"] = {"value": low, "unit": unit, "system": UCUM, "code": unit}
        if high is not None:
            rr["high"] = {"value": high, "unit": unit, "system": UCUM, "code": unit}
        if rr:
            extra["referenceRange"] = [rr]
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
        if value is not None:
            assert unit is not None
            extra["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
            _low, high = RANGES.get(key, (None, None))
            if high is not None:
                extra["referenceRange"] = [{"high": {"value": high, "unit": unit,
                                                     "system": UCUM, "code": unit}}]
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

    def pregnancy_status(self, pregnant: bool, when: date) -> None:
        answer = ("77386006", "Pregnant") if pregnant else ("60001007", "Not pregnant")
        self._obs("preg-status", when, {"coding": [{"system": LOINC,
                                                    "code": LOINC_PREGNANCY_STATUS,
                                                    "display": "Pregnancy status"}]},
                  category="social-history",
                  valueCodeableConcept={"coding": [{"system": SNOMED, "code": answer[0],
                                                    "display": answer[1]}]})

    def breastfeeding(self, yes: bool, when: date) -> None:
        answer = ("373066001", "Yes") if yes else ("373067005", "No")
        self._obs("breastfeeding", when, {"coding": [{"system": LOINC,
                                                      "code": LOINC_BREASTFEEDING,
                                                      "display": "Currently breastfeeding"}]},
                  category="social-history",
                  valueCodeableConcept={"coding": [{"system": SNOMED, "code": answer[0],
                                                    "display": answer[1]}]})

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

    def mri(self, when: date, *, gd: int, new_t2: int, t2_increase: bool = False,
            pml: bool = False) -> None:
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
                      comp(MRI_PML_SIGNS, valueBoolean=pml),
                  ])

    def edss(self, value: float, when: date) -> None:
        self._obs("edss", when, {"coding": [{"system": SNOMED, "code": SNOMED_EDSS,
                                             "display": "EDSS score"}]},
                  category="exam",
                  valueQuantity={"value": value, "system": UCUM, "code": "{score}"})

    def temperature(self, celsius: float, when: date, hhmm: str = "09:00") -> None:
        self._obs("temp", when, {"coding": [{"system": LOINC, "code": "8310-5",
                                             "display": "Body temperature"}]},
                  category="vital-signs", effectiveDateTime=f"{iso(when)}T{hhmm}:00+01:00",
                  valueQuantity={"value": celsius, "unit": "Cel", "system": UCUM,
                                 "code": "Cel"})

    def vitals(self, when: date, hhmm: str, *, temp: float = 36.6, hr: int = 72,
               sbp: int = 122, dbp: int = 78) -> None:
        """Temperature, heart rate and a blood-pressure panel at one time of day."""
        at = f"{iso(when)}T{hhmm}:00+01:00"

        def loinc(code: str, display: str) -> dict[str, Any]:
            return {"coding": [{"system": LOINC, "code": code, "display": display}]}

        def qty(value: float, unit: str) -> dict[str, Any]:
            return {"value": value, "unit": unit, "system": UCUM, "code": unit}

        stem = f"vs{hhmm.replace(':', '')}"
        self._obs(f"{stem}-temp", when, loinc("8310-5", "Body temperature"),
                  category="vital-signs", effectiveDateTime=at, valueQuantity=qty(temp, "Cel"))
        self._obs(f"{stem}-hr", when, loinc("8867-4", "Heart rate"), category="vital-signs",
                  effectiveDateTime=at, valueQuantity=qty(hr, "/min"))
        self._obs(f"{stem}-bp", when, loinc("85354-9", "Blood pressure panel"),
                  category="vital-signs", effectiveDateTime=at, component=[
                      {"code": loinc("8480-6", "Systolic blood pressure"),
                       "valueQuantity": qty(sbp, "mm[Hg]")},
                      {"code": loinc("8462-4", "Diastolic blood pressure"),
                       "valueQuantity": qty(dbp, "mm[Hg]")}])

    # ---- other resources -------------------------------------------------------------------

    def vaccine(self, cvx: str, when: date) -> None:
        self._add({
            "resourceType": "Immunization",
            "id": self._id(f"imm-{cvx}", when),
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

    def checklist(self, when: date, yes: tuple[str, ...] = ()) -> None:
        """Fig 4 symptom checklist; ``yes`` = linkIds answered yes, the others no."""
        link_ids = ("neph-urine", "neph-swelling", "thy-weight", "thy-temperature", "thy-bowel",
                    "haem-bleeding", "haem-menses", "haem-bruising", "haem-skin", "inf-fever",
                    "inf-infections")
        self._add({
            "resourceType": "QuestionnaireResponse",
            "id": self._id("fig4", when),
            "questionnaire": CHECKLIST_QUESTIONNAIRE,
            "status": "completed",
            "subject": self.subject,
            "authored": iso(when),
            "item": [{"linkId": lid, "answer": [{"valueBoolean": lid in yes}]}
                     for lid in link_ids],
        })

    # ---- composite helpers -----------------------------------------------------------------

    def monthly_panel(self, when: date, *, plt: float = 238, hb: float = 13.9, wbc: float = 5.6,
                      anc: float = 3.4, lym: float = 1.2, crea: float = 0.82, urbc: float = 1,
                      alt: float = 21, ast: float = 19, bili: float = 0.6,
                      checklist: bool = True, checklist_yes: tuple[str, ...] = (),
                      ublood: str | None = None, uprot: str | None = None) -> None:
        """The Table M monthly draw: CBC with differential, creatinine, urinalysis, LFT, plus
        the Fig 4 checklist answered the same day."""
        self.lab("plt", plt, when)
        self.lab("hb", hb, when)
        self.lab("wbc", wbc, when)
        self.lab("anc", anc, when)
        self.lab("lym", lym, when)
        self.lab("crea", crea, when)
        self.lab("urbc", urbc, when)
        self.qual("ublood", ublood is not None, when, grade=ublood)
        self.qual("uprot", uprot is not None, when, grade=uprot)
        self.lab("alt", alt, when)
        self.lab("ast", ast, when)
        self.lab("bili", bili, when)
        if checklist:
            self.checklist(when, checklist_yes)

    def infection_screen(self, when: date, *, female: bool, hav: bool = True,
                         vzv: bool = True, measles: bool = True, igra: bool = False) -> None:
        """R-B3 screening serologies (S3 Rec 7-8) and vaccine serostatus (Rec 4)."""
        self.qual("hiv", False, when)
        self.qual("hbsag", False, when)
        self.qual("antihbc", False, when)
        self.lab("antihbs", 86, when)
        self.qual("hcv", False, when)
        self.qual("igra", igra, when)
        self.project_lab("cmv", when, positive=True)
        self.qual("vzv", vzv, when)
        self.qual("measles", measles, when)
        self.qual("hav", hav, when)
        if female:
            self.cervical_screening(when)

    def cervical_screening(self, when: date) -> None:
        self.procedure("procedure-cervical-screening", "Cervical HPV screening", when)

    def skin_exam(self, when: date) -> None:
        self.procedure("procedure-skin-exam", "Skin examination", when)

    def ecg_cxr(self, when: date, *, cxr: bool = True) -> None:
        self.procedure("procedure-ecg", "12-lead ECG", when)
        if cxr:
            self.procedure("procedure-chest-xray", "Chest X-ray", when)

    def course_paperwork(self, when: date, listeria: date | None = None) -> None:
        """Consent, alert card, patient guide (R-A7) and Listeria advice (R-B6)."""
        self.consent(when)
        self.statement("alert-card-given", when)
        self.statement("patient-guide-given", when)
        self.statement("listeria-advice-given", listeria or when)
        self.statement("uncontrolled-hypertension", when, False)

    def routine_vaccines(self, influenza: date, pcv13: date, ppsv23: date, td: date) -> None:
        self.vaccine("150", influenza)
        self.vaccine("133", pcv13)
        self.vaccine("33", ppsv23)
        self.vaccine("139", td)

    def monitoring_history(self, anchor: date, k_from: int, k_to: int, *, day_offset: int = -1,
                           tsh: float = 1.6, overrides: dict[int, dict[str, Any]] | None = None,
                           skip: tuple[int, ...] = ()) -> None:
        """Table M monthly draws for slots k_from..k_to (dated ``day_offset`` days from each slot
        date ``add_months(anchor, k)``), TSH in every third slot."""
        overrides = overrides or {}
        for k in range(k_from, k_to + 1):
            if k in skip:
                continue
            when = add_days(add_months(anchor, k), day_offset)
            panel = dict(overrides.get(k, {}))
            slot_tsh = panel.pop("tsh", tsh)
            self.monthly_panel(when, **panel)
            if k % 3 == 0:
                self.lab("tsh", slot_tsh, when)


def write(bundle: Bundle, path: str) -> None:
    import json
    from pathlib import Path

    Path(path).write_text(json.dumps(bundle.to_json(), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
