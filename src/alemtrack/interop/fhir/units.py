"""UCUM unit handling: spelling clean-up, conversion to each analyte's canonical unit, bounds.

Commensurable conversions (prefixes, ``10*9/L`` <-> ``10*3/uL``, ``g/L`` -> ``mg/dL``) go through
``ucumvert`` (a UCUM grammar on top of pint). Conversions that need a molar mass or a convention
are explicit factors below (clinical-rules.md §1 Units). Dimensionless and arbitrary canonical
units ({ordinal}, {index}, mg/g{creat}, %, mL/min/{1.73_m2}) are never handed to pint, because
pint drops UCUM annotations and would happily turn "%" into mg/g.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from alemtrack.protocol.facts import ANALYTE_UNITS, Analyte

__all__ = [
    "PLAUSIBLE",
    "UnitProblem",
    "canonical_spelling",
    "convert",
    "is_plausible",
]


class UnitProblem(ValueError):
    """A unit that cannot be converted to the analyte's unit (message says why)."""


# Non-UCUM spellings seen in lab feeds -> UCUM. Keys are lower-case, spaces removed; a lookup
# is tried after an exact UCUM parse fails or when the spelling is only a case variant.
_ALIASES: dict[str, str] = {
    "x10*9/l": "10*9/L",
    "x10^9/l": "10*9/L",
    "10^9/l": "10*9/L",
    "10e9/l": "10*9/L",
    "x10e9/l": "10*9/L",
    "10*9/l": "10*9/L",
    "giga/l": "10*9/L",
    "g/l(cells)": "10*9/L",
    "x10*3/ul": "10*3/uL",
    "x10^3/ul": "10*3/uL",
    "10^3/ul": "10*3/uL",
    "10e3/ul": "10*3/uL",
    "10*3/ul": "10*3/uL",
    "k/ul": "10*3/uL",
    "thou/ul": "10*3/uL",
    "x10*3/mm3": "10*3/uL",
    "10^3/mm3": "10*3/uL",
    "x10*12/l": "10*12/L",
    "cells/ul": "/uL",
    "{cells}/ul": "/uL",
    "cells/µl": "/uL",
    "cells/mm3": "/uL",
    "/mm3": "/uL",
    "/ul": "/uL",
    "/µl": "/uL",
    "mg/dl": "mg/dL",
    "g/dl": "g/dL",
    "g/l": "g/L",
    "mg/l": "mg/L",
    "ng/dl": "ng/dL",
    "ng/ml": "ng/mL",
    "pg/ml": "pg/mL",
    "ug/l": "ug/L",
    "µg/l": "ug/L",
    "mcg/l": "ug/L",
    "ug/ml": "ug/mL",
    "µg/ml": "ug/mL",
    "mcg/ml": "ug/mL",
    "ug/dl": "ug/dL",
    "µg/dl": "ug/dL",
    "mcg/dl": "ug/dL",
    "umol/l": "umol/L",
    "µmol/l": "umol/L",
    "mmol/l": "mmol/L",
    "pmol/l": "pmol/L",
    "nmol/l": "nmol/L",
    "u/l": "U/L",
    "iu/l": "[IU]/L",
    "ui/l": "[IU]/L",
    "u/ml": "U/mL",
    "iu/ml": "[IU]/mL",
    "ui/ml": "[IU]/mL",
    "miu/l": "m[IU]/L",
    "mu/l": "m[IU]/L",
    "miu/ml": "m[IU]/mL",
    "mui/ml": "m[IU]/mL",
    "uiu/ml": "u[IU]/mL",
    "µiu/ml": "u[IU]/mL",
    "μiu/ml": "u[IU]/mL",
    "iu/dl": "[IU]/dL",
    "sec": "s",
    "secs": "s",
    "seconds": "s",
    "mmhg": "mm[Hg]",
    "bpm": "/min",
    "beats/min": "/min",
    "{beats}/min": "/min",
    "/min": "/min",
    "°c": "Cel",
    "ºc": "Cel",
    "c": "Cel",
    "degc": "Cel",
    "cel": "Cel",
    "°f": "[degF]",
    "ºf": "[degF]",
    "f": "[degF]",
    "degf": "[degF]",
    "[degf]": "[degF]",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m^2": "mL/min/{1.73_m2}",
    "ml/min/1.73": "mL/min/{1.73_m2}",
    "ml/min/{1.73_m2}": "mL/min/{1.73_m2}",
    "ml/min/1.73_m2": "mL/min/{1.73_m2}",
    "ml/min": "mL/min",
    "/hpf": "/[HPF]",
    "rbc/hpf": "/[HPF]",
    "cells/hpf": "/[HPF]",
    "/[hpf]": "/[HPF]",
    "{rbcs}/[hpf]": "/[HPF]",
    "g/24h": "g/(24.h)",
    "g/24.h": "g/(24.h)",
    "g/(24.h)": "g/(24.h)",
    "g/d": "g/d",
    "g/day": "g/d",
    "mg/24h": "mg/(24.h)",
    "mg/(24.h)": "mg/(24.h)",
    "mg/d": "mg/d",
    "mg/day": "mg/d",
    "copies/ml": "[copies]/mL",
    "{copies}/ml": "[copies]/mL",
    "[copies]/ml": "[copies]/mL",
    "index": "{index}",
    "{index}": "{index}",
    "{index_val}": "{index}",
    "mg/g": "mg/g",
    "mg/g{creat}": "mg/g{creat}",
    "mg/gcreat": "mg/g{creat}",
    "mg/mmol": "mg/mmol",
    "mg/mmol{creat}": "mg/mmol",
    "g/g": "g/g",
    "g/g{creat}": "g/g",
    "mg/mg": "mg/mg",
    "mg/mg{creat}": "mg/mg",
    "%": "%",
    "s": "s",
    "mm": "mm",
    "mg": "mg",
    "g": "g",
    "ug": "ug",
    "mcg": "ug",
    "{ordinal}": "{ordinal}",
    "{score}": "{score}",
    "ml/h": "mL/h",
    "ml/hr": "mL/h",
    "[arb'u]/ml": "[arb'U]/mL",
    "au/ml": "[arb'U]/mL",
    "u/ml(arb)": "[arb'U]/mL",
    "/l": "/L",
}


