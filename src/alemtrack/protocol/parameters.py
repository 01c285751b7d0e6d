"""Every threshold and interval of the protocol, each with its rule ID and citation.

A ``Parameters`` object is one protocol profile (clinical-rules.md §1): ``eu`` (default, EU
SmPC after 16 Jan 2020 with S3 operational detail), ``us`` (US PI) and ``es2019`` (S3 as
published, with the 2020 EU contraindications). Profiles are data: ``PROFILES[name]``; a site
may derive its own with ``dataclasses.replace``. Where §9 of the rules leaves a choice, the stated
default is used and the alternative is a parameter.

Each value is a ``Param``: the value, the rule it belongs to, its source (seed file and
recommendation, label section, or ✱ for a convention chosen in the spec) and its unit. Sections
follow the rule families so that each family's numbers sit together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from .facts import Analyte, Drug

T = TypeVar("T")

ProfileName = Literal["eu", "us", "es2019"]
PROFILE_NAMES: tuple[ProfileName, ...] = ("eu", "us", "es2019")


@dataclass(frozen=True, slots=True)
class Param(Generic[T]):
    """A configurable protocol value with its provenance."""

    value: T
    rule: str
    source: str
    unit: str | None = None

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.value}{unit} ({self.rule}; {self.source})"


def p(value: T, rule: str, source: str, unit: str | None = None) -> Param[T]:
    return Param(value, rule, source, unit)


# --------------------------------------------------------------------------------------------
# Core: dates, courses, monitoring anchor, result selection (§1 Conventions)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoreParams:
    new_course_gap_days: Param[int] = p(90, "§1 Course", "✱ an infusion >90 days after the previous starts a new course", "d")
    course1_days: Param[int] = p(5, "R-E1", "EU 4.2 ✔; US ✔; S3 Treatment ✔", "d")
    later_course_days: Param[int] = p(3, "R-E1", "EU 4.2 ✔; US ✔; S3 Treatment ✔", "d")
    daily_dose_mg: Param[float] = p(12.0, "R-E1", "EU 4.2 ✔; US ✔; S0 ✔", "mg")
    monitoring_months: Param[int] = p(48, "R-M1", "EU ✔ 48 months after the last infusion; US ✔", "mo")
    concurrent_days: Param[int] = p(7, "§1 Results", "✱ concurrent = within 7 days of the triggering result", "d")
    checklist_max_age_days: Param[int] = p(31, "§7c Fig 4", "✱ a Fig 4 answer (or coded symptom) counts while ≤31 days old (monthly checklist); R-H11, R-N1, R-N5, R-T7, R-I1, R-X1", "d")
    # Default reference limits when the lab gives none (§1 Results ✱).
    tsh_low: Param[float] = p(0.4, "§1 Results", "✱ default TSH LLN", "m[IU]/L")
    tsh_high: Param[float] = p(4.0, "§1 Results", "✱ default TSH ULN", "m[IU]/L")
    ft4_low: Param[float] = p(0.8, "§1 Results", "✱ default FT4 LLN", "ng/dL")
    ft4_high: Param[float] = p(1.8, "§1 Results", "✱ default FT4 ULN", "ng/dL")
    alt_uln: Param[float] = p(40.0, "§1 Results", "✱ default ALT ULN", "U/L")
    ast_uln: Param[float] = p(40.0, "§1 Results", "✱ default AST ULN", "U/L")
    bilirubin_uln: Param[float] = p(1.2, "§1 Results", "✱ default bilirubin ULN", "mg/dL")
    aptt_uln: Param[float] = p(38.0, "§1 Results", "✱ default aPTT ULN", "s")
    ldh_uln: Param[float] = p(250.0, "§1 Results", "✱ default LDH ULN", "U/L")
    haptoglobin_lln: Param[float] = p(30.0, "§1 Results", "✱ default haptoglobin LLN 0.3 g/L", "mg/dL")
    max_courses: Param[int | None] = p(4, "R-E4", "EU/S3 up to 2 additional courses (D12)")

    def default_low(self, analyte: Analyte) -> float | None:
        match analyte:
            case Analyte.TSH:
                return self.tsh_low.value
            case Analyte.FT4:
                return self.ft4_low.value
            case Analyte.HAPTOGLOBIN:
                return self.haptoglobin_lln.value
        return None

    def default_high(self, analyte: Analyte) -> float | None:
        match analyte:
            case Analyte.TSH:
                return self.tsh_high.value
            case Analyte.FT4:
                return self.ft4_high.value
            case Analyte.ALT:
                return self.alt_uln.value
            case Analyte.AST:
                return self.ast_uln.value
            case Analyte.BILIRUBIN:
                return self.bilirubin_uln.value
            case Analyte.APTT:
                return self.aptt_uln.value
            case Analyte.LDH:
                return self.ldh_uln.value
        return None

    @classmethod
    def for_profile(cls, profile: ProfileName) -> CoreParams:
        if profile == "us":
            return cls(max_courses=p(None, "R-E4", "US ✔ no stated maximum (D12)"))
        return cls()


# --------------------------------------------------------------------------------------------
# Washout, Table W (S3 Table 3 ✔) - needed by the core to find D1_eff (§1 "Course under
# assessment").
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WashoutRow:
    """One row of Table W. ``wait_weeks``/``wait_months``: minimum wait after the last dose."""

    name: str
    drugs: frozenset[Drug]
    source: str
    wait_weeks: int = 0
    wait_months: int = 0
    lymphocytes_above: float | None = None  # 10*3/uL, strict ">" (S3 Table 3 "above 800")
    cd4_above: float | None = None  # /uL, strict ">" (S3 "greater than 200")
    teriflunomide_below: float | None = None  # mg/L, strict "<"
    gd_mri_required: bool = False
    mapped: bool = False  # ✱ mapping of a drug not in S3 Table 3


TABLE_W: tuple[WashoutRow, ...] = (
    WashoutRow("none needed", frozenset({Drug.INTERFERON_BETA, Drug.GLATIRAMER}),
               "S3 Table 3 ✔ interferon-β, glatiramer: no washout"),
    WashoutRow("teriflunomide", frozenset({Drug.TERIFLUNOMIDE}),
               "S3 Table 3 ✔ accelerated elimination 11 days; plasma level <0.02 mg/L",
               teriflunomide_below=0.02),
    WashoutRow("dimethyl fumarate", frozenset({Drug.DIMETHYL_FUMARATE}),
               "S3 Table 3 ✔ lymphocytes >800 cells/µL", lymphocytes_above=0.8),
    WashoutRow("fingolimod", frozenset({Drug.FINGOLIMOD}),
               "S3 Table 3 ✔ 6 weeks; lymphocytes >800 cells/µL",
               wait_weeks=6, lymphocytes_above=0.8),
    WashoutRow("S1P modulator (fingolimod row)", frozenset({Drug.SIPONIMOD, Drug.OZANIMOD, Drug.PONESIMOD}),
               "✱ mapped to the fingolimod row of S3 Table 3", wait_weeks=6,
               lymphocytes_above=0.8, mapped=True),
    WashoutRow("natalizumab", frozenset({Drug.NATALIZUMAB}),
               "S3 Table 3 ✔ 12 weeks after last infusion; Gd-MRI before D1 (D13)",
               wait_weeks=12, gd_mri_required=True),
    WashoutRow("other immunosuppressant", frozenset({Drug.AZATHIOPRINE, Drug.CYCLOPHOSPHAMIDE, Drug.RITUXIMAB}),
               "S3 Table 3 ✔ 3-6 months; lymphocytes >800 and CD4 >200 cells/µL",
               wait_months=3, lymphocytes_above=0.8, cd4_above=200.0),
    WashoutRow("other immunosuppressant (mapped)",
               frozenset({Drug.OCRELIZUMAB, Drug.OFATUMUMAB, Drug.CLADRIBINE, Drug.MITOXANTRONE,
                          Drug.METHOTREXATE, Drug.MYCOPHENOLATE}),
               "✱ mapped to the other-immunosuppressants row of S3 Table 3", wait_months=3,
               lymphocytes_above=0.8, cd4_above=200.0, mapped=True),
)

# Medicines Table W is about; any other "DMT" statement holds with "washout not defined".
WASHOUT_DRUGS: frozenset[Drug] = frozenset().union(*(row.drugs for row in TABLE_W))


def washout_row(drug: Drug) -> WashoutRow | None:
    for row in TABLE_W:
        if drug in row.drugs:
            return row
    return None


@dataclass(frozen=True, slots=True)
class WashoutParams:
    lookback_months: Param[int] = p(12, "R-D1", "✱ washout checked for each DMT last dosed ≤12 months before D1, and always the most recent", "mo")
    lab_validity_days: Param[int] = p(14, "R-D1", "✱ washout labs dated ≤14 days before D1_eff", "d")
    teriflunomide_levels_required: Param[int] = p(1, "R-D2", "S3 one level <0.02 mg/L (D9); Aubagio label ◐ two levels ≥14 days apart")
    teriflunomide_levels_min_gap_days: Param[int] = p(14, "R-D2", "Aubagio label ◐ two levels ≥14 days apart", "d")
    steroid_daily_dose_mg: Param[float] = p(20.0, "R-D3", "S3 Table 2 ✔ prednisone >20 mg/day", "mg/d")
    steroid_duration_days: Param[int] = p(15, "R-D3", "S3 Table 2 ✔ for >15 days", "d")
    steroid_live_wait_months: Param[int] = p(1, "R-D3", "S3 Table 2 ✔ live vaccines ≥1 month after", "mo")
    steroid_bolus_lookback_months: Param[int] = p(3, "R-D3", "S3 Table 2 ✔ bolus in the last 3 months", "mo")
    teriflunomide_elimination_days: Param[int] = p(11, "R-D1", "S3 Table 3 ✔ accelerated elimination 11 days; level due when it ends ✱", "d")
    live_after_s1p_natalizumab_months: Param[int] = p(3, "R-C1", "S3 Table 2 ✔ live vaccines ≥3 months after the last natalizumab/fingolimod dose (S1P modulators mapped ✱)", "mo")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> WashoutParams:
        return cls()


# --------------------------------------------------------------------------------------------
# Family sections. Each rule family owns one section; ``for_profile`` holds its profile
# differences.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectionParams:
    """R-A1..R-A7 (selection, contraindications, consent)."""

    # R-A1: which label's indication applies (D1); set per profile in ``for_profile``.
    indication: Param[ProfileName] = p(
        "eu", "R-A1", "EU SmPC 4.1 after 16 Jan 2020 ✔ (D1)")
    min_age_years: Param[int] = p(
        18, "R-A1", "✱ block <18 y in all profiles (EU adults; US not recommended <17 y; "
        "S3 paediatric safety not established) — §12 N2", "a")
    # EU: highly active despite a full and adequate course of >=1 DMT (✔), or RES.
    eu_min_prior_dmts: Param[int] = p(
        1, "R-A1", "EU SmPC 4.1 ✔ despite a full and adequate course of ≥1 DMT")
    res_lookback_months: Param[int] = p(
        12, "R-A1", "EU SmPC 4.1 ✔ RES: ≥2 disabling relapses in 1 year", "mo")
    res_min_disabling_relapses: Param[int] = p(
        2, "R-A1", "EU SmPC 4.1 ✔ ≥2 disabling relapses in 1 year")
    res_min_gd_lesions: Param[int] = p(
        1, "R-A1", "EU SmPC 4.1 ✔ ≥1 Gd-enhancing lesion (or significant T2-load increase)")
    # US: "generally be reserved" for inadequate response to >=2 drugs -> warn only.
    us_min_prior_dmts: Param[int] = p(
        2, "R-A1", "US PI 1 ✔ generally reserved after inadequate response to ≥2 MS drugs")
    # es2019: S3 Rec 1 clinical or radiological activity; ✱ within 12 months before D1.
    es_activity_lookback_months: Param[int] = p(
        12, "R-A1", "S3 Rec 1 ✔ activity; ✱ relapse or MRI activity in the 12 months before D1",
        "mo")
    es_min_gd_lesions: Param[int] = p(1, "R-A1", "✱ S3 Rec 1 radiological activity: Gd+ ≥1")
    es_min_new_t2_lesions: Param[int] = p(
        1, "R-A1", "✱ S3 Rec 1 radiological activity: new/enlarging T2 ≥1")
    # Courses 3-4: CARE-MS extension criteria after the previous course (R-E3, S3 ✔).
    retreat_min_relapses: Param[int] = p(
        1, "R-A1", "S3 ✔ (R-E3) ≥1 protocol-defined relapse after the previous course")
    retreat_min_new_t2_lesions: Param[int] = p(
        2, "R-A1", "S3 ✔ (R-E3) ≥2 new/enlarging T2 lesions after the previous course")
    retreat_min_gd_lesions: Param[int] = p(
        1, "R-A1", "✱ (R-E3, §12 N1) Gd-enhancing T1 lesions: S3 gives no count, ≥1 chosen")
    # R-A3: the 2020 EU contraindications block in EU mode, warn in US mode (§12 N6 es2019).
    eu_contraindications_block: Param[bool] = p(
        True, "R-A3", "EMA referral 2020 ✔; EU 4.3 ◐; ✱ es2019 too (§12 N6)")
    # R-A3 active infection: US contraindication (✔) at any severity; EU only if severe (◐).
    active_infection_always_blocks: Param[bool] = p(
        False, "R-A3", "EU ◐ severe active infection until complete resolution; S3 ✔ postpone")
    # R-A3 optional BP trigger for uncontrolled hypertension (✱; off by default: attestation).
    bp_trigger_enabled: Param[bool] = p(
        False, "R-A3", "✱ no source defines uncontrolled hypertension; attestation by default")
    bp_systolic_warn: Param[float] = p(140.0, "R-A3", "✱ optional trigger ≥140 mmHg", "mm[Hg]")
    bp_diastolic_warn: Param[float] = p(90.0, "R-A3", "✱ optional trigger ≥90 mmHg", "mm[Hg]")
    rems_required: Param[bool] = p(
        False, "R-A6", "US PI ✔ REMS (US mode only)")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> SelectionParams:
        if profile == "us":
            return cls(
                indication=p("us", "R-A1", "US PI 1 ✔ relapsing forms, adults (D1)"),
                eu_contraindications_block=p(
                    False, "R-A3", "US mode: 2020 EU contraindications are warnings ✱"),
                active_infection_always_blocks=p(
                    True, "R-A3", "US PI 4 ✔ contraindicated in active infection"),
                rems_required=p(True, "R-A6", "US PI ✔ Lemtrada REMS"),
            )
        if profile == "es2019":
            return cls(indication=p("es2019", "R-A1", "S3 Rec 1 ✔ (pre-2020 label) (D1)"))
        return cls()


@dataclass(frozen=True, slots=True)
class ScreeningParams:
    """R-B1..R-B7 (pre-treatment screening)."""

    # R-B1 baseline labs
    lab_validity_days: Param[int] = p(
        30, "R-B1", "✱ baseline labs dated ≤30 days before D1_eff (S3 Rec 13 ✔ gives no window)",
        "d")
    require_upcr: Param[bool] = p(
        False, "R-B1",
        "US ✔ adds urine protein:creatinine ratio; EU/S3 proteinuria screen by dipstick or UPCR")
    # R-B2 pregnancy test
    pregnancy_test_validity_days: Param[int] = p(
        7, "R-B2", "✱ negative pregnancy test ≤7 days before D1_eff (S3 Rec 14 ✔, Fig 5 ✔)", "d")
    hcg_serum_negative_below: Param[float] = p(
        5.0, "R-B2", "✱ serum hCG <5 m[IU]/mL = negative", "m[IU]/mL")
    # R-B3 infection screening
    infection_validity_months: Param[int] = p(
        12, "R-B3", "✱ infection screening ≤12 months before course 1 D1 (S3 Rec 7-8 ✔)", "mo")
    infection_screen_every_course: Param[bool] = p(
        False, "R-B3", "✱ screening before course 1 only, not repeated later unless configured")
    anti_hbs_protective: Param[float] = p(
        10.0, "R-B3", "D10: S3 Table 1 '10 IU/mL' read as 10 mIU/mL; ≥10 = protected", "m[IU]/mL")
    tst_positive_mm: Param[float] = p(
        5.0, "R-B3",
        "✱ TST ≥5 mm positive before immunosuppression (S3 Rec 7: per hospital protocol)",
        "mm")
    isoniazid_tolerance_days: Param[int] = p(
        14, "R-B3",
        "S3 Rec 7 ✔ 2-4 week delay to check isoniazid tolerability; ✱ 14 (14-28), §12 N9",
        "d")
    # R-B4 ECG and chest X-ray
    ecg_validity_days: Param[int] = p(
        30, "R-B4", "✱ ECG ≤30 days before D1_eff (S3 Rec 15 ✔ gives no window)", "d")
    chest_xray_validity_months: Param[int] = p(
        2, "R-B4", "S3 Rec 15 ✔ X-ray in the 2 months before the infusion (asymptomatic)", "mo")
    ecg_cxr_every_course: Param[bool] = p(
        True, "R-B4",
        "✱ S3 Rec 24 'same procedures' for every course (R-E5); EU ◐ ECG before infusion")
    # R-B5 skin examination
    skin_exam_interval_months: Param[int] = p(
        12, "R-B5", "US ✔ baseline and yearly skin exam", "mo")
    # R-B6 Listeria
    listeria_advice_days_before: Param[int] = p(
        14, "R-B6", "S3 Rec 10 ✔ avoid raw/unpasteurised food from 2 weeks before treatment", "d")
    listeria_diet_months_after: Param[int] = p(
        1, "R-B6", "S3 Rec 10 ✔ at least one month after administration (D17)", "mo")
    # R-B7 natalizumab-exposed, pre-course MRI
    natalizumab_mri_validity_days: Param[int] = p(
        30, "R-B7", "Table W ✔ Gd-MRI before D1; ✱ ≤30 days before D1_eff", "d")
    jcv_index_negative_below: Param[float] = p(
        0.2, "R-B7",
        "✱ JCV index <0.20 negative; 0.20-0.40 indeterminate counts as positive, like unknown",
        "{index}")
    post_course_mri_months: Param[tuple[int, ...]] = p(
        (6, 12), "R-B7", "S3 Table 3 ✔ Gd-MRI 6 and 12 months after alemtuzumab (natalizumab JCV+)",
        "mo")
    post_course_mri_tolerance_days: Param[int] = p(
        30, "R-B7", "✱ a scan up to 30 days before a 6/12-month slot fills it", "d")
    pre_course_mri_months: Param[int | None] = p(
        3, "R-B7",
        "EU ◐ brain MRI before each (re-)administration for PML signs; ✱ ≤3 months before D1", "mo")
    pre_course_mri_all_patients: Param[bool] = p(
        True, "R-B7", "EU ◐ wording is not limited to natalizumab-exposed patients ✱")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> ScreeningParams:
        if profile == "us":
            return cls(
                require_upcr=p(True, "R-B1", "US ✔ urine protein:creatinine ratio at baseline"),
                pre_course_mri_months=p(None, "R-B7", "US: no pre-course MRI for every patient"),
            )
        if profile == "es2019":
            return cls(pre_course_mri_months=p(
                None, "R-B7", "S3 (pre-2020 label): Gd-MRI only after natalizumab (Table 3)"))
        return cls()


@dataclass(frozen=True, slots=True)
class VaccinationParams:
    """R-C1..R-C6 (vaccination, Tables V1/V2)."""

    live_vaccine_gap_days: Param[int] = p(42, "R-C3", "S3 Table 2 ✔, Fig 5 ✔ live vaccines complete ≥6 weeks before D1; EU ◐; US ◐", "d")
    inactivated_gap_days: Param[int] = p(42, "R-C4", "S3 Table 2 ✔ no minimum interval vs EU/US ◐ 6 weeks (D2)", "d")
    inactivated_outcome: Param[Literal["warn", "hold"]] = p("warn", "R-C4", "S3 Table 2 ✔ warn only; EU/US ◐ hold selectable (D2)")
    live_spacing_days: Param[int] = p(28, "R-C1", "S3 Table 1 note c ✔ live vaccines together or ≥4 weeks apart", "d")
    # Table V1 schedules: months from dose 1 (S3 Table 1 ✔).
    influenza_campaign_months: Param[tuple[int, ...]] = p((10, 11, 12), "R-C1", "S3 Table 1 ✔ campaign October-December; due each 1 October ✱")
    pcv13_months: Param[tuple[int, ...]] = p((0,), "R-C1", "S3 Table 1 ✔ 1 dose")
    ppsv23_after_pcv13_months: Param[int] = p(2, "R-C1", "S3 Table 1 ✔ ≥2 months after PCV13", "mo")
    ppsv23_booster_months: Param[int] = p(60, "R-C1", "S3 Table 1 ✔ booster at 5 years", "mo")
    hepatitis_b_months: Param[tuple[int, ...]] = p((0, 1, 2, 6), "R-C1", "S3 Table 1 ✔ 0-1-2-6 months")
    hepatitis_a_months: Param[tuple[int, ...]] = p((0, 6), "R-C1", "S3 Table 1 ✔ 0-6 months")
    tetanus_primary_months: Param[tuple[int, ...]] = p((0, 1, 6), "R-C1", "S3 Table 1 ✔ 0-1-6 (or 0-1-12) months")
    tetanus_booster_months: Param[int] = p(120, "R-C1", "S3 Table 1 ✔ boosters 10 years apart", "mo")
    tetanus_max_doses: Param[int] = p(5, "R-C1", "S3 Table 1 ✔ primary 3 doses + 2 boosters")
    hpv_months: Param[tuple[int, ...]] = p((0, 1, 6), "R-C1", "S3 Table 1 ✔ 0-1-6 (or 0-2-6) months")
    hpv_max_age: Param[int] = p(26, "R-C1", "S3 Table 1 note b ✔ preferably women <26 years", "a")
    varicella_months: Param[tuple[int, ...]] = p((0, 1), "R-C1", "S3 Table 1 ✔ 0-1 month")
    mmr_months: Param[tuple[int, ...]] = p((0, 1), "R-C1", "S3 Table 1 ✔ 0-1 month")
    # R-C2 (S3 Table 1 notes a, d ✔; D10).
    anti_hbs_protective: Param[float] = p(10.0, "R-C2", "S3 Table 1 note d ✔; ≥10 m[IU]/mL protected (D10)", "m[IU]/mL")
    anti_hbs_retest_months: Param[int] = p(1, "R-C2", "S3 Table 1 note d ✔ one month after the last dose", "mo")
    hbv_revaccination_doses: Param[int] = p(3, "R-C2", "S3 Table 1 note d ✔ three additional doses at monthly intervals")
    hbv_revaccination_interval_months: Param[int] = p(1, "R-C2", "S3 Table 1 note d ✔ monthly", "mo")
    # R-C5 (S3 Table 2 note b ✔; all profiles ✱ N8).
    live_after_course_months: Param[int] = p(6, "R-C5", "S3 Table 2 note b ✔ 6 months after the course", "mo")
    live_cd4_above: Param[float] = p(200.0, "R-C5", "S3 Table 2 note b ✔ CD4 >200 cells/µL", "/uL")
    live_cd4_recheck_months: Param[int] = p(3, "R-C5", "✱ CD4 ≤200 after 6 months: recheck in 3 months", "mo")
    live_after_course_alert_days: Param[int] = p(42, "R-C5", "✱ urgent finding for 6 weeks after an early live dose (vaccine-strain infection window)", "d")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> VaccinationParams:
        return cls()


@dataclass(frozen=True, slots=True)
class CourseParams:
    """R-E1..R-E15, R-G0 (courses, premedication, prophylaxis, infusion, course-start gate)."""

    interval_months: Param[int] = p(12, "R-E2", "S3 Rec 23 ✔; EU ✔ 12 months after the initial course; anchor last infusion ✱ (D11)", "mo")
    # R-E2/R-E3 (b): systemic immune reconstitution before a further course (D5, §12 N11).
    cd4_above: Param[float] = p(200.0, "R-E2", "S3 Rec 23 ✔ CD4 >200 cells/µL; ✱ also courses 3-4 (R-E3, D5)", "/uL")
    cd4_validity_days: Param[int] = p(30, "R-E2", "✱ CD4 dated ≤30 days before D1_eff", "d")
    cd4_recheck_months: Param[int] = p(1, "R-E2", "✱ recheck CD4 1 month after a result ≤200", "mo")
    # R-E4: US has no maximum (core.max_courses None); warn above the courses studied ✱.
    us_warn_above_courses: Param[int] = p(4, "R-E4", "✱ US no stated maximum: warn beyond the 4 courses of the EU label/S3", "courses")
    # Table P (S3 Fig 3 ✔) and the label scheme (EU ✔, US ✔, KC ✔) - D3.
    premedication_regimen: Param[str] = p("es2019", "R-G0", "D3: S3 Fig 3 table by default (site setting); 'label' = 1000 mg methylprednisolone D1-3")
    paracetamol_mg: Param[int] = p(1000, "R-G0", "S3 Fig 3 ✔ paracetamol 1 g oral/IV", "mg")
    dexchlorpheniramine_mg: Param[int] = p(5, "R-G0", "S3 Fig 3 ✔ dexchlorpheniramine 5 mg oral/IV", "mg")
    antipyretic_lead_min: Param[int] = p(120, "R-G0", "S3 Fig 3 ✔ approx. 120 minutes before alemtuzumab", "min")
    steroid_lead_min: Param[int] = p(90, "R-G0", "S3 Fig 3 ✔ methylprednisolone 90 minutes before alemtuzumab", "min")
    label_steroid_lead_min: Param[int] = p(60, "R-G0", "EU ✔/US ✔ 'immediately prior'; ✱ started 60 min before so that it ends as alemtuzumab starts", "min")
    methylprednisolone_course1_mg: Param[tuple[int, ...]] = p((1000, 1000, 500, 250, 250), "R-G0", "S3 Fig 3 ✔ course 1: D1-2 1000 mg, D3 500 mg, D4-5 250 mg", "mg")
    methylprednisolone_later_mg: Param[tuple[int, ...]] = p((750, 500, 250), "R-G0", "S3 Fig 3 ✔ course 2: 750/500/250 mg; ✱ courses 3-4 same (Rec 24)", "mg")
    label_methylprednisolone_mg: Param[int] = p(1000, "R-G0", "EU ✔, US ✔, KC ✔ 1000 mg on the first 3 days of each course", "mg")
    label_steroid_days: Param[int] = p(3, "R-G0", "EU ✔, US ✔ first 3 days of each course", "d")
    pantoprazole_mg: Param[int] = p(40, "R-G0", "S3 Fig 3 ✔ pantoprazole 40 mg/24 h", "mg")
    # R-E7 herpes prophylaxis (D4).
    aciclovir_mg: Param[int] = p(200, "R-E7", "S3 Rec 9 ✔ aciclovir 200 mg every 12 h", "mg")
    aciclovir_every_h: Param[int] = p(12, "R-E7", "S3 Rec 9 ✔ every 12 hours", "h")
    valaciclovir_mg: Param[int] = p(500, "R-E7", "S3 Rec 9 ✔ valaciclovir 500 mg/day", "mg")
    herpes_rule: Param[str] = p("eu", "R-E7", "D4: eu = later of S3 4 weeks and EU ◐ 1 month after the last infusion")
    herpes_min_days: Param[int] = p(28, "R-E7", "S3 Rec 9/Fig 5 ✔ at least 4 weeks from D1; KC ✔ 28 days", "d")
    herpes_eu_months: Param[int] = p(1, "R-E7", "EU ◐ ≥1 month after the course", "mo")
    herpes_us_months: Param[int] = p(2, "R-E7", "US ✔ ≥2 months after the course or until CD4 ≥200, whichever later", "mo")
    herpes_us_cd4_at_least: Param[float] = p(200.0, "R-E7", "US ✔ CD4 ≥200 cells/µL", "/uL")
    # Table I (S3 Fig 3 ✔, pairing reconstructed): (minutes, mL/h) per step; 100 mL in 306 min.
    rate_steps: Param[tuple[tuple[int, float], ...]] = p(((30, 5.0), (30, 10.0), (30, 15.0), (60, 20.0), (156, 25.0)), "R-E9", "S3 Fig 3 ✔ proposed perfusion rate", "min, mL/h")
    bag_volume_ml: Param[float] = p(100.0, "R-E9", "S3 Fig 3 ✔ 100 mL (the 1.2 mL of drug is ignored, as in the figure)", "mL")
    min_duration_min: Param[int] = p(240, "R-E9", "S3 Rec 18 ✔ not shorter than 4 hours", "min")
    max_duration_min: Param[int] = p(480, "R-E9", "S3 Rec 18 ✔ not longer than 8 hours", "min")
    resume_rate_fraction: Param[float] = p(0.5, "R-E15", "S3 Fig 3 ✔ resume at 50 % of the rate at which it was stopped", "")
    observation_min: Param[int] = p(120, "R-E10", "S3 Rec 18 ✔; US ✔ 2 h after the end of infusion; EU ◐ ≥2 h", "min")
    vitals_every_min: Param[int] = p(60, "R-E11", "S3 Rec 19 ✔ every hour during infusion and the 2-h observation", "min")
    vitals_max_gap_min: Param[int] = p(75, "R-E11", "✱ a gap >75 min between vital-sign sets", "min")
    vitals_skip_before_end_min: Param[int] = p(15, "R-E11", "✱ plan: an hourly set ≤15 min before the end merges with the end-of-infusion set", "min")
    # Infusion-record findings (R-E1, R-E9, R-E11, R-E15) and R-E13 are current for 30 days ✱.
    infusion_record_days: Param[int] = p(30, "R-E15", "✱ infusion-day findings are reported for 30 days after the infusion", "d")
    late_event_days: Param[int] = p(30, "R-E13", "✱ stroke, dissection, MI, alveolar haemorrhage ≤30 days after an infusion (US ✔ mostly within 1-3 days)", "d")
    fever_hold_c: Param[float] = p(38.0, "R-G0", "✱ temperature ≥38.0 °C on an infusion day holds the infusion", "Cel")
    # The plan's Listeria, contraception, breastfeeding and live-vaccine windows use the
    # screening (R-B6), special (R-S1, R-S3) and vaccination (R-C5) sections.

    @classmethod
    def for_profile(cls, profile: ProfileName) -> CourseParams:
        if profile == "us":
            return cls(
                premedication_regimen=p("label", "R-G0", "US ✔ 1000 mg methylprednisolone or equivalent immediately prior, first 3 days (D3)"),
                herpes_rule=p("us", "R-E7", "US ✔ ≥2 months after the course or until CD4 ≥200, whichever later (D4)"),
            )
        if profile == "es2019":
            return cls(herpes_rule=p("es2019", "R-E7", "S3 Rec 9 ✔ aciclovir from D1 for at least 4 weeks (D4)"))
        return cls()


@dataclass(frozen=True, slots=True)
class MonitoringParams:
    """R-M1..R-M3 (Table M schedule and adherence)."""

    # Table M monthly items; LFT monthly with the CBC draw (D6 ✱ default; US "periodic").
    monthly_items: Param[tuple[str, ...]] = p(
        ("cbc", "creatinine", "urinalysis", "lft", "symptom-checklist"),
        "R-M1",
        "Table M: EU ◐, US ✔, S3 ✔ monthly; LFT D6 ✱; checklist S3 Rec 21 ✔",
    )
    tsh_every_months: Param[int] = p(3, "R-M1", "Table M: S3 ✔ quarterly; US ✔; EU ◐ (D14)", "mo")
    slot_fill_days_before: Param[int] = p(
        7,
        "R-M1",
        "✱ a result fills slot k if dated in [d_k - 7, d_next - 7)",
        "d",
    )
    overdue_warn_days: Param[int] = p(14, "R-M1", "✱ as_of - due > 14 days → warn", "d")
    overdue_urgent_days: Param[int] = p(
        31,
        "R-M1",
        "✱ as_of - due > 31 days → urgent (fatal unrecognised ITP: US ✔, S4 ✔)",
        "d",
    )

    @classmethod
    def for_profile(cls, profile: ProfileName) -> MonitoringParams:
        return cls()


@dataclass(frozen=True, slots=True)
class HaematologyRenalParams:
    """R-H1..R-H11 and R-N1..R-N5."""

    # ---- ITP / cytopenias (platelets in 10*3/uL = 10^9/L) ----
    platelets_normal: Param[float] = p(
        150.0,
        "R-H1",
        "§7b R-H1: p ≥150 normal (BE-ITP ◐)",
        "10*3/uL",
    )
    platelets_fall_check_from: Param[float] = p(
        100.0,
        "R-H2",
        "BE-ITP Fig 3 ✔: fall checked when p ≥100",
        "10*3/uL",
    )
    platelets_fall_fraction: Param[float] = p(
        0.5,
        "R-H2",
        "BE-ITP Fig 3 ✔: p ≤ 0.5 × previous (fall ≥50 %); §12 N7",
        "ratio",
    )
    platelets_itp: Param[float] = p(
        100.0,
        "R-H4",
        "EU ◐; BE-ITP ◐; DEV ◐: p <100 suspected ITP",
        "10*3/uL",
    )
    platelets_critical: Param[float] = p(30.0, "R-H5", "ASH ◐: PLT <30 treat; BE-ITP ◐", "10*3/uL")
    mild_repeat_days: Param[int] = p(7, "R-H3", "✱ new 100-149: repeat CBC within 7 days", "d")
    infusion_fall_months: Param[int] = p(
        2,
        "R-H6",
        "RAN ✔ transient thrombocytopenia D1 to 2 months after the last infusion",
        "mo",
    )
    anc_critical: Param[float] = p(0.5, "R-H7", "CTCAE ◐ grade 4 ANC <0.5", "10*3/uL")
    anc_urgent: Param[float] = p(1.0, "R-H7", "CTCAE ◐ grade 3 ANC <1.0", "10*3/uL")
    hb_urgent: Param[float] = p(8.0, "R-H8", "✱ Hb <8 g/dL urgent (CTCAE ◐ grade 3)", "g/dL")
    hb_warn: Param[float] = p(10.0, "R-H8", "✱ Hb <10 g/dL warn", "g/dL")
    hb_fall: Param[float] = p(2.0, "R-H8", "✱ fall ≥2 g/dL vs baseline", "g/dL")
    ttp_platelets: Param[float] = p(
        150.0,
        "R-H10",
        "✱ TTP suspicion when p <150 with haemolysis; US ✔ TTP",
        "10*3/uL",
    )
    # ---- Nephropathies ----
    creatinine_rise: Param[float] = p(
        0.30,
        "R-N1",
        "✱ rise ≥30 % vs baseline (D16; BE-REN/DEV numbers not retrievable)",
        "ratio",
    )
    creatinine_repeat_days: Param[int] = p(
        7,
        "R-N2",
        "✱ repeat creatinine + urinalysis within 7 days",
        "d",
    )
    urine_rbc_hpf: Param[float] = p(3.0, "R-N3", "AUA ◐ microhaematuria ≥3 RBC/HPF", "/[HPF]")
    urine_rbc_count_uln: Param[float] = p(
        25.0,
        "R-N3",
        "✱ default automated urine RBC ULN when the lab gives none",
        "/uL",
    )
    dipstick_positive_grade: Param[int] = p(
        1,
        "R-N3",
        "§7b dipstick ≥1+ (trace = negative)",
        "{grade}",
    )
    haematuria_repeat_days: Param[int] = p(7, "R-N3", "✱ repeat urinalysis within 7 days", "d")
    haematuria_explained_repeat_days: Param[int] = p(
        14,
        "R-N3",
        "✱ repeat after menses/UTI treatment ≤14 days",
        "d",
    )
    upcr_mg_g: Param[float] = p(150.0, "R-N4", "KDIGO ◐ UPCR upper normal 150 mg/g", "mg/g{creat}")
    upcr_mg_mmol: Param[float] = p(
        15.0,
        "R-N4",
        "KDIGO ◐ UPCR upper normal 15 mg/mmol (compared in the reported unit, §1 Units)",
        "mg/mmol",
    )
    protein_24h_g: Param[float] = p(0.15, "R-N4", "✱ 24-h urine protein ≥0.15 g", "g/(24.h)")
    proteinuria_quantify_days: Param[int] = p(7, "R-N4", "✱ quantify UPCR within 7 days", "d")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> HaematologyRenalParams:
        return cls()


@dataclass(frozen=True, slots=True)
class OrganParams:
    """R-T1..R-T7, R-L1..R-L3, R-X1..R-X2, R-I1..R-I3."""

    coded_symptom_days: Param[int] = p(
        31,
        "R-X2",
        "✱ a coded symptom observation counts for 31 days (a Condition counts while active)",
        "d",
    )
    # Thyroid
    trab_uln: Param[float] = p(
        1.75,
        "R-T3",
        "✱ TRAb ULN when the lab gives no reference range (common immunoassay cut-off ◐)",
        "[IU]/L",
    )
    pregnancy_tft_interval_months: Param[int] = p(
        3,
        "R-T5",
        "✱ TRAb + TFTs each trimester (US ✔ thyroid disease risk in pregnancy)",
        "mo",
    )
    checklist_tsh_days: Param[int] = p(
        7,
        "R-T7",
        "✱ unscheduled TSH within 7 days of a Fig 4 thyroid 'yes'",
        "d",
    )
    # Liver (DILI ◐ thresholds)
    lft_mild_repeat_days: Param[int] = p(14, "R-L1", "✱ repeat LFT in 2-4 weeks", "d")
    lft_severe_repeat_days: Param[int] = p(3, "R-L2", "✱ repeat LFT within 48-72 h (DILI ◐)", "d")
    transaminase_uln_multiple: Param[float] = p(3.0, "R-L2", "DILI ◐ ALT/AST >3×ULN", "×ULN")
    bilirubin_uln_multiple: Param[float] = p(2.0, "R-L2", "DILI ◐ total bilirubin >2×ULN", "×ULN")
    # HLH (HLH04 ◐)
    hlh_fever_celsius: Param[float] = p(
        38.5,
        "R-X1",
        "HLH04 ◐ fever ≥38.5 °C; ✱ configurable to 38.0",
        "Cel",
    )
    hlh2004_fever_celsius: Param[float] = p(
        38.5,
        "R-X1",
        "HLH04 ◐ the HLH-2004 fever criterion is a measured ≥38.5 °C (display count)",
        "Cel",
    )
    hlh_lookback_days: Param[int] = p(
        31,
        "R-X1",
        "✱ a fever counts for HLH while ≤31 days old",
        "d",
    )
    hlh_min_criteria: Param[int] = p(
        2,
        "R-X1",
        "✱ fever plus any two concurrent criteria (do not wait for 5/8)",
    )
    hlh_ferritin: Param[float] = p(500.0, "R-X1", "HLH04 ◐ ferritin ≥500 µg/L", "ng/mL")
    hlh_haemoglobin_below: Param[float] = p(9.0, "R-X1", "HLH04 ◐ Hb <9 g/dL", "g/dL")
    hlh_platelets_below: Param[float] = p(100.0, "R-X1", "HLH04 ◐ PLT <100 ×10^9/L", "10*3/uL")
    hlh_neutrophils_below: Param[float] = p(1.0, "R-X1", "HLH04 ◐ ANC <1.0 ×10^9/L", "10*3/uL")
    hlh_triglycerides_mg_dl: Param[float] = p(
        265.0,
        "R-X1",
        "HLH04 ◐ fasting TG ≥265 mg/dL",
        "mg/dL",
    )
    hlh_triglycerides_mmol_l: Param[float] = p(
        3.0,
        "R-X1",
        "HLH04 ◐ fasting TG ≥3.0 mmol/L (compared in the reported unit, §1 Units)",
        "mmol/L",
    )
    hlh_fibrinogen: Param[float] = p(150.0, "R-X1", "HLH04 ◐ fibrinogen ≤1.5 g/L", "mg/dL")
    hlh_scd25: Param[float] = p(2400.0, "R-X1", "HLH04 ◐ sCD25 ≥2400 U/mL", "U/mL")
    # Infections
    infection_fever_celsius: Param[float] = p(38.0, "R-I1", "✱ temperature ≥38.0 °C", "Cel")
    infection_fever_days: Param[int] = p(
        7,
        "R-I1",
        "✱ temperature measured ≤7 days before as_of",
        "d",
    )
    listeria_from_days: Param[int] = p(
        3,
        "R-I1",
        "US ✔ Listeria risk from 3 days after dosing",
        "d",
    )
    listeria_until_months: Param[int] = p(
        8,
        "R-I1",
        "US ✔ Listeria risk to 8 months after dosing",
        "mo",
    )
    hpv_interval_months: Param[int] = p(12, "R-I3", "S3 Rec 22 ✔ annual; US ✔ annual", "mo")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> OrganParams:
        return cls()


@dataclass(frozen=True, slots=True)
class SpecialParams:
    """R-S1..R-S5 (contraception, pregnancy, breastfeeding, surgery)."""

    contraception_months: Param[int] = p(
        4, "R-S1", "S3 Rec 14, 27 ✔ 4 months after the course; EU ◐; US ✔", "mo")
    breastfeeding_months: Param[int] = p(
        4, "R-S3", "S3 Rec 28 ✔ 4 months after the last infusion of each course; EU ◐; "
        "US ◐ benefit/risk (D8)", "mo")
    # Pregnancy status from hCG (R-B2 thresholds ✱): serum >=25 positive, <5 negative,
    # 5-25 inconclusive (neither).
    hcg_serum_positive_from: Param[float] = p(
        25.0, "R-S2", "✱ serum hCG ≥25 m[IU]/mL positive (R-B2)", "m[IU]/mL")
    hcg_serum_negative_below: Param[float] = p(
        5.0, "R-S2", "✱ serum hCG <5 m[IU]/mL negative (R-B2)", "m[IU]/mL")
    # ✱ A positive test or status with nothing newer is taken as an ongoing pregnancy for
    # 40 weeks (R-S1 finding); R-S2 holds until a later negative test/status regardless.
    pregnancy_assumed_days: Param[int] = p(
        280, "R-S1", "✱ positive pregnancy evidence counts as current for 40 weeks", "d")
    # R-S4: systemic immune reconstitution = CD4 >200 cells/uL (S3 Rec 23 definition, ✱).
    surgery_cd4_above: Param[float] = p(
        200.0, "R-S4", "S3 Rec 29 ✔ delay until immune reconstitution; ✱ CD4 >200 (Rec 23)",
        "/uL")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> SpecialParams:
        return cls()


@dataclass(frozen=True, slots=True)
class Parameters:
    profile: ProfileName = "eu"
    core: CoreParams = field(default_factory=CoreParams)
    washout: WashoutParams = field(default_factory=WashoutParams)
    selection: SelectionParams = field(default_factory=SelectionParams)
    screening: ScreeningParams = field(default_factory=ScreeningParams)
    vaccination: VaccinationParams = field(default_factory=VaccinationParams)
    course: CourseParams = field(default_factory=CourseParams)
    monitoring: MonitoringParams = field(default_factory=MonitoringParams)
    haem_renal: HaematologyRenalParams = field(default_factory=HaematologyRenalParams)
    organ: OrganParams = field(default_factory=OrganParams)
    special: SpecialParams = field(default_factory=SpecialParams)

    @property
    def eu_mode(self) -> bool:
        """"EU mode" = ``eu`` + ``es2019`` (§1 Profiles)."""
        return self.profile in ("eu", "es2019")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> Parameters:
        return cls(
            profile=profile,
            core=CoreParams.for_profile(profile),
            washout=WashoutParams.for_profile(profile),
            selection=SelectionParams.for_profile(profile),
            screening=ScreeningParams.for_profile(profile),
            vaccination=VaccinationParams.for_profile(profile),
            course=CourseParams.for_profile(profile),
            monitoring=MonitoringParams.for_profile(profile),
            haem_renal=HaematologyRenalParams.for_profile(profile),
            organ=OrganParams.for_profile(profile),
            special=SpecialParams.for_profile(profile),
        )


PROFILES: dict[ProfileName, Parameters] = {name: Parameters.for_profile(name) for name in PROFILE_NAMES}
