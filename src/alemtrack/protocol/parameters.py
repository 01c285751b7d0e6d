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

    @classmethod
    def for_profile(cls, profile: ProfileName) -> SelectionParams:
        return cls()


@dataclass(frozen=True, slots=True)
class ScreeningParams:
    """R-B1..R-B7 (pre-treatment screening)."""

    @classmethod
    def for_profile(cls, profile: ProfileName) -> ScreeningParams:
        return cls()


@dataclass(frozen=True, slots=True)
class VaccinationParams:
    """R-C1..R-C6 (vaccination, Tables V1/V2)."""

    live_vaccine_gap_days: Param[int] = p(42, "R-C3", "S3 Table 2 ✔, Fig 5 ✔ live vaccines complete ≥6 weeks before D1; EU ◐; US ◐", "d")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> VaccinationParams:
        return cls()


@dataclass(frozen=True, slots=True)
class CourseParams:
    """R-E1..R-E15, R-G0 (courses, premedication, prophylaxis, infusion, course-start gate)."""

    interval_months: Param[int] = p(12, "R-E2", "S3 Rec 23 ✔; EU ✔ 12 months after the initial course; anchor last infusion ✱ (D11)", "mo")

    @classmethod
    def for_profile(cls, profile: ProfileName) -> CourseParams:
        return cls()


@dataclass(frozen=True, slots=True)
class MonitoringParams:
    """R-M1..R-M3 (Table M schedule and adherence)."""

    @classmethod
    def for_profile(cls, profile: ProfileName) -> MonitoringParams:
        return cls()


@dataclass(frozen=True, slots=True)
class HaematologyRenalParams:
    """R-H1..R-H11 and R-N1..R-N5."""

    @classmethod
    def for_profile(cls, profile: ProfileName) -> HaematologyRenalParams:
        return cls()


@dataclass(frozen=True, slots=True)
class OrganParams:
    """R-T1..R-T7, R-L1..R-L3, R-X1..R-X2, R-I1..R-I3."""

    @classmethod
    def for_profile(cls, profile: ProfileName) -> OrganParams:
        return cls()


@dataclass(frozen=True, slots=True)
class SpecialParams:
    """R-S1..R-S5 (contraception, pregnancy, breastfeeding, surgery)."""

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