def canonical_spelling(unit: str) -> str:
    """The UCUM spelling of ``unit``: known aliases and case variants become UCUM; anything
    else is returned unchanged (and then parsed as UCUM, or rejected)."""
    stripped = unit.strip()
    key = re.sub(r"\s+", "", stripped).lower()
    key = key.replace("μ", "µ")
    return _ALIASES.get(key, stripped)


# Explicit conversions: (analyte, UCUM unit) -> factor to the canonical unit. These need a
# molar mass or a convention that UCUM does not carry (clinical-rules.md §1 Units).
_CREAT_MG_PER_UMOL = 1 / 88.42
_FACTORS: dict[tuple[Analyte, str], float] = {
    (Analyte.CREATININE, "umol/L"): _CREAT_MG_PER_UMOL,
    (Analyte.CREATININE, "mmol/L"): 1000 * _CREAT_MG_PER_UMOL,
    (Analyte.URINE_CREATININE, "umol/L"): _CREAT_MG_PER_UMOL,
    (Analyte.URINE_CREATININE, "mmol/L"): 1000 * _CREAT_MG_PER_UMOL,
    # ✱ Hb monomer convention (16.11 g/mmol): 1 mmol/L = 1.611 g/dL.
    (Analyte.HAEMOGLOBIN, "mmol/L"): 1.611,
    (Analyte.BILIRUBIN, "umol/L"): 1 / 17.1,
    (Analyte.BILIRUBIN, "mmol/L"): 1000 / 17.1,
    (Analyte.TRIGLYCERIDES, "mmol/L"): 88.57,
    (Analyte.FT4, "pmol/L"): 1 / 12.87,
    # ◐ FT3 1 pg/mL = 1.536 pmol/L.
    (Analyte.FT3, "pmol/L"): 1 / 1.536,
    (Analyte.UPCR, "mg/g"): 1.0,
    (Analyte.UPCR, "mg/mmol"): 8.84,
    (Analyte.UPCR, "g/g"): 1000.0,
    (Analyte.UPCR, "mg/mg"): 1000.0,
    (Analyte.UPCR, "g/mmol"): 8840.0,
    # ✱ enzyme activity: the IU of enzymology is the U (1 umol/min).
    (Analyte.ALT, "[IU]/L"): 1.0,
    (Analyte.AST, "[IU]/L"): 1.0,
    (Analyte.LDH, "[IU]/L"): 1.0,
    (Analyte.FACTOR_VIII, "[IU]/dL"): 1.0,
    (Analyte.FACTOR_VIII, "[IU]/mL"): 100.0,
    # ✱ eGFR reported as plain mL/min under an eGFR LOINC is already per 1.73 m2.
    (Analyte.EGFR, "mL/min"): 1.0,
    (Analyte.URINE_PROTEIN_24H, "g/d"): 1.0,
    (Analyte.URINE_PROTEIN_24H, "mg/d"): 0.001,
    (Analyte.URINE_PROTEIN_24H, "mg/(24.h)"): 0.001,
    (Analyte.URINE_RBC_HPF, "{rbc}/[HPF]"): 1.0,
    (Analyte.JCV_ANTIBODY, "{index}"): 1.0,
    (Analyte.JCV_ANTIBODY, "1"): 1.0,
    (Analyte.TST, "mm"): 1.0,
    (Analyte.TST, "cm"): 10.0,
}

# Canonical units that pint must not see (annotations / arbitrary / dimensionless).
_NO_PINT: frozenset[str] = frozenset({
    "{ordinal}", "{index}", "mg/g{creat}", "%", "mL/min/{1.73_m2}", "[arb'U]/mL",
    "[copies]/mL", "g/(24.h)", "/[HPF]",
})


