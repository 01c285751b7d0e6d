"""The code tables of protocol/vocabulary.py and their documentation."""

from __future__ import annotations

from pathlib import Path

from alemtrack.protocol import vocabulary as voc
from alemtrack.protocol.facts import Analyte, Drug, Vaccine

DOC = Path(__file__).resolve().parents[3] / "docs" / "fhir-input.md"


def test_every_spec_loinc_row_maps_all_its_codes_to_one_analyte() -> None:
    rows = {
        Analyte.PLATELETS: ("777-3", "26515-7"),
        Analyte.WBC: ("6690-2", "26464-8"),
        Analyte.NEUTROPHILS: ("751-8", "26499-4"),
        Analyte.LYMPHOCYTES: ("731-0", "26474-7"),
        Analyte.CREATININE: ("2160-0", "14682-9"),
        Analyte.EGFR: ("98979-8", "62238-1"),
        Analyte.URINE_PROTEIN_DIPSTICK: ("5804-0", "20454-5"),
        Analyte.FT4: ("3024-7", "14920-3"),
        Analyte.LDH: ("14805-6", "2532-0"),
        Analyte.ANTI_HBS: ("16935-9", "22322-2", "10900-9"),
        Analyte.HCV_RNA: ("11011-4", "11259-9"),
        Analyte.VZV_IGG: ("19162-7", "15410-4", "8047-3"),
        Analyte.MEASLES_IGG: ("20479-2", "35275-7", "7962-4"),
        Analyte.HAV_IGG: ("32018-4", "40724-7", "20575-7"),
    }
    for analyte, codes in rows.items():
        for code in codes:
            assert voc.analyte_for(voc.LOINC, code) is analyte, code


def test_every_analyte_has_a_code() -> None:
    mapped = set(voc.LOINC_ANALYTES.values()) | set(voc.PROJECT_LAB_CODES.values())
    assert mapped == set(Analyte)


def test_the_spec_live_cvx_set_is_live() -> None:
    for code in ("03", "94", "21", "121", "37", "25", "19", "111", "149", "3"):
        assert voc.is_live_cvx(code), code
    for code in ("133", "33", "08", "187", "141"):
        assert not voc.is_live_cvx(code), code


def test_mmrv_counts_as_mmr_and_varicella() -> None:
    assert voc.vaccines_for(voc.CVX, "94") == (Vaccine.MMR, Vaccine.VARICELLA)


def test_interfaces_rxnorm_codes_map_to_their_drugs() -> None:
    expected = {"1012892": Drug.FINGOLIMOD, "354770": Drug.NATALIZUMAB,
                "1310520": Drug.TERIFLUNOMIDE, "1373478": Drug.DIMETHYL_FUMARATE,
                "214582": Drug.GLATIRAMER, "72257": Drug.INTERFERON_BETA,
                "72258": Drug.INTERFERON_BETA, "121191": Drug.RITUXIMAB,
                "1876366": Drug.OCRELIZUMAB, "44157": Drug.CLADRIBINE, "1256": Drug.AZATHIOPRINE,
                "3002": Drug.CYCLOPHOSPHAMIDE, "7005": Drug.MITOXANTRONE,
                "117055": Drug.ALEMTUZUMAB}
    for code, drug in expected.items():
        assert voc.drug_for(voc.RXNORM, code) is drug, code


def test_atc_antithrombotic_groups_match_by_prefix() -> None:
    assert voc.drug_for(voc.ATC, "B01AC06") is Drug.ANTIPLATELET
    assert voc.drug_for(voc.ATC, "B01AF01") is Drug.ANTICOAGULANT
    assert voc.drug_for(voc.ATC, "L04AG06") is Drug.ALEMTUZUMAB


def test_every_project_code_is_documented_in_fhir_input() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = [code for code in voc.PROJECT_CODES if f"`{code}`" not in doc]
    assert missing == []
    assert voc.PROJECT_SYSTEM in doc


def test_every_checklist_link_id_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert all(f"`{link}`" in doc for link in voc.CHECKLIST_LINK_IDS)
