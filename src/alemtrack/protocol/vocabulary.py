"""Every clinical code alemtrack recognises, as data (clinical-rules.md §8 and §11).

Adapters classify incoming codes with these tables; the rules only see the enums of ``facts``.
The FHIR input profile that uses them is documented in ``docs/fhir-input.md``; keep both in step.

Tags as in the spec: codes marked ◐ are from memory and must be verified against the code system
before a clinical release (clinical-rules.md §10 item 4). Codes without a verified standard code
use the project CodeSystem ``PROJECT_SYSTEM``; every project code is listed in
``PROJECT_CODES`` with its meaning.
"""

from __future__ import annotations

from .facts import (
    Analyte,
    ChecklistItem,
    ConditionKind,
    Drug,
    ProcedureKind,
    Qual,
    StatementCode,
    SymptomCode,
    Vaccine,
    VitalKind,
)

# --- Code systems -------------------------------------------------------------------------

PROJECT_SYSTEM = "https://alemtrack.org/fhir/CodeSystem/alemtrack"
CHECKLIST_QUESTIONNAIRE = "https://alemtrack.org/fhir/Questionnaire/fig4-symptom-checklist"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"
UCUM = "http://unitsofmeasure.org"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
V2_YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

# --- Laboratory: LOINC per analyte (§8; every code of a row maps to the same analyte) -------

LOINC_ANALYTES: dict[str, Analyte] = {
    "777-3": Analyte.PLATELETS,  # ◐
    "26515-7": Analyte.PLATELETS,
    "718-7": Analyte.HAEMOGLOBIN,
    "6690-2": Analyte.WBC,  # ◐
    "26464-8": Analyte.WBC,
    "751-8": Analyte.NEUTROPHILS,  # ◐
    "26499-4": Analyte.NEUTROPHILS,
    "731-0": Analyte.LYMPHOCYTES,  # ◐
    "26474-7": Analyte.LYMPHOCYTES,
    "24467-3": Analyte.CD4,
    "2160-0": Analyte.CREATININE,
    "14682-9": Analyte.CREATININE,  # ◐ [Moles/volume], converted from umol/L
    "98979-8": Analyte.EGFR,  # ◐ CKD-EPI 2021
    "62238-1": Analyte.EGFR,  # ◐ CKD-EPI
    "33914-3": Analyte.EGFR,  # ◐ MDRD; ✱ beyond §8, also an eGFR per 1.73 m2
    "13945-1": Analyte.URINE_RBC_HPF,  # ◐
    "30391-7": Analyte.URINE_RBC_COUNT,
    "5794-3": Analyte.URINE_BLOOD_DIPSTICK,  # ◐
    "33051-4": Analyte.URINE_BLOOD_DIPSTICK,  # ◐ ✱ Erythrocytes [Presence] in Urine (strip)
    "5804-0": Analyte.URINE_PROTEIN_DIPSTICK,  # ◐ mg/dL on the strip, read as a grade
    "20454-5": Analyte.URINE_PROTEIN_DIPSTICK,  # ◐
    "2887-8": Analyte.URINE_PROTEIN_DIPSTICK,  # ◐ ✱ Protein [Presence] in Urine (dipstick panels)
    "2890-2": Analyte.UPCR,  # ◐
    "2161-8": Analyte.URINE_CREATININE,
    "2889-4": Analyte.URINE_PROTEIN_24H,
    "3016-3": Analyte.TSH,
    "11579-0": Analyte.TSH,  # ◐ TSH by sensitive method
    "3024-7": Analyte.FT4,
    "14920-3": Analyte.FT4,  # ◐ [Moles/volume], converted from pmol/L
    "3051-0": Analyte.FT3,
    "5385-0": Analyte.TRAB,
    "8099-4": Analyte.TPO_AB,
    "1742-6": Analyte.ALT,
    "1920-8": Analyte.AST,
    "1975-2": Analyte.BILIRUBIN,
    "14631-6": Analyte.BILIRUBIN,  # ◐ [Moles/volume], converted from umol/L
    "2276-4": Analyte.FERRITIN,
    "2571-8": Analyte.TRIGLYCERIDES,
    "3255-7": Analyte.FIBRINOGEN,
    "14979-9": Analyte.APTT,
    "14805-6": Analyte.LDH,
    "2532-0": Analyte.LDH,  # ◐ method-less
    "4542-7": Analyte.HAPTOGLOBIN,
    "800-3": Analyte.SCHISTOCYTES,
    "3209-4": Analyte.FACTOR_VIII,
    "2106-3": Analyte.HCG_URINE,  # ◐
    "19080-1": Analyte.HCG_SERUM,
    "16935-9": Analyte.ANTI_HBS,
    "22322-2": Analyte.ANTI_HBS,  # presence
    "10900-9": Analyte.ANTI_HBS,  # presence
    "5196-1": Analyte.HBSAG,  # ◐
    "16933-4": Analyte.ANTI_HBC,  # ◐
    "29615-2": Analyte.HBV_DNA,
    "16128-1": Analyte.HCV_AB,  # ◐
    "11011-4": Analyte.HCV_RNA,
    "11259-9": Analyte.HCV_RNA,
    "56888-1": Analyte.HIV,  # ◐
    "71773-6": Analyte.IGRA,
    "19162-7": Analyte.VZV_IGG,
    "15410-4": Analyte.VZV_IGG,
    "8047-3": Analyte.VZV_IGG,  # [Units/volume], lab-specific: read through interpretation
    "20479-2": Analyte.MEASLES_IGG,
    "35275-7": Analyte.MEASLES_IGG,
    "7962-4": Analyte.MEASLES_IGG,  # [Units/volume], lab-specific
    "32018-4": Analyte.HAV_IGG,
    "40724-7": Analyte.HAV_IGG,
    "20575-7": Analyte.HAV_IGG,  # total Ab
    "59394-7": Analyte.ANTI_GBM,  # ◐ (40663-6 also cited elsewhere: conflict, not accepted)
}

