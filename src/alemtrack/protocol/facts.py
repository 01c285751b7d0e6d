"""Immutable facts about one patient: what the protocol rules read.

Adapters (FHIR, HL7 v2, CSV, the store) build these; the rules never see a file, a database row
or a FHIR resource. Every fact carries ``ref``, the identity of the record it came from
(``"Observation/o7"``), so a finding can show exactly which data made it fire.

Values are already normalised by the adapter: lab quantities are in the canonical unit of their
analyte (``ANALYTE_UNITS``, clinical-rules.md §8), codes are classified into the enums below
(the code tables live in ``vocabulary``). The reported value and unit are kept for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum


class Sex(Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Analyte(Enum):
    """One row of clinical-rules.md §8 (every LOINC of a row maps to the same analyte)."""

    PLATELETS = "platelets"
    HAEMOGLOBIN = "haemoglobin"
    WBC = "wbc"
    NEUTROPHILS = "neutrophils"
    LYMPHOCYTES = "lymphocytes"
    CD4 = "cd4"
    CREATININE = "creatinine"
    EGFR = "egfr"
    URINE_RBC_HPF = "urine-rbc-hpf"
    URINE_RBC_COUNT = "urine-rbc-count"
    URINE_BLOOD_DIPSTICK = "urine-blood-dipstick"
    URINE_PROTEIN_DIPSTICK = "urine-protein-dipstick"
    UPCR = "upcr"
    URINE_CREATININE = "urine-creatinine"
    URINE_PROTEIN_24H = "urine-protein-24h"
    TSH = "tsh"
    FT4 = "ft4"
    FT3 = "ft3"
    TRAB = "trab"
    TPO_AB = "tpo-ab"
    ALT = "alt"
    AST = "ast"
    BILIRUBIN = "bilirubin"
    FERRITIN = "ferritin"
    TRIGLYCERIDES = "triglycerides"
    FIBRINOGEN = "fibrinogen"
    APTT = "aptt"
    LDH = "ldh"
    HAPTOGLOBIN = "haptoglobin"
    SCHISTOCYTES = "schistocytes"
    FACTOR_VIII = "factor-viii"
    HCG_URINE = "hcg-urine"
    HCG_SERUM = "hcg-serum"
    ANTI_HBS = "anti-hbs"
    HBSAG = "hbsag"
    ANTI_HBC = "anti-hbc"
    HBV_DNA = "hbv-dna"
    HCV_AB = "hcv-ab"
    HCV_RNA = "hcv-rna"
    HIV = "hiv"
    IGRA = "igra"
    TST = "tst"
    VZV_IGG = "vzv-igg"
    MEASLES_IGG = "measles-igg"
    HAV_IGG = "hav-igg"
    CMV_IGG = "cmv-igg"
    STRONGYLOIDES_IGG = "strongyloides-igg"
    ANTI_GBM = "anti-gbm"
    JCV_ANTIBODY = "jcv-antibody"
    CSF_JCV_DNA = "csf-jcv-dna"
    TERIFLUNOMIDE = "teriflunomide"
    SCD25 = "scd25"


# Canonical unit per analyte (UCUM), clinical-rules.md §8 "Default UCUM". Adapters convert
# every quantity to this unit before building a LabResult; rules compare in these units.
ANALYTE_UNITS: dict[Analyte, str] = {
    Analyte.PLATELETS: "10*3/uL",
    Analyte.HAEMOGLOBIN: "g/dL",
    Analyte.WBC: "10*3/uL",
    Analyte.NEUTROPHILS: "10*3/uL",
    Analyte.LYMPHOCYTES: "10*3/uL",
    Analyte.CD4: "/uL",
    Analyte.CREATININE: "mg/dL",
    Analyte.EGFR: "mL/min/{1.73_m2}",
    Analyte.URINE_RBC_HPF: "/[HPF]",
    Analyte.URINE_RBC_COUNT: "/uL",
    Analyte.URINE_BLOOD_DIPSTICK: "{ordinal}",
    Analyte.URINE_PROTEIN_DIPSTICK: "{ordinal}",
    Analyte.UPCR: "mg/g{creat}",
    Analyte.URINE_CREATININE: "mg/dL",
    Analyte.URINE_PROTEIN_24H: "g/(24.h)",
    Analyte.TSH: "m[IU]/L",
    Analyte.FT4: "ng/dL",
    Analyte.FT3: "pg/mL",
    Analyte.TRAB: "[IU]/L",
    Analyte.TPO_AB: "[IU]/mL",
    Analyte.ALT: "U/L",
    Analyte.AST: "U/L",
    Analyte.BILIRUBIN: "mg/dL",
    Analyte.FERRITIN: "ng/mL",
    Analyte.TRIGLYCERIDES: "mg/dL",
    Analyte.FIBRINOGEN: "mg/dL",
    Analyte.APTT: "s",
    Analyte.LDH: "U/L",
    Analyte.HAPTOGLOBIN: "mg/dL",
    Analyte.SCHISTOCYTES: "{ordinal}",
    Analyte.FACTOR_VIII: "%",
    Analyte.HCG_URINE: "{ordinal}",
    Analyte.HCG_SERUM: "m[IU]/mL",
    Analyte.ANTI_HBS: "m[IU]/mL",
    Analyte.HBSAG: "{ordinal}",
    Analyte.ANTI_HBC: "{ordinal}",
    Analyte.HBV_DNA: "[IU]/mL",
    Analyte.HCV_AB: "{ordinal}",
    Analyte.HCV_RNA: "[IU]/mL",
    Analyte.HIV: "{ordinal}",
    Analyte.IGRA: "{ordinal}",
    Analyte.TST: "mm",
    Analyte.VZV_IGG: "{ordinal}",
    Analyte.MEASLES_IGG: "{ordinal}",
    Analyte.HAV_IGG: "{ordinal}",
    Analyte.CMV_IGG: "{ordinal}",
    Analyte.STRONGYLOIDES_IGG: "{ordinal}",
    Analyte.ANTI_GBM: "[arb'U]/mL",
    Analyte.JCV_ANTIBODY: "{index}",
    Analyte.CSF_JCV_DNA: "[copies]/mL",
    Analyte.TERIFLUNOMIDE: "mg/L",
    Analyte.SCD25: "U/mL",
}


class Qual(Enum):
    """A qualitative or ordinal result (presence tests, dipsticks, smears)."""

    NEGATIVE = "negative"
    TRACE = "trace"
    POSITIVE = "positive"
    PLUS1 = "1+"
    PLUS2 = "2+"
    PLUS3 = "3+"
    PLUS4 = "4+"
    INDETERMINATE = "indeterminate"

    @property
    def grade(self) -> int | None:
        """Dipstick grade: 0 negative or trace (trace counts as negative, R-N3), 1-4 for 1+..4+;
        ``positive`` counts as 1; ``indeterminate`` has no grade."""
        return _QUAL_GRADES[self]

    @property
    def is_positive(self) -> bool:
        grade = self.grade
        return grade is not None and grade >= 1


_QUAL_GRADES: dict[Qual, int | None] = {
    Qual.NEGATIVE: 0,
    Qual.TRACE: 0,
    Qual.POSITIVE: 1,
    Qual.PLUS1: 1,
    Qual.PLUS2: 2,
    Qual.PLUS3: 3,
    Qual.PLUS4: 4,
    Qual.INDETERMINATE: None,
}


@dataclass(frozen=True, slots=True)
class LabResult:
    """A laboratory result (Observation final/amended/corrected).

    ``value`` is in ``ANALYTE_UNITS[analyte]``; ``qual`` is set for qualitative results (and may
    be set alongside a value, e.g. an anti-HBs titre the lab also calls "reactive").
    ``ref_low``/``ref_high`` are the lab's reference range in the canonical unit, when given.
    """

    ref: str
    analyte: Analyte
    code: str
    date: date
    value: float | None = None
    qual: Qual | None = None
    ref_low: float | None = None
    ref_high: float | None = None
    reported_value: float | None = None
    reported_unit: str | None = None

    @property
    def unit(self) -> str:
        return ANALYTE_UNITS[self.analyte]


class ConditionKind(Enum):
    """Clinical classes the rules reason about; vocabulary maps SNOMED CT codes to these."""

    MS = "ms"
    RRMS = "rrms"
    SPMS_ACTIVE = "spms-active"
    SPMS_NON_ACTIVE = "spms-non-active"
    PPMS = "ppms"
    CIS = "cis"
    HYPERSENSITIVITY_ALEMTUZUMAB = "hypersensitivity-alemtuzumab"
    HIV = "hiv"
    ACTIVE_INFECTION = "active-infection"
    SEVERE_INFECTION = "severe-infection"
    TB_ACTIVE = "tb-active"
    TB_LATENT = "tb-latent"
    HBV_CHRONIC = "hbv-chronic"
    HCV = "hcv"
    HYPERTENSION = "hypertension"
    UNCONTROLLED_HYPERTENSION = "uncontrolled-hypertension"
    ARTERIAL_DISSECTION = "arterial-dissection"
    STROKE = "stroke"
    ANGINA_MI = "angina-mi"
    COAGULOPATHY = "coagulopathy"
    AUTOIMMUNE_OTHER = "autoimmune-other"
    THYROID_DISEASE = "thyroid-disease"
    GRAVES = "graves"
    HYPOTHYROIDISM = "hypothyroidism"
    ITP = "itp"
    AUTOIMMUNE_CYTOPENIA = "autoimmune-cytopenia"
    ANTI_GBM = "anti-gbm"
    MEMBRANOUS_NEPHROPATHY = "membranous-nephropathy"
    AUTOIMMUNE_HEPATITIS = "autoimmune-hepatitis"
    ACQUIRED_HAEMOPHILIA = "acquired-haemophilia"
    TTP = "ttp"
    AOSD = "aosd"
    AUTOIMMUNE_ENCEPHALITIS = "autoimmune-encephalitis"
    IMMUNE_COLITIS = "immune-colitis"
    HLH = "hlh"
    PML = "pml"
    UTI = "uti"
    TACHYARRHYTHMIA = "tachyarrhythmia"
    ALVEOLAR_HAEMORRHAGE = "alveolar-haemorrhage"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Condition:
    ref: str
    kind: ConditionKind
    code: str
    display: str
    active: bool
    onset: date | None = None
    abated: date | None = None
    recorded: date | None = None
    severe: bool = False


class Drug(Enum):
    """Medicines the rules reason about (prior DMTs, immunosuppressants, others)."""

    INTERFERON_BETA = "interferon-beta"
    GLATIRAMER = "glatiramer"
    TERIFLUNOMIDE = "teriflunomide"
    DIMETHYL_FUMARATE = "dimethyl-fumarate"
    FINGOLIMOD = "fingolimod"
    SIPONIMOD = "siponimod"
    OZANIMOD = "ozanimod"
    PONESIMOD = "ponesimod"
    NATALIZUMAB = "natalizumab"
    RITUXIMAB = "rituximab"
    OCRELIZUMAB = "ocrelizumab"
    OFATUMUMAB = "ofatumumab"
    CLADRIBINE = "cladribine"
    MITOXANTRONE = "mitoxantrone"
    AZATHIOPRINE = "azathioprine"
    CYCLOPHOSPHAMIDE = "cyclophosphamide"
    METHOTREXATE = "methotrexate"
    MYCOPHENOLATE = "mycophenolate"
    OTHER_DMT = "other-dmt"  # a disease-modifying therapy Table W does not cover
    CAMPATH = "campath"
    ALEMTUZUMAB = "alemtuzumab"
    ANTIPLATELET = "antiplatelet"
    ANTICOAGULANT = "anticoagulant"
    PREDNISONE = "prednisone"
    METHYLPREDNISOLONE = "methylprednisolone"
    ISONIAZID = "isoniazid"
    ACICLOVIR = "aciclovir"
    VALACICLOVIR = "valaciclovir"
    PARACETAMOL = "paracetamol"
    DEXCHLORPHENIRAMINE = "dexchlorpheniramine"
    PANTOPRAZOLE = "pantoprazole"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class MedicationUse:
    """A MedicationStatement: a medicine taken, ``last_dose`` = ``effectivePeriod.end``.

    ``daily_dose_mg`` is prednisone-equivalent for corticosteroids; ``iv_bolus`` marks an IV
    corticosteroid pulse (R-D3).
    """

    ref: str
    drug: Drug
    code: str
    start: date | None = None
    last_dose: date | None = None
    active: bool = False
    daily_dose_mg: float | None = None
    iv_bolus: bool = False


@dataclass(frozen=True, slots=True)
class MedicationOrder:
    """A MedicationRequest for a non-alemtuzumab medicine (premedication, aciclovir)."""

    ref: str
    drug: Drug
    code: str
    start: date | None


@dataclass(frozen=True, slots=True)
class Infusion:
    """One alemtuzumab infusion day (MedicationAdministration, status completed)."""

    ref: str
    date: date
    start: datetime | None = None
    end: datetime | None = None
    dose_mg: float | None = None
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedCourse:
    """A MedicationRequest with intent ``plan`` for alemtuzumab; ``start`` = planned day 1."""

    ref: str
    start: date


class Vaccine(Enum):
    INFLUENZA = "influenza"
    PCV13 = "pcv13"
    PPSV23 = "ppsv23"
    HEPATITIS_B = "hepatitis-b"
    HEPATITIS_A = "hepatitis-a"
    TETANUS_DIPHTHERIA = "tetanus-diphtheria"
    HPV = "hpv"
    VARICELLA = "varicella"
    MMR = "mmr"
    ZOSTER_LIVE = "zoster-live"
    YELLOW_FEVER = "yellow-fever"
    TYPHOID_ORAL = "typhoid-oral"
    OTHER_LIVE = "other-live"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Vaccination:
    """An Immunization, status completed. ``live`` comes from the CVX live set (§11)."""

    ref: str
    vaccine: Vaccine
    code: str
    date: date
    live: bool


class ProcedureKind(Enum):
    ECG = "ecg"
    CHEST_XRAY = "chest-xray"
    SKIN_EXAM = "skin-exam"
    CERVICAL_SCREENING = "cervical-screening"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Procedure:
    ref: str
    kind: ProcedureKind
    date: date
    abnormal: bool | None = None


@dataclass(frozen=True, slots=True)
class Relapse:
    ref: str
    onset: date
    disabling: bool = False
    protocol_defined: bool = True


@dataclass(frozen=True, slots=True)
class MriScan:
    """A brain MRI. Counts are None when not reported (unknown is not zero)."""

    ref: str
    date: date
    gd_enhanced: bool = True
    gd_lesions: int | None = None
    new_t2_lesions: int | None = None
    t2_load_increase: bool = False
    pml_signs: bool = False


@dataclass(frozen=True, slots=True)
class EdssScore:
    ref: str
    date: date
    value: float


class StatementCode(Enum):
    """Dated yes/no statements by the care team (project CodeSystem, docs/fhir-input.md)."""

    HIGHLY_ACTIVE_DESPITE_DMT = "highly-active-despite-dmt"
    SUBOPTIMAL_RESPONSE = "suboptimal-response"
    RAPID_PROGRESSION = "rapid-progression"
    UNCONTROLLED_HYPERTENSION = "uncontrolled-hypertension"
    ALERT_CARD_GIVEN = "alert-card-given"
    PATIENT_GUIDE_GIVEN = "patient-guide-given"
    LISTERIA_ADVICE_GIVEN = "listeria-advice-given"
    REMS_PATIENT_ENROLLED = "rems-patient-enrolled"
    REMS_SITE_CERTIFIED = "rems-site-certified"
    PREGNANT = "pregnant"
    BREASTFEEDING = "breastfeeding"
    AGREES_TO_STOP_BREASTFEEDING = "agrees-to-stop-breastfeeding"
    NOT_CHILDBEARING_POTENTIAL = "not-childbearing-potential"
    MENSES = "menses"
    ENDEMIC_STRONGYLOIDES_ORIGIN = "endemic-strongyloides-origin"
    PHYSICIAN_ORDER_TO_RESUME = "physician-order-to-resume"
    NEVER_VACCINATED_TETANUS = "never-vaccinated-tetanus"


@dataclass(frozen=True, slots=True)
class Statement:
    ref: str
    code: StatementCode
    date: date
    value: bool = True


@dataclass(frozen=True, slots=True)
class Consent:
    """Written informed consent to alemtuzumab (one per course, S3 Rec 12, 24)."""

    ref: str
    date: date


class VitalKind(Enum):
    TEMPERATURE = "temperature"  # Cel
    HEART_RATE = "heart-rate"  # /min
    SYSTOLIC = "systolic"  # mm[Hg]
    DIASTOLIC = "diastolic"  # mm[Hg]


@dataclass(frozen=True, slots=True)
class VitalSign:
    ref: str
    kind: VitalKind
    value: float
    at: datetime

    @property
    def date(self) -> date:
        return self.at.date()


class SymptomCode(Enum):
    """Coded symptoms outside the Fig 4 checklist (project CodeSystem)."""

    STROKE = "stroke"
    ARTERIAL_DISSECTION = "arterial-dissection"
    CHEST_PAIN = "chest-pain"
    MYOCARDIAL_ISCHAEMIA = "myocardial-ischaemia"
    ALVEOLAR_HAEMORRHAGE = "alveolar-haemorrhage"
    HAEMOPTYSIS = "haemoptysis"
    PML_SIGNS = "pml-signs"
    AOSD = "aosd"
    ENCEPHALITIS = "encephalitis"
    COLITIS = "colitis"
    MUCOCUTANEOUS_BLEEDING = "mucocutaneous-bleeding"
    FEVER = "fever"
    SPLENOMEGALY = "splenomegaly"


@dataclass(frozen=True, slots=True)
class Symptom:
    ref: str
    code: SymptomCode
    date: date


class ChecklistGroup(Enum):
    NEPHROPATHY = "nephropathy"
    THYROID = "thyroid"
    HAEMATOLOGY = "haematology"
    INFECTION = "infection"


class ChecklistItem(Enum):
    """Figure 4 questions (S3); the value is the Questionnaire ``linkId``."""

    LESS_URINE_OR_DARK_URINE = "neph-urine"
    LEG_SWELLING = "neph-swelling"
    WEIGHT_CHANGE = "thy-weight"
    HEAT_COLD_INTOLERANCE = "thy-temperature"
    BOWEL_CHANGE = "thy-bowel"
    BLEEDING_NOSE_GUMS_COUGH = "haem-bleeding"
    HEAVY_MENSES = "haem-menses"
    BRUISING = "haem-bruising"
    SKIN_STAINS = "haem-skin"
    FEVER = "inf-fever"
    INFECTIONS = "inf-infections"

    @property
    def group(self) -> ChecklistGroup:
        return ChecklistGroup(_GROUP_BY_PREFIX[self.value.split("-", 1)[0]])


_GROUP_BY_PREFIX = {
    "neph": "nephropathy",
    "thy": "thyroid",
    "haem": "haematology",
    "inf": "infection",
}


@dataclass(frozen=True, slots=True)
class ChecklistAnswer:
    item: ChecklistItem
    yes: bool


@dataclass(frozen=True, slots=True)
class SymptomChecklist:
    """One completed Fig 4 checklist (QuestionnaireResponse)."""

    ref: str
    date: date
    answers: tuple[ChecklistAnswer, ...]

    def yes(self, group: ChecklistGroup) -> tuple[ChecklistItem, ...]:
        return tuple(a.item for a in self.answers if a.yes and a.item.group is group)


@dataclass(frozen=True, slots=True)
class InfusionReaction:
    """An infusion-related reaction graded 1-4 (Table R), ``partOf`` an infusion."""

    ref: str
    at: datetime
    grade: int
    rate_at_stop_ml_h: float | None = None
    infusion_ref: str | None = None

    @property
    def date(self) -> date:
        return self.at.date()


@dataclass(frozen=True, slots=True)
class PlannedSurgery:
    ref: str
    date: date | None
    elective: bool = True


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Everything known about one patient. Tuples are in no particular order."""

    ref: str
    sex: Sex = Sex.UNKNOWN
    birth_date: date | None = None
    conditions: tuple[Condition, ...] = ()
    medications: tuple[MedicationUse, ...] = ()
    orders: tuple[MedicationOrder, ...] = ()
    infusions: tuple[Infusion, ...] = ()
    planned_courses: tuple[PlannedCourse, ...] = ()
    labs: tuple[LabResult, ...] = ()
    vaccinations: tuple[Vaccination, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    relapses: tuple[Relapse, ...] = ()
    mri: tuple[MriScan, ...] = ()
    edss: tuple[EdssScore, ...] = ()
    statements: tuple[Statement, ...] = ()
    consents: tuple[Consent, ...] = ()
    vitals: tuple[VitalSign, ...] = ()
    symptoms: tuple[Symptom, ...] = ()
    checklists: tuple[SymptomChecklist, ...] = ()
    reactions: tuple[InfusionReaction, ...] = ()
    surgeries: tuple[PlannedSurgery, ...] = ()
    warnings: tuple[str, ...] = field(default=())