@lru_cache(maxsize=1)
def _registry() -> Any:
    from ucumvert import PintUcumRegistry  # type: ignore[import-untyped]  # slow (pint): once

    return PintUcumRegistry()


@lru_cache(maxsize=512)
def _pint_factor(source: str, target: str) -> float | None:
    """Multiplicative factor source -> target through ucumvert, None if not commensurable."""
    ureg = _registry()
    try:
        src = ureg.from_ucum(source)
        tgt = ureg.from_ucum(target)
        # from_ucum returns a Quantity whose magnitude carries numeric factors ("24.h").
        factor = (1.0 * src).to(tgt.units).magnitude / tgt.magnitude
    except Exception:  # ucumvert/pint raise many types; all mean "cannot convert"
        return None
    value = float(factor)
    return value if math.isfinite(value) and value > 0 else None


def factor_for(analyte: Analyte, unit: str) -> float:
    """The factor that turns a value in ``unit`` (UCUM) into the analyte's canonical unit."""
    target = ANALYTE_UNITS[analyte]
    if unit == target:
        return 1.0
    explicit = _FACTORS.get((analyte, unit))
    if explicit is not None:
        return explicit
    if target in _NO_PINT:
        raise UnitProblem(f"not convertible to {target}")
    factor = _pint_factor(unit, target)
    if factor is None:
        raise UnitProblem(f"not convertible to {target}")
    return factor


def convert(analyte: Analyte, value: float, unit: str | None) -> tuple[float, str]:
    """``value`` in ``unit`` -> (value in the canonical unit, the UCUM spelling used).

    A missing unit is accepted only for unitless canonical units ({ordinal}, {index}).
    Raises ``UnitProblem`` when the unit is unknown or has another dimension.
    """
    target = ANALYTE_UNITS[analyte]
    if unit is None or not unit.strip():
        if target in ("{ordinal}", "{index}"):
            return value, target
        raise UnitProblem("has no unit")
    spelled = canonical_spelling(unit)
    return round_sig(value * factor_for(analyte, spelled)), spelled


def round_sig(value: float) -> float:
    """Round to 10 significant digits: drops float noise (12 ug/L -> 12 ng/mL, not
    11.999999999999998) that could flip a threshold comparison."""
    return float(f"{value:.10g}")


# Plausible values in the canonical unit (inclusive). Outside = a data error, rejected. ✱
PLAUSIBLE: dict[Analyte, tuple[float, float]] = {
    Analyte.PLATELETS: (0, 2000),
    Analyte.HAEMOGLOBIN: (1, 25),
    Analyte.WBC: (0, 500),
    Analyte.NEUTROPHILS: (0, 300),
    Analyte.LYMPHOCYTES: (0, 500),
    Analyte.CD4: (0, 5000),
    Analyte.CREATININE: (0.05, 30),
    Analyte.EGFR: (0, 250),
    Analyte.URINE_RBC_HPF: (0, 10000),
    Analyte.URINE_RBC_COUNT: (0, 1_000_000),
    Analyte.UPCR: (0, 50_000),
    Analyte.URINE_CREATININE: (1, 1000),
    Analyte.URINE_PROTEIN_24H: (0, 50),
    Analyte.TSH: (0, 500),
    Analyte.FT4: (0, 20),
    Analyte.FT3: (0, 50),
    Analyte.TRAB: (0, 1000),
    Analyte.TPO_AB: (0, 100_000),
    Analyte.ALT: (0, 20_000),
    Analyte.AST: (0, 20_000),
    Analyte.BILIRUBIN: (0, 50),
    Analyte.FERRITIN: (0, 500_000),
    Analyte.TRIGLYCERIDES: (0, 20_000),
    Analyte.FIBRINOGEN: (0, 2000),
    Analyte.APTT: (5, 300),
    Analyte.LDH: (0, 50_000),
    Analyte.HAPTOGLOBIN: (0, 1000),
    Analyte.FACTOR_VIII: (0, 1000),
    Analyte.HCG_SERUM: (0, 2_000_000),
    Analyte.ANTI_HBS: (0, 1_000_000),
    Analyte.HBV_DNA: (0, 1e11),
    Analyte.HCV_RNA: (0, 1e11),
    Analyte.TST: (0, 100),
    Analyte.ANTI_GBM: (0, 10_000),
    Analyte.JCV_ANTIBODY: (0, 10),
    Analyte.CSF_JCV_DNA: (0, 1e11),
    Analyte.TERIFLUNOMIDE: (0, 1000),
    Analyte.SCD25: (0, 1_000_000),
}


def is_plausible(analyte: Analyte, value: float) -> bool:
    if not math.isfinite(value) or value < 0:
        return False
    bounds = PLAUSIBLE.get(analyte)
    return bounds is None or bounds[0] <= value <= bounds[1]


def format_number(value: float) -> str:
    """Short display of a number: 1.0 -> "1", 0.123456 -> "0.1235"."""
    return f"{value:.4g}" if value != int(value) or abs(value) >= 1e6 else str(int(value))