# Analytes with no verified LOINC (§8 ✗, §11 "project codes"): project code -> analyte.
PROJECT_LAB_CODES: dict[str, Analyte] = {
    "jcv-antibody-index": Analyte.JCV_ANTIBODY,
    "csf-jcv-dna": Analyte.CSF_JCV_DNA,
    "teriflunomide-level": Analyte.TERIFLUNOMIDE,
    "cmv-igg": Analyte.CMV_IGG,
    "strongyloides-igg": Analyte.STRONGYLOIDES_IGG,
    "tst-induration": Analyte.TST,
    "scd25": Analyte.SCD25,
}

# --- Qualitative results --------------------------------------------------------------------

QUAL_SNOMED: dict[str, Qual] = {
    "10828004": Qual.POSITIVE,
    "260385009": Qual.NEGATIVE,
    "260373001": Qual.POSITIVE,  # ◐ detected
    "260415000": Qual.NEGATIVE,  # ◐ not detected
    "11214006": Qual.POSITIVE,  # ◐ reactive
    "131194007": Qual.NEGATIVE,  # ◐ non-reactive
    "52101004": Qual.POSITIVE,  # ◐ present
    "2667000": Qual.NEGATIVE,  # ◐ absent
    "260405006": Qual.TRACE,  # ◐ trace
    "419984006": Qual.INDETERMINATE,  # ◐ inconclusive
    "82334004": Qual.INDETERMINATE,  # ◐ indeterminate
    "42425007": Qual.INDETERMINATE,  # ◐ equivocal
}

QUAL_V3: dict[str, Qual] = {
    "POS": Qual.POSITIVE,
    "NEG": Qual.NEGATIVE,
    "DET": Qual.POSITIVE,
    "ND": Qual.NEGATIVE,
    "IND": Qual.INDETERMINATE,
    "E": Qual.INDETERMINATE,  # equivocal
}

QUAL_LOINC_ANSWERS: dict[str, Qual] = {
    "LA6576-8": Qual.POSITIVE,  # ◐
    "LA6577-6": Qual.NEGATIVE,  # ◐
    "LA11882-0": Qual.POSITIVE,  # ◐ detected
    "LA11883-8": Qual.NEGATIVE,  # ◐ not detected
    "LA9633-4": Qual.POSITIVE,  # ◐ present
    "LA9634-2": Qual.NEGATIVE,  # ◐ absent
    "LA11884-6": Qual.INDETERMINATE,  # ◐
}

# Free text (valueString, CodeableConcept.text, coding display), compared lower-case, trimmed.
QUAL_TEXT: dict[str, Qual] = {
    "negative": Qual.NEGATIVE,
    "neg": Qual.NEGATIVE,
    "-": Qual.NEGATIVE,
    "nil": Qual.NEGATIVE,
    "none": Qual.NEGATIVE,
    "not detected": Qual.NEGATIVE,
    "non-reactive": Qual.NEGATIVE,
    "nonreactive": Qual.NEGATIVE,
    "non reactive": Qual.NEGATIVE,
    "absent": Qual.NEGATIVE,
    "trace": Qual.TRACE,
    "traces": Qual.TRACE,
    "+/-": Qual.TRACE,
    "positive": Qual.POSITIVE,
    "pos": Qual.POSITIVE,
    "detected": Qual.POSITIVE,
    "reactive": Qual.POSITIVE,
    "present": Qual.POSITIVE,
    "+": Qual.PLUS1,
    "1+": Qual.PLUS1,
    "++": Qual.PLUS2,
    "2+": Qual.PLUS2,
    "+++": Qual.PLUS3,
    "3+": Qual.PLUS3,
    "++++": Qual.PLUS4,
    "4+": Qual.PLUS4,
    "indeterminate": Qual.INDETERMINATE,
    "equivocal": Qual.INDETERMINATE,
    "borderline": Qual.INDETERMINATE,
    "inconclusive": Qual.INDETERMINATE,
}

