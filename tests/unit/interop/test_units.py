"""Unit conversions to each analyte's canonical unit (clinical-rules.md §1 Units, §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alemtrack.interop.fhir.units import (
    UnitProblem,
    canonical_spelling,
    convert,
    factor_for,
    is_plausible,
)
from alemtrack.protocol.facts import ANALYTE_UNITS, Analyte

A = Analyte


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        # counts: 10*3/uL <-> 10*9/L <-> /uL, and their common spellings
        (A.PLATELETS, 95, "10*3/uL", 95),
        (A.PLATELETS, 95, "10*9/L", 95),
        (A.PLATELETS, 95, "10^9/L", 95),
        (A.PLATELETS, 95, "x10*9/L", 95),
        (A.PLATELETS, 95_000, "/uL", 95),
        (A.LYMPHOCYTES, 800, "/uL", 0.8),
        (A.LYMPHOCYTES, 800, "{cells}/uL", 0.8),
        (A.LYMPHOCYTES, 800, "cells/uL", 0.8),
        (A.CD4, 0.2, "10*3/uL", 200),
        (A.CD4, 0.2, "10*9/L", 200),
        (A.CD4, 200, "cells/mm3", 200),
        # creatinine mg/dL <-> umol/L (x 88.42)
        (A.CREATININE, 88.42, "umol/L", 1.0),
        (A.CREATININE, 0.1, "mmol/L", 100 / 88.42),
        (A.CREATININE, 1.2, "mg/dl", 1.2),
        # haemoglobin g/L, mmol/L
        (A.HAEMOGLOBIN, 120, "g/L", 12.0),
        (A.HAEMOGLOBIN, 5.0, "mmol/L", 8.055),
        # mass/substance factors
        (A.BILIRUBIN, 17.1, "umol/L", 1.0),
        (A.TRIGLYCERIDES, 3.0, "mmol/L", 265.71),
        (A.FIBRINOGEN, 1.5, "g/L", 150),
        (A.FT4, 12.87, "pmol/L", 1.0),
        (A.UPCR, 15, "mg/mmol", 132.6),
        (A.HAPTOGLOBIN, 0.3, "g/L", 30),
        # equal units with other spellings
        (A.FERRITIN, 500, "ug/L", 500),
        (A.FERRITIN, 500, "µg/L", 500),
        (A.TSH, 2.5, "uIU/mL", 2.5),
        (A.TSH, 2.5, "u[IU]/mL", 2.5),
        (A.TSH, 2.5, "mIU/L", 2.5),
        (A.ANTI_HBS, 10, "IU/L", 10),
        (A.ANTI_HBS, 10, "[IU]/L", 10),
        (A.TERIFLUNOMIDE, 0.02, "ug/mL", 0.02),
        (A.TERIFLUNOMIDE, 20, "ng/mL", 0.02),
        (A.ALT, 54, "IU/L", 54),
        (A.ALT, 1, "ukat/L", 60),
        (A.APTT, 30, "sec", 30),
        (A.EGFR, 90, "mL/min/1.73m2", 90),
        (A.URINE_PROTEIN_24H, 500, "mg/(24.h)", 0.5),
        (A.URINE_PROTEIN_24H, 0.5, "g/24h", 0.5),
    ],
)
def test_each_documented_unit_converts_to_the_canonical_unit(
    analyte: Analyte, value: float, unit: str, expected: float
) -> None:
    converted, _ = convert(analyte, value, unit)
    assert converted == pytest.approx(expected, rel=1e-9)


def test_micrograms_per_litre_of_ferritin_have_no_float_noise_at_a_threshold() -> None:
    # 12 ug/L must be exactly 12 ng/mL, not 11.999999999999998
    assert convert(A.FERRITIN, 12, "ug/L")[0] == 12.0


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [
        (A.PLATELETS, "furlongs"),
        (A.PLATELETS, "%"),
        (A.CREATININE, "U/L"),
        (A.HBV_DNA, "copies/mL"),
        (A.UPCR, "%"),
        (A.TSH, "ng/mL"),
    ],
)
def test_units_of_another_dimension_are_refused(analyte: Analyte, unit: str) -> None:
    with pytest.raises(UnitProblem):
        convert(analyte, 1.0, unit)


def test_a_quantitative_result_without_unit_is_refused() -> None:
    with pytest.raises(UnitProblem):
        convert(A.PLATELETS, 100, None)


def test_case_variants_are_spelled_in_ucum() -> None:
    assert canonical_spelling("mg/dl") == "mg/dL"
    assert canonical_spelling("MG/DL") == "mg/dL"
    assert canonical_spelling(" x10^9/l ") == "10*9/L"
    assert canonical_spelling("mmHg") == "mm[Hg]"


def test_plausibility_bounds_reject_impossible_values() -> None:
    assert is_plausible(A.PLATELETS, 2000)
    assert not is_plausible(A.PLATELETS, 2001)
    assert not is_plausible(A.CREATININE, 0.01)
    assert not is_plausible(A.TSH, -1)
    assert not is_plausible(A.TSH, float("nan"))


_ROUND_TRIP = [
    (A.PLATELETS, "10*9/L"),
    (A.LYMPHOCYTES, "/uL"),
    (A.CREATININE, "umol/L"),
    (A.HAEMOGLOBIN, "g/L"),
    (A.BILIRUBIN, "umol/L"),
    (A.TRIGLYCERIDES, "mmol/L"),
    (A.FIBRINOGEN, "g/L"),
    (A.FT4, "pmol/L"),
    (A.UPCR, "mg/mmol"),
    (A.TERIFLUNOMIDE, "ng/mL"),
]


@given(
    pair=st.sampled_from(_ROUND_TRIP),
    value=st.floats(min_value=1e-3, max_value=1e5, allow_nan=False, allow_infinity=False),
)
def test_conversions_round_trip_through_the_inverse_factor(
    pair: tuple[Analyte, str], value: float
) -> None:
    analyte, unit = pair
    factor = factor_for(analyte, unit)
    canonical, _ = convert(analyte, value, unit)
    assert canonical / factor == pytest.approx(value, rel=1e-8)
    # and converting the canonical value again is the identity
    assert convert(analyte, canonical, ANALYTE_UNITS[analyte])[0] == pytest.approx(canonical)