# Observation.interpretation codes that turn a quantity into a qualitative call for analytes
# whose canonical unit is {ordinal} (e.g. a VZV IgG titre with interpretation POS). ✱
INTERPRETATION_QUAL: dict[str, Qual] = {
    "POS": Qual.POSITIVE,
    "DET": Qual.POSITIVE,
    "NEG": Qual.NEGATIVE,
    "ND": Qual.NEGATIVE,
    "IND": Qual.INDETERMINATE,
    "E": Qual.INDETERMINATE,
}

# Urine protein strip read in mg/dL (LOINC 5804-0) -> grade. Conventional strip pads ✱:
# <15 negative, 15-29 trace, 30 1+, 100 2+, 300 3+, >=1000 4+.
PROTEIN_STRIP_MG_DL: tuple[tuple[float, Qual], ...] = (
    (1000.0, Qual.PLUS4),
    (300.0, Qual.PLUS3),
    (100.0, Qual.PLUS2),
    (30.0, Qual.PLUS1),
    (15.0, Qual.TRACE),
    (0.0, Qual.NEGATIVE),
)

# --- Conditions: SNOMED CT -> ConditionKind (value sets, all ◐ unless noted) ----------------

SNOMED_CONDITIONS: dict[str, ConditionKind] = {
    "24700007": ConditionKind.MS,  # multiple sclerosis (interfaces.md §1)
    "426373005": ConditionKind.RRMS,  # relapsing-remitting MS (interfaces.md §1)
    # ✱ SPMS without a stated activity counts as non-active (the conservative reading for
    # R-A1 US mode); code project "condition-spms-active" for active SPMS.
    "425500002": ConditionKind.SPMS_NON_ACTIVE,
    "428700003": ConditionKind.PPMS,
    "425688002": ConditionKind.MS,  # progressive-relapsing MS (no own class)
    "445967002": ConditionKind.CIS,  # clinically isolated syndrome
    "86406008": ConditionKind.HIV,  # HIV infection
    "165816005": ConditionKind.HIV,  # HIV positive
    "62479008": ConditionKind.HIV,  # AIDS
    "40733004": ConditionKind.ACTIVE_INFECTION,  # infectious disease
    "91302008": ConditionKind.SEVERE_INFECTION,  # sepsis
    "56717001": ConditionKind.TB_ACTIVE,  # tuberculosis
    "154283005": ConditionKind.TB_ACTIVE,  # pulmonary tuberculosis
    "11999007": ConditionKind.TB_LATENT,  # inactive tuberculosis
    "61977001": ConditionKind.HBV_CHRONIC,  # chronic type B viral hepatitis
    "66071002": ConditionKind.HBV_CHRONIC,  # viral hepatitis type B
    "50711007": ConditionKind.HCV,  # viral hepatitis C
    "128302006": ConditionKind.HCV,  # chronic hepatitis C
    "38341003": ConditionKind.HYPERTENSION,  # hypertensive disorder
    "59621000": ConditionKind.HYPERTENSION,  # essential hypertension
    "230690007": ConditionKind.STROKE,  # cerebrovascular accident
    "432504007": ConditionKind.STROKE,  # cerebral infarction
    "22298006": ConditionKind.ANGINA_MI,  # myocardial infarction
    "194828000": ConditionKind.ANGINA_MI,  # angina
    "64779008": ConditionKind.COAGULOPATHY,  # blood coagulation disorder
    "85828009": ConditionKind.AUTOIMMUNE_OTHER,  # autoimmune disease
    "69896004": ConditionKind.AUTOIMMUNE_OTHER,  # rheumatoid arthritis
    "55464009": ConditionKind.AUTOIMMUNE_OTHER,  # systemic lupus erythematosus
    "46635009": ConditionKind.AUTOIMMUNE_OTHER,  # type 1 diabetes mellitus
    "396331005": ConditionKind.AUTOIMMUNE_OTHER,  # coeliac disease
    "14304000": ConditionKind.THYROID_DISEASE,  # disorder of thyroid gland
    "21983002": ConditionKind.THYROID_DISEASE,  # Hashimoto thyroiditis
    "353295004": ConditionKind.GRAVES,  # Graves disease
    "40930008": ConditionKind.HYPOTHYROIDISM,  # hypothyroidism
    "32273002": ConditionKind.ITP,  # idiopathic thrombocytopenic purpura
    "50581000": ConditionKind.ANTI_GBM,  # Goodpasture syndrome
    "77182004": ConditionKind.MEMBRANOUS_NEPHROPATHY,  # membranous glomerulonephritis
    "408335007": ConditionKind.AUTOIMMUNE_HEPATITIS,  # autoimmune hepatitis
    "78129009": ConditionKind.TTP,  # thrombotic thrombocytopenic purpura
    "410795001": ConditionKind.AOSD,  # adult-onset Still disease
    "22255007": ConditionKind.PML,  # progressive multifocal leukoencephalopathy
    "68566005": ConditionKind.UTI,  # urinary tract infection
    "49436004": ConditionKind.TACHYARRHYTHMIA,  # atrial fibrillation
    "6456007": ConditionKind.TACHYARRHYTHMIA,  # supraventricular tachycardia
}

# Every ConditionKind can also be coded in the project CodeSystem as "condition-<kind>"
# (for classes without a verified SNOMED code: SPMS active, hypersensitivity to alemtuzumab,
# uncontrolled hypertension, HLH, autoimmune cytopenia, acquired haemophilia, ...).
PROJECT_CONDITION_PREFIX = "condition-"
PROJECT_CONDITIONS: dict[str, ConditionKind] = {
    f"{PROJECT_CONDITION_PREFIX}{kind.value}": kind for kind in ConditionKind
}

SNOMED_SEVERE = "24484000"  # ◐ Condition.severity "severe"

# --- Medicines: RxNorm ingredient / ATC -> Drug ----------------------------------------------

RXNORM_ALEMTUZUMAB = "117055"
# Ingredient and ◐ product codes (1594660 = Lemtrada 12 mg/1.2 mL, as in the FHIR R4 examples).
RXNORM_ALEMTUZUMAB_CODES = frozenset({RXNORM_ALEMTUZUMAB, "1594660"})
ATC_ALEMTUZUMAB = ("L04AG06", "L04AA34")  # current and pre-2023 ATC ◐

RXNORM_DRUGS: dict[str, Drug] = {
    "72257": Drug.INTERFERON_BETA,  # interferon beta-1a
    "72258": Drug.INTERFERON_BETA,  # interferon beta-1b
    "214582": Drug.GLATIRAMER,
    "1310520": Drug.TERIFLUNOMIDE,
    "1373478": Drug.DIMETHYL_FUMARATE,
    "1012892": Drug.FINGOLIMOD,
    "2121781": Drug.SIPONIMOD,  # ◐
    "2281649": Drug.OZANIMOD,  # ◐
    "2481904": Drug.PONESIMOD,  # ◐
    "354770": Drug.NATALIZUMAB,
    "121191": Drug.RITUXIMAB,
    "1876366": Drug.OCRELIZUMAB,
    "327361": Drug.OFATUMUMAB,  # ◐
    "44157": Drug.CLADRIBINE,
    "7005": Drug.MITOXANTRONE,
    "1256": Drug.AZATHIOPRINE,
    "3002": Drug.CYCLOPHOSPHAMIDE,
    "6851": Drug.METHOTREXATE,  # ◐
    "68149": Drug.MYCOPHENOLATE,  # ◐ mycophenolate mofetil
    "7145": Drug.MYCOPHENOLATE,  # ◐ mycophenolic acid
    RXNORM_ALEMTUZUMAB: Drug.ALEMTUZUMAB,
    "1191": Drug.ANTIPLATELET,  # ◐ aspirin
    "32968": Drug.ANTIPLATELET,  # ◐ clopidogrel
    "613391": Drug.ANTIPLATELET,  # ◐ prasugrel
    "1116632": Drug.ANTIPLATELET,  # ◐ ticagrelor
    "11289": Drug.ANTICOAGULANT,  # ◐ warfarin
    "1364430": Drug.ANTICOAGULANT,  # ◐ apixaban
    "1114195": Drug.ANTICOAGULANT,  # ◐ rivaroxaban
    "1037042": Drug.ANTICOAGULANT,  # ◐ dabigatran
    "1599538": Drug.ANTICOAGULANT,  # ◐ edoxaban
    "5224": Drug.ANTICOAGULANT,  # ◐ heparin
    "67108": Drug.ANTICOAGULANT,  # ◐ enoxaparin
    "8640": Drug.PREDNISONE,  # ◐
    "6902": Drug.METHYLPREDNISOLONE,  # ◐
    "6038": Drug.ISONIAZID,  # ◐ (§11)
    "281": Drug.ACICLOVIR,  # ◐ (§11)
    "73645": Drug.VALACICLOVIR,  # ◐ (§11)
    "161": Drug.PARACETAMOL,  # ◐ acetaminophen
    "3264": Drug.DEXCHLORPHENIRAMINE,  # ◐
    "40790": Drug.PANTOPRAZOLE,  # ◐
}

ATC_DRUGS: dict[str, Drug] = {
    "L03AB07": Drug.INTERFERON_BETA,
    "L03AB08": Drug.INTERFERON_BETA,
    "L03AB13": Drug.INTERFERON_BETA,  # peginterferon beta-1a
    "L03AX13": Drug.GLATIRAMER,
    "L04AA31": Drug.TERIFLUNOMIDE,
    "L04AK02": Drug.TERIFLUNOMIDE,
    "L04AX07": Drug.DIMETHYL_FUMARATE,
    "N07XX09": Drug.DIMETHYL_FUMARATE,
    "L04AA27": Drug.FINGOLIMOD,
    "L04AE01": Drug.FINGOLIMOD,
    "L04AA42": Drug.SIPONIMOD,
    "L04AE03": Drug.SIPONIMOD,
    "L04AA38": Drug.OZANIMOD,
    "L04AE02": Drug.OZANIMOD,
    "L04AA50": Drug.PONESIMOD,
    "L04AE04": Drug.PONESIMOD,
    "L04AA23": Drug.NATALIZUMAB,
    "L04AG03": Drug.NATALIZUMAB,
    "L01XC02": Drug.RITUXIMAB,
    "L01FA01": Drug.RITUXIMAB,
    "L04AA36": Drug.OCRELIZUMAB,
    "L04AG08": Drug.OCRELIZUMAB,
    "L04AA52": Drug.OFATUMUMAB,
    "L04AG12": Drug.OFATUMUMAB,
    "L01XC10": Drug.OFATUMUMAB,
    "L01FA02": Drug.OFATUMUMAB,
    "L04AA40": Drug.CLADRIBINE,
    "L01BB04": Drug.CLADRIBINE,
    "L01DB07": Drug.MITOXANTRONE,
    "L04AX01": Drug.AZATHIOPRINE,
    "L01AA01": Drug.CYCLOPHOSPHAMIDE,
    "L01BA01": Drug.METHOTREXATE,
    "L04AX03": Drug.METHOTREXATE,
    "L04AA06": Drug.MYCOPHENOLATE,
    "L01XC04": Drug.CAMPATH,  # alemtuzumab as antineoplastic (Campath/MabCampath)
    "L04AG06": Drug.ALEMTUZUMAB,
    "L04AA34": Drug.ALEMTUZUMAB,
    "H02AB07": Drug.PREDNISONE,
    "H02AB04": Drug.METHYLPREDNISOLONE,
    "J04AC01": Drug.ISONIAZID,
    "J05AB01": Drug.ACICLOVIR,
    "J05AB11": Drug.VALACICLOVIR,
    "N02BE01": Drug.PARACETAMOL,
    "R06AB02": Drug.DEXCHLORPHENIRAMINE,
    "A02BC02": Drug.PANTOPRAZOLE,
}

# ATC groups matched by prefix when no exact code matches (longest prefix wins).
ATC_PREFIX_DRUGS: dict[str, Drug] = {
    "B01AC": Drug.ANTIPLATELET,
    "B01AA": Drug.ANTICOAGULANT,
    "B01AB": Drug.ANTICOAGULANT,
    "B01AE": Drug.ANTICOAGULANT,
    "B01AF": Drug.ANTICOAGULANT,
    "L04": Drug.OTHER_DMT,  # ✱ any other immunosuppressant: R-A5 "other immunosuppressants"
}

# Project medicine codes (no standard code distinguishes them).
PROJECT_DRUGS: dict[str, Drug] = {
    "campath": Drug.CAMPATH,
    "other-dmt": Drug.OTHER_DMT,
}

# Prednisone-equivalent potency per mg (R-D3 "daily_dose_mg is prednisone-equivalent") ✱.
PREDNISONE_EQUIVALENT: dict[Drug, float] = {
    Drug.PREDNISONE: 1.0,
    Drug.METHYLPREDNISOLONE: 1.25,
}

SNOMED_ROUTE_IV = "47625008"  # ◐ intravenous route

# --- Vaccines: CVX -> Vaccine; live set (§11) ------------------------------------------------

LIVE_CVX: frozenset[str] = frozenset({
    # §11 live set
    "03", "94", "21", "121", "37", "25", "19", "111", "149",
    # ✱ other live vaccines: monovalent measles/mumps/rubella, MR, oral cholera, smallpox
    "04", "05", "06", "07", "38", "174", "75",
})

CVX_VACCINES: dict[str, tuple[Vaccine, ...]] = {
    # influenza (inactivated ◐ and live 111/149)
    **{c: (Vaccine.INFLUENZA,) for c in (
        "88", "135", "140", "141", "144", "150", "153", "155", "158", "161", "166", "168",
        "171", "185", "186", "197", "205", "111", "149")},
    "133": (Vaccine.PCV13,),
    "33": (Vaccine.PPSV23,),
    **{c: (Vaccine.HEPATITIS_B,) for c in ("08", "43", "44", "45", "189", "220")},
    **{c: (Vaccine.HEPATITIS_A,) for c in ("83", "52", "85", "31")},
    "104": (Vaccine.HEPATITIS_A, Vaccine.HEPATITIS_B),  # Twinrix
    "110": (Vaccine.TETANUS_DIPHTHERIA, Vaccine.HEPATITIS_B),  # DTaP-HepB-IPV
    **{c: (Vaccine.TETANUS_DIPHTHERIA,) for c in (
        "09", "113", "115", "138", "139", "196", "20", "106", "107", "120", "130", "146")},
    **{c: (Vaccine.HPV,) for c in ("62", "118", "137", "165")},
    "21": (Vaccine.VARICELLA,),
    "03": (Vaccine.MMR,),
    "94": (Vaccine.MMR, Vaccine.VARICELLA),  # MMRV
    "121": (Vaccine.ZOSTER_LIVE,),
    "37": (Vaccine.YELLOW_FEVER,),
    "25": (Vaccine.TYPHOID_ORAL,),
    **{c: (Vaccine.OTHER_LIVE,) for c in ("19", "04", "05", "06", "07", "38", "174", "75")},
}

# --- Observations coded in LOINC / SNOMED (not lab analytes) ---------------------------------

LOINC_VITALS: dict[str, VitalKind] = {
    "8310-5": VitalKind.TEMPERATURE,
    "8867-4": VitalKind.HEART_RATE,
    "8480-6": VitalKind.SYSTOLIC,
    "8462-4": VitalKind.DIASTOLIC,
}
LOINC_BP_PANEL = "85354-9"  # ◐ components 8480-6 / 8462-4
VITAL_UNITS: dict[VitalKind, str] = {
    VitalKind.TEMPERATURE: "Cel",
    VitalKind.HEART_RATE: "/min",
    VitalKind.SYSTOLIC: "mm[Hg]",
    VitalKind.DIASTOLIC: "mm[Hg]",
}

LOINC_PREGNANCY_STATUS = "82810-3"
LOINC_BREASTFEEDING = "63895-7"
SNOMED_EDSS = "273554001"

# Answers of pregnancy status (82810-3) and breastfeeding status (63895-7): True/False;
# codes absent from this table (e.g. "unknown") give no statement. ◐
STATUS_ANSWERS: dict[tuple[str, str], bool] = {
    (SNOMED, "77386006"): True,  # pregnant
    (SNOMED, "60001007"): False,  # not pregnant
    (LOINC, "LA15173-0"): True,  # pregnant
    (LOINC, "LA26683-5"): False,  # not pregnant
    (SNOMED, "413712001"): True,  # breastfeeding (mother)
    (SNOMED, "169750002"): True,  # mother currently breast-feeding
    (SNOMED, "373066001"): True,  # yes
    (SNOMED, "373067005"): False,  # no
    (V2_YES_NO, "Y"): True,
    (V2_YES_NO, "N"): False,
    (PROJECT_SYSTEM, "yes"): True,
    (PROJECT_SYSTEM, "no"): False,
}

# --- Procedures -------------------------------------------------------------------------------

PROCEDURE_CODES: dict[tuple[str, str], ProcedureKind] = {
    (SNOMED, "29303009"): ProcedureKind.ECG,  # ◐ electrocardiographic procedure
    (LOINC, "11524-6"): ProcedureKind.ECG,  # ◐ EKG study
    (SNOMED, "399208008"): ProcedureKind.CHEST_XRAY,  # ◐ plain chest X-ray
    (LOINC, "36643-5"): ProcedureKind.CHEST_XRAY,  # ◐ XR Chest 2 views
    (SNOMED, "171149006"): ProcedureKind.CERVICAL_SCREENING,  # ◐ cervical smear screening
    (PROJECT_SYSTEM, "procedure-ecg"): ProcedureKind.ECG,
    (PROJECT_SYSTEM, "procedure-chest-xray"): ProcedureKind.CHEST_XRAY,
    (PROJECT_SYSTEM, "procedure-skin-exam"): ProcedureKind.SKIN_EXAM,
    (PROJECT_SYSTEM, "procedure-cervical-screening"): ProcedureKind.CERVICAL_SCREENING,
}
PROCEDURE_ABNORMAL = "procedure-abnormal"  # Procedure.outcome: abnormal finding
PROCEDURE_NORMAL = "procedure-normal"  # Procedure.outcome: normal

# --- Project CodeSystem ----------------------------------------------------------------------

RELAPSE = "relapse"
RELAPSE_DISABLING = "relapse-disabling"
RELAPSE_PROTOCOL_DEFINED = "relapse-protocol-defined"
MRI_BRAIN = "mri-brain"
MRI_GD_ENHANCED = "mri-gd-enhanced"
MRI_GD_LESIONS = "mri-gd-lesions"
MRI_NEW_T2_LESIONS = "mri-new-t2-lesions"
MRI_T2_LOAD_INCREASE = "mri-t2-load-increase"
MRI_PML_SIGNS = "mri-pml-signs"
EDSS = "edss"
INFUSION_REACTION = "infusion-reaction"
INFUSION_REACTION_GRADE = "infusion-reaction-grade"
INFUSION_RATE_AT_STOP = "infusion-rate-at-stop"
CONSENT_ALEMTUZUMAB = "alemtuzumab-consent"
PLANNED_SURGERY = "planned-surgery"
SYMPTOM_PREFIX = "symptom-"

# Statements: the project code is the StatementCode value ("alert-card-given", ...).
PROJECT_STATEMENTS: dict[str, StatementCode] = {code.value: code for code in StatementCode}
PROJECT_SYMPTOMS: dict[str, SymptomCode] = {
    f"{SYMPTOM_PREFIX}{code.value}": code for code in SymptomCode
}
CHECKLIST_LINK_IDS: dict[str, ChecklistItem] = {item.value: item for item in ChecklistItem}

_MEANINGS: dict[str, str] = {
    RELAPSE: "MS relapse; effective[x] = onset date",
    RELAPSE_DISABLING: "component of relapse: the relapse was disabling (valueBoolean)",
    RELAPSE_PROTOCOL_DEFINED: "component of relapse: meets the protocol relapse definition "
    "(valueBoolean, default true)",
    MRI_BRAIN: "brain MRI report; findings as components",
    MRI_GD_ENHANCED: "component of mri-brain: gadolinium given (valueBoolean, default true)",
    MRI_GD_LESIONS: "component of mri-brain: number of Gd-enhancing lesions (valueInteger)",
    MRI_NEW_T2_LESIONS: "component of mri-brain: number of new or enlarging T2 lesions "
    "(valueInteger)",
    MRI_T2_LOAD_INCREASE: "component of mri-brain: T2 lesion load increased (valueBoolean)",
    MRI_PML_SIGNS: "component of mri-brain: lesions suggestive of PML (valueBoolean)",
    EDSS: "EDSS score 0-10 (SNOMED 273554001 preferred)",
    INFUSION_REACTION: "infusion-related reaction; valueInteger = grade 1-4 (Table R); "
    "partOf = the MedicationAdministration",
    INFUSION_REACTION_GRADE: "component of infusion-reaction: grade 1-4 (valueInteger)",
    INFUSION_RATE_AT_STOP: "component of infusion-reaction: infusion rate when stopped "
    "(valueQuantity mL/h)",
    CONSENT_ALEMTUZUMAB: "Consent.category: written informed consent to alemtuzumab",
    PLANNED_SURGERY: "ServiceRequest.code: planned surgery (priority routine = elective)",
    PROCEDURE_ABNORMAL: "Procedure.outcome: the examination found an abnormality",
    PROCEDURE_NORMAL: "Procedure.outcome: the examination was normal",
    "procedure-ecg": "Procedure: 12-lead ECG",
    "procedure-chest-xray": "Procedure: chest X-ray",
    "procedure-skin-exam": "Procedure: skin examination (melanoma screening)",
    "procedure-cervical-screening": "Procedure: cervical HPV screening / smear",
    "campath": "medicine: Campath / MabCampath (alemtuzumab for CLL)",
    "other-dmt": "medicine: another MS disease-modifying therapy not listed",
    "yes": "answer: yes",
    "no": "answer: no",
    "jcv-antibody-index": "lab: anti-JCV antibody index ({index})",
    "csf-jcv-dna": "lab: JCV DNA in CSF ([copies]/mL)",
    "teriflunomide-level": "lab: teriflunomide plasma level (mg/L)",
    "cmv-igg": "lab: CMV IgG (qualitative)",
    "strongyloides-igg": "lab: Strongyloides IgG (qualitative)",
    "tst-induration": "lab: tuberculin skin test induration (mm)",
    "scd25": "lab: soluble CD25 / sIL-2R (U/mL)",
}

_STATEMENT_MEANINGS: dict[StatementCode, str] = {
    StatementCode.HIGHLY_ACTIVE_DESPITE_DMT: "highly active MS despite a full, adequate DMT course",
    StatementCode.SUBOPTIMAL_RESPONSE: "suboptimal response to the current DMT",
    StatementCode.RAPID_PROGRESSION: "rapidly evolving severe MS",
    StatementCode.UNCONTROLLED_HYPERTENSION: "blood pressure uncontrolled",
    StatementCode.ALERT_CARD_GIVEN: "patient alert card given",
    StatementCode.PATIENT_GUIDE_GIVEN: "patient guide given",
    StatementCode.LISTERIA_ADVICE_GIVEN: "Listeria diet advice given",
    StatementCode.REMS_PATIENT_ENROLLED: "patient enrolled in the US REMS",
    StatementCode.REMS_SITE_CERTIFIED: "site certified in the US REMS",
    StatementCode.PREGNANT: "pregnant (LOINC 82810-3 preferred)",
    StatementCode.BREASTFEEDING: "breastfeeding (LOINC 63895-7 preferred)",
    StatementCode.AGREES_TO_STOP_BREASTFEEDING: "agrees to stop breastfeeding for the course "
    "and 4 months after",
    StatementCode.NOT_CHILDBEARING_POTENTIAL: "not of childbearing potential",
    StatementCode.MENSES: "menstruating at the time of urine sampling",
    StatementCode.ENDEMIC_STRONGYLOIDES_ORIGIN: "from or lived in a Strongyloides-endemic region",
    StatementCode.PHYSICIAN_ORDER_TO_RESUME: "physician order to resume the infusion after a "
    "reaction",
    StatementCode.NEVER_VACCINATED_TETANUS: "never vaccinated against tetanus",
}


def project_codes() -> dict[str, str]:
    """Every code of the project CodeSystem with its meaning (docs/fhir-input.md lists them)."""
    out = dict(_MEANINGS)
    out.update({code.value: f"statement: {_STATEMENT_MEANINGS[code]}" for code in StatementCode})
    out.update({
        f"{SYMPTOM_PREFIX}{code.value}": f"symptom: {code.value.replace('-', ' ')}"
        for code in SymptomCode
    })
    out.update({
        f"{PROJECT_CONDITION_PREFIX}{kind.value}": f"condition: {kind.value.replace('-', ' ')}"
        for kind in ConditionKind
    })
    return out


PROJECT_CODES: dict[str, str] = project_codes()


# --- Lookups ----------------------------------------------------------------------------------


def analyte_for(system: str | None, code: str) -> Analyte | None:
    if system == LOINC:
        return LOINC_ANALYTES.get(code)
    if system == PROJECT_SYSTEM:
        return PROJECT_LAB_CODES.get(code)
    return None


def condition_kind_for(system: str | None, code: str) -> ConditionKind | None:
    if system == SNOMED:
        return SNOMED_CONDITIONS.get(code)
    if system == PROJECT_SYSTEM:
        return PROJECT_CONDITIONS.get(code)
    return None


def drug_for(system: str | None, code: str) -> Drug | None:
    if is_alemtuzumab(system, code):
        return Drug.ALEMTUZUMAB
    if system == RXNORM:
        return RXNORM_DRUGS.get(code)
    if system == ATC:
        exact = ATC_DRUGS.get(code)
        if exact is not None:
            return exact
        for prefix in sorted(ATC_PREFIX_DRUGS, key=len, reverse=True):
            if code.startswith(prefix):
                return ATC_PREFIX_DRUGS[prefix]
        return None
    if system == PROJECT_SYSTEM:
        return PROJECT_DRUGS.get(code)
    return None


def is_alemtuzumab(system: str | None, code: str) -> bool:
    return (system == RXNORM and code in RXNORM_ALEMTUZUMAB_CODES) or (
        system == ATC and code in ATC_ALEMTUZUMAB
    )


def vaccines_for(system: str | None, code: str) -> tuple[Vaccine, ...] | None:
    """Vaccines of a CVX code; ``(OTHER,)`` for a CVX code not in the table; None otherwise."""
    if system != CVX:
        return None
    normalised = code.zfill(2)
    known = CVX_VACCINES.get(normalised)
    if known is not None:
        return known
    return (Vaccine.OTHER_LIVE,) if normalised in LIVE_CVX else (Vaccine.OTHER,)


def is_live_cvx(code: str) -> bool:
    return code.zfill(2) in LIVE_CVX


def qual_for(system: str | None, code: str) -> Qual | None:
    if system == SNOMED:
        return QUAL_SNOMED.get(code)
    if system == V3_INTERPRETATION:
        return QUAL_V3.get(code)
    if system == LOINC:
        return QUAL_LOINC_ANSWERS.get(code)
    return None


def qual_for_text(text: str) -> Qual | None:
    return QUAL_TEXT.get(" ".join(text.strip().lower().split()))


def protein_strip_grade(mg_dl: float) -> Qual:
    for floor, qual in PROTEIN_STRIP_MG_DL:
        if mg_dl >= floor:
            return qual
    return Qual.NEGATIVE
