"""Write the example patients' FHIR bundles (``NN-slug.bundle.json``).

Run from the repository root: ``.venv/bin/python examples/build_bundles.py``. Every patient is
synthetic (invented names, ids and values). Each function below tells one clinical story; the
matching ``NN-slug.case.json`` states the date of the assessment and the expectations reasoned
from clinical-rules.md. Dates are chosen so that every dated expectation is exact.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fhirgen import Bundle, write  # noqa: E402

from alemtrack.protocol.vocabulary import ATC  # noqa: E402

D = date


def _candidate_workup(b: Bundle, when: D, *, female: bool, lym: float = 1.8,
                      tsh: float = 1.7) -> None:
    """R-B1 baseline labs (CBC with differential, creatinine, urinalysis, LFT, TSH)."""
    b.monthly_panel(when, lym=lym, checklist=False)
    b.lab("tsh", tsh, when)


def case01() -> tuple[str, Bundle]:
    # Treatment-naive, rapidly evolving severe RRMS (EU 2020 label: >=2 disabling relapses in
    # 12 months and Gd+ MRI); complete work-up; course 1 planned 2026-12-07.
    b = Bundle("p01", "Reinholt", "Jonas", "male", D(1995, 4, 18))
    b.rrms(D(2024, 6, 12))
    b.relapse(D(2026, 2, 16))
    b.relapse(D(2026, 8, 24))
    b.mri(D(2026, 9, 14), gd=2, new_t2=4)
    b.edss(2.5, D(2026, 9, 14))
    b.infection_screen(D(2026, 9, 15), female=False)
    b.routine_vaccines(influenza=D(2026, 10, 12), pcv13=D(2026, 8, 10),
                       ppsv23=D(2026, 10, 12), td=D(2022, 3, 1))
    _candidate_workup(b, D(2026, 11, 23), female=False, lym=1.9)
    b.ecg_cxr(D(2026, 11, 23))
    b.skin_exam(D(2026, 11, 23))
    b.course_paperwork(D(2026, 11, 23))
    b.plan_course(D(2026, 12, 7), 5, authored=D(2026, 11, 23))
    b.premedication_orders(D(2026, 12, 7), D(2026, 11, 23))
    return "01-treatment-naive-ready-to-start", b


def case02() -> tuple[str, Bundle]:
    # Fingolimod stopped 2026-09-30: the 6-week wait is over on 2026-11-11 but lymphocytes are
    # still 0.42 x10^9/L (needs > 0.8) two weeks before the planned day 1 (2026-12-01).
    b = Bundle("p02", "Ferrandez", "Lucia", "female", D(1992, 2, 9))
    b.rrms(D(2017, 3, 20))
    b.med_statement("72257", "interferon beta-1a", D(2017, 5, 2), D(2018, 12, 20))
    b.med_statement("1012892", "fingolimod", D(2019, 1, 15), D(2026, 9, 30))
    b.relapse(D(2026, 3, 2))
    b.relapse(D(2026, 8, 17))
    b.mri(D(2026, 9, 10), gd=1, new_t2=3)
    b.statement("highly-active-despite-dmt", D(2026, 9, 28))
    b.infection_screen(D(2026, 10, 5), female=True)
    b.routine_vaccines(influenza=D(2026, 10, 5), pcv13=D(2025, 11, 3), ppsv23=D(2026, 1, 12),
                       td=D(2020, 6, 1))
    b.lab("lym", 0.38, D(2026, 10, 28))
    _candidate_workup(b, D(2026, 11, 18), female=True, lym=0.42, tsh=2.1)
    b.ecg_cxr(D(2026, 11, 18))
    b.skin_exam(D(2026, 11, 18))
    b.course_paperwork(D(2026, 11, 18), listeria=D(2026, 11, 10))
    b.plan_course(D(2026, 12, 1), 5, authored=D(2026, 11, 18))
    b.premedication_orders(D(2026, 12, 1), D(2026, 11, 18))
    return "02-fingolimod-washout-lymphopenia", b


def case03() -> tuple[str, Bundle]:
    # Natalizumab, JCV index 1.85 after 5 1/2 years: switch. Last infusion 2026-09-15, so the
    # 12-week wait ends 2026-12-08, one week after the planned day 1 (2026-12-01). Gd-MRI
    # 2026-11-20 without PML signs; no CSF JCV DNA.
    b = Bundle("p03", "Solberg", "Ingrid", "female", D(1986, 7, 30))
    b.rrms(D(2014, 9, 8))
    b.med_statement("72257", "interferon beta-1a", D(2015, 1, 12), D(2020, 12, 1))
    b.med_statement("354770", "natalizumab", D(2021, 1, 11), D(2026, 9, 15))
    b.statement("highly-active-despite-dmt", D(2026, 9, 10))
    b.project_lab("jcv", D(2023, 6, 14), value=0.35, positive=True)
    b.project_lab("jcv", D(2026, 6, 20), value=1.85, positive=True)
    b.infection_screen(D(2026, 10, 12), female=True)
    b.routine_vaccines(influenza=D(2026, 10, 12), pcv13=D(2025, 10, 6), ppsv23=D(2025, 12, 15),
                       td=D(2019, 5, 6))
    b.mri(D(2026, 11, 20), gd=0, new_t2=0, pml=False)
    _candidate_workup(b, D(2026, 11, 20), female=True, lym=3.2, tsh=1.4)
    b.ecg_cxr(D(2026, 11, 20))
    b.skin_exam(D(2026, 11, 20))
    b.course_paperwork(D(2026, 11, 10))
    b.plan_course(D(2026, 12, 1), 5, authored=D(2026, 11, 10))
    b.premedication_orders(D(2026, 12, 1), D(2026, 11, 10))
    return "03-natalizumab-jcv-positive-switch", b


def case04() -> tuple[str, Bundle]:
    # Measles IgG negative at screening; MMR given 2026-11-02, only 28 days before the planned
    # day 1 (2026-11-30). Live vaccines must be complete >= 6 weeks (42 days) before day 1.
    b = Bundle("p04", "Haddad", "Amira", "female", D(1997, 10, 3))
    b.rrms(D(2022, 4, 4))
    b.med_statement("214582", "glatiramer acetate", D(2022, 5, 9), D(2026, 11, 22))
    b.relapse(D(2026, 1, 19))
    b.relapse(D(2026, 7, 6))
    b.mri(D(2026, 8, 3), gd=1, new_t2=2)
    b.statement("highly-active-despite-dmt", D(2026, 10, 1))
    b.infection_screen(D(2026, 9, 22), female=True, measles=False)
    b.routine_vaccines(influenza=D(2026, 10, 1), pcv13=D(2025, 10, 6), ppsv23=D(2025, 12, 15),
                       td=D(2019, 9, 2))
    b.vaccine("03", D(2026, 11, 2))
    b.mri(D(2026, 11, 16), gd=0, new_t2=0)  # pre-treatment MRI (EU: <= 3 months before D1)
    _candidate_workup(b, D(2026, 11, 20), female=True, tsh=2.4)
    b.ecg_cxr(D(2026, 11, 20))
    b.skin_exam(D(2026, 11, 20))
    b.course_paperwork(D(2026, 11, 10))
    b.plan_course(D(2026, 11, 30), 5, authored=D(2026, 11, 10))
    b.premedication_orders(D(2026, 11, 30), D(2026, 11, 10))
    return "04-live-vaccine-too-close-to-day1", b


def case05() -> tuple[str, Bundle]:
    # Course 1 2025-10-13..17; course 2 planned 2026-11-30 (interval met 2026-10-17) but CD4
    # 180 /uL on 2026-11-16: no systemic immune reconstitution (S3 Rec 23).
    b = Bundle("p05", "Quintero", "Rafael", "male", D(1985, 1, 22))
    b.rrms(D(2016, 5, 9))
    b.med_statement("1373478", "dimethyl fumarate", D(2017, 3, 6), D(2025, 8, 31))
    b.relapse(D(2025, 2, 10))
    b.relapse(D(2025, 7, 14))
    b.mri(D(2025, 8, 4), gd=2, new_t2=3)
    b.statement("highly-active-despite-dmt", D(2025, 8, 25))
    b.infection_screen(D(2025, 9, 15), female=False)
    b.routine_vaccines(influenza=D(2025, 8, 25), pcv13=D(2025, 6, 2), ppsv23=D(2025, 8, 25),
                       td=D(2021, 4, 12))
    _candidate_workup(b, D(2025, 9, 29), female=False, lym=1.4)
    b.ecg_cxr(D(2025, 9, 29))
    b.skin_exam(D(2025, 9, 29))
    b.course_paperwork(D(2025, 9, 29))
    b.course(D(2025, 10, 13), 5, "LMT25A07")
    b.monitoring_history(D(2025, 10, 17), 1, 13, overrides={
        1: {"lym": 0.21}, 2: {"lym": 0.35}, 3: {"lym": 0.48}, 4: {"lym": 0.55},
        5: {"lym": 0.61}, 6: {"lym": 0.66}, 7: {"lym": 0.72}, 8: {"lym": 0.75},
        9: {"lym": 0.80}, 10: {"lym": 0.84}, 11: {"lym": 0.86}, 12: {"lym": 0.88},
        13: {"lym": 0.90}})
    b.lab("cd4", 150, D(2026, 5, 16))
    b.vaccine("150", D(2026, 10, 5))
    b.skin_exam(D(2026, 9, 28))
    b.mri(D(2026, 11, 9), gd=0, new_t2=0)  # stable; pre-course MRI (EU: <= 3 months)
    b.lab("cd4", 180, D(2026, 11, 16))
    b.lab("tsh", 1.8, D(2026, 11, 16))
    b.ecg_cxr(D(2026, 11, 16))
    b.course_paperwork(D(2026, 11, 16))
    b.plan_course(D(2026, 11, 30), 3, authored=D(2026, 11, 16))
    b.premedication_orders(D(2026, 11, 30), D(2026, 11, 16))
    return "05-course2-cd4-not-reconstituted", b


def case06() -> tuple[str, Bundle]:
    # Course 1 2025-04-07..11. Month 19: monthly platelets 214 -> 62 x10^9/L on 2026-11-10,
    # no bleeding on the checklist: suspected ITP.
    b = Bundle("p06", "Voss", "Hannah", "female", D(1991, 12, 1))
    b.rrms(D(2018, 2, 5))
    b.med_statement("1012892", "fingolimod", D(2019, 2, 4), D(2025, 2, 14))
    b.relapse(D(2024, 9, 2))
    b.relapse(D(2025, 1, 13))
    b.mri(D(2025, 1, 27), gd=3, new_t2=5)
    b.statement("highly-active-despite-dmt", D(2025, 2, 20))
    b.infection_screen(D(2025, 3, 20), female=True)
    b.routine_vaccines(influenza=D(2024, 10, 14), pcv13=D(2024, 12, 2), ppsv23=D(2025, 2, 10),
                       td=D(2018, 11, 5))
    _candidate_workup(b, D(2025, 3, 28), female=True, lym=1.05)
    b.ecg_cxr(D(2025, 3, 28))
    b.skin_exam(D(2025, 3, 20))
    b.course_paperwork(D(2025, 3, 20))
    b.qual("hcg", False, D(2025, 4, 3))
    b.course(D(2025, 4, 7), 5, "LMT25B11")
    b.monitoring_history(D(2025, 4, 11), 1, 19, overrides={
        17: {"plt": 226}, 18: {"plt": 214}, 19: {"plt": 62}})
    b.cervical_screening(D(2026, 3, 18))
    b.skin_exam(D(2026, 3, 18))
    b.vaccine("150", D(2025, 10, 20))
    b.vaccine("150", D(2026, 10, 19))
    return "06-itp-month-19", b


def case07() -> tuple[str, Bundle]:
    # Courses 2024-01 and 2025-01. Routine draw 2026-11-23: creatinine 1.16 mg/dL vs baseline
    # 0.80 (+45 %) with microscopic haematuria 25 RBC/HPF, blood 2+ and protein 1+: anti-GBM.
    b = Bundle("p07", "Nowicki", "Piotr", "male", D(1980, 5, 14))
    b.rrms(D(2012, 3, 19))
    b.med_statement("72258", "interferon beta-1b", D(2012, 5, 7), D(2017, 5, 31))
    b.med_statement("1373478", "dimethyl fumarate", D(2017, 6, 12), D(2023, 12, 10))
    b.relapse(D(2023, 5, 8))
    b.relapse(D(2023, 10, 2))
    b.mri(D(2023, 11, 6), gd=2, new_t2=4)
    b.statement("highly-active-despite-dmt", D(2023, 11, 20))
    b.infection_screen(D(2023, 12, 1), female=False)
    b.routine_vaccines(influenza=D(2023, 10, 16), pcv13=D(2023, 9, 4), ppsv23=D(2023, 11, 6),
                       td=D(2020, 2, 3))
    b.monthly_panel(D(2024, 1, 5), crea=0.80, lym=1.3, checklist=False)
    b.lab("tsh", 1.5, D(2024, 1, 5))
    b.ecg_cxr(D(2024, 1, 5))
    b.skin_exam(D(2024, 1, 5))
    b.course_paperwork(D(2024, 1, 1))
    b.course(D(2024, 1, 15), 5, "LMT23K02")
    b.lab("cd4", 340, D(2025, 1, 10))
    b.ecg_cxr(D(2025, 1, 6))
    b.course_paperwork(D(2025, 1, 6))
    b.course(D(2025, 1, 20), 3, "LMT24J19")
    creatinine = (0.81, 0.83, 0.80, 0.82, 0.84, 0.81, 0.83, 0.82, 0.85, 0.83, 0.82, 0.84)
    b.monitoring_history(D(2025, 1, 22), 10, 21, overrides={
        k: {"crea": c} for k, c in zip(range(10, 22), creatinine, strict=True)})
    b.skin_exam(D(2026, 1, 12))
    b.vaccine("150", D(2026, 10, 12))
    b.monthly_panel(D(2026, 11, 23), crea=1.16, urbc=25, ublood="2+", uprot="1+")
    return "07-anti-gbm-creatinine-rise-haematuria", b


def case08() -> tuple[str, Bundle]:
    # Course 1 2025-09-08..12; course 2 planned 2026-11-30. Pre-course TFTs 2026-11-16: TSH
    # 0.01, FT4 3.1 ng/dL, TRAb 6.2 IU/L: Graves' disease. CD4 420 (reconstituted).
    b = Bundle("p08", "Marchetti", "Chloe", "female", D(1990, 8, 21))
    b.rrms(D(2019, 4, 1))
    b.med_statement("1310520", "teriflunomide", D(2019, 10, 7), D(2025, 7, 31))
    b.relapse(D(2025, 3, 10))
    b.relapse(D(2025, 6, 16))
    b.mri(D(2025, 7, 7), gd=1, new_t2=2)
    b.statement("highly-active-despite-dmt", D(2025, 8, 1))
    b.project_lab("teri", D(2025, 8, 25), value=0.012)
    b.infection_screen(D(2025, 8, 25), female=True)
    b.routine_vaccines(influenza=D(2024, 10, 21), pcv13=D(2025, 5, 5), ppsv23=D(2025, 7, 14),
                       td=D(2017, 3, 6))
    _candidate_workup(b, D(2025, 8, 29), female=True, lym=1.6, tsh=1.9)
    b.ecg_cxr(D(2025, 8, 29))
    b.skin_exam(D(2025, 8, 25))
    b.course_paperwork(D(2025, 8, 25))
    b.qual("hcg", False, D(2025, 9, 4))
    b.course(D(2025, 9, 8), 5, "LMT25D03")
    b.monitoring_history(D(2025, 9, 12), 1, 14, tsh=1.2, overrides={
        14: {"checklist_yes": ("thy-weight", "thy-temperature")}})
    b.cervical_screening(D(2026, 8, 24))
    b.skin_exam(D(2026, 8, 24))
    b.vaccine("150", D(2025, 10, 20))
    b.vaccine("150", D(2026, 10, 12))
    b.mri(D(2026, 11, 9), gd=0, new_t2=0)  # stable; pre-course MRI (EU: <= 3 months)
    when = D(2026, 11, 16)
    b.lab("tsh", 0.01, when)
    b.lab("ft4", 3.1, when)
    b.lab("ft3", 8.9, when)
    b.lab("trab", 6.2, when)
    b.lab("cd4", 420, when)
    b.ecg_cxr(when)
    b.course_paperwork(when)
    b.plan_course(D(2026, 11, 30), 3, authored=when)
    b.premedication_orders(D(2026, 11, 30), when)
    return "08-graves-disease-before-course2", b


def case09() -> tuple[str, Bundle]:
    # Courses 2023-02 and 2024-02. Relapse 2026-08-10 and MRI 2026-09-01 with 3 new T2 and
    # 1 Gd+ lesion: course 3 planned 2026-12-07, CD4 390, work-up complete.
    b = Bundle("p09", "Lindqvist", "Mateo", "male", D(1987, 3, 11))
    b.rrms(D(2015, 6, 15))
    b.med_statement("72257", "interferon beta-1a", D(2015, 8, 3), D(2019, 2, 28))
    b.med_statement("1012892", "fingolimod", D(2019, 3, 11), D(2022, 12, 15))
    b.relapse(D(2022, 4, 11))
    b.relapse(D(2022, 11, 7))
    b.mri(D(2022, 12, 1), gd=2, new_t2=3)
    b.statement("highly-active-despite-dmt", D(2022, 12, 20))
    b.infection_screen(D(2023, 1, 16), female=False)
    b.routine_vaccines(influenza=D(2022, 10, 17), pcv13=D(2022, 9, 5), ppsv23=D(2022, 11, 14),
                       td=D(2019, 1, 14))
    _candidate_workup(b, D(2023, 1, 30), female=False, lym=1.1)
    b.ecg_cxr(D(2023, 1, 30))
    b.skin_exam(D(2023, 1, 16))
    b.course_paperwork(D(2023, 1, 16))
    b.course(D(2023, 2, 6), 5, "LMT22M08")
    b.lab("cd4", 310, D(2024, 2, 1))
    b.ecg_cxr(D(2024, 1, 29))
    b.course_paperwork(D(2024, 1, 29))
    b.course(D(2024, 2, 12), 3, "LMT23N14")
    b.monitoring_history(D(2024, 2, 14), 22, 33, day_offset=-1)
    b.skin_exam(D(2026, 2, 10))
    b.relapse(D(2026, 8, 10))
    b.mri(D(2026, 9, 1), gd=1, new_t2=3)
    b.edss(3.0, D(2026, 9, 1))
    b.vaccine("150", D(2026, 10, 5))
    b.mri(D(2026, 11, 23), gd=0, new_t2=1)  # pre-course MRI (EU: <= 3 months before D1)
    b.lab("cd4", 390, D(2026, 11, 24))
    b.ecg_cxr(D(2026, 11, 24))
    b.course_paperwork(D(2026, 11, 24), listeria=D(2026, 11, 20))
    b.plan_course(D(2026, 12, 7), 3, authored=D(2026, 11, 24))
    b.premedication_orders(D(2026, 12, 7), D(2026, 11, 24))
    return "09-retreatment-course3-relapse", b


def case10() -> tuple[str, Bundle]:
    # Post-partum (delivery 2026-06) with two disabling relapses and a Gd+ MRI; breastfeeding
    # and has not agreed to stop; course 1 planned 2026-12-14.
    b = Bundle("p10", "Almeida", "Sofia", "female", D(1994, 6, 2))
    b.rrms(D(2021, 2, 15))
    b.med_statement("214582", "glatiramer acetate", D(2021, 5, 3), D(2025, 8, 31))
    b.relapse(D(2026, 7, 27))
    b.relapse(D(2026, 10, 5))
    b.mri(D(2026, 10, 20), gd=2, new_t2=3)
    b.infection_screen(D(2026, 10, 26), female=True)
    b.routine_vaccines(influenza=D(2026, 10, 26), pcv13=D(2025, 3, 3), ppsv23=D(2025, 5, 12),
                       td=D(2026, 4, 20))
    b.breastfeeding(True, D(2026, 11, 20))
    _candidate_workup(b, D(2026, 11, 20), female=True, tsh=2.2)
    b.ecg_cxr(D(2026, 11, 20))
    b.skin_exam(D(2026, 11, 20))
    b.course_paperwork(D(2026, 11, 20))
    b.plan_course(D(2026, 12, 14), 5, authored=D(2026, 11, 20))
    b.premedication_orders(D(2026, 12, 14), D(2026, 11, 20))
    return "10-breastfeeding-candidate", b


def case11() -> tuple[str, Bundle]:
    # Courses 2019-06 and 2020-06; monitoring ended 2024-06-10. Well, annual review.
    b = Bundle("p11", "Aalto", "Henrik", "male", D(1974, 9, 9))
    b.rrms(D(2010, 1, 18))
    b.med_statement("72257", "interferon beta-1a", D(2010, 3, 1), D(2018, 12, 31))
    b.relapse(D(2018, 8, 6))
    b.relapse(D(2019, 2, 11))
    b.mri(D(2019, 3, 4), gd=2, new_t2=3)
    b.statement("highly-active-despite-dmt", D(2019, 4, 15))
    b.infection_screen(D(2019, 4, 29), female=False)
    _candidate_workup(b, D(2019, 5, 20), female=False)
    b.ecg_cxr(D(2019, 5, 20))
    b.skin_exam(D(2019, 5, 20))
    b.course_paperwork(D(2019, 5, 20))
    b.course(D(2019, 6, 3), 5, "LMT19C21")
    b.lab("cd4", 280, D(2020, 5, 25))
    b.ecg_cxr(D(2020, 5, 25))
    b.course_paperwork(D(2020, 5, 25))
    b.course(D(2020, 6, 8), 3, "LMT20A04")
    b.lab("cd4", 520, D(2021, 6, 14))
    b.monitoring_history(D(2020, 6, 10), 40, 48)
    b.skin_exam(D(2025, 3, 3))
    b.skin_exam(D(2026, 3, 2))
    b.monthly_panel(D(2026, 10, 14), checklist=False)
    b.lab("tsh", 1.9, D(2026, 10, 14))
    b.vaccine("150", D(2026, 10, 14))
    return "11-monitoring-complete", b


def case12() -> tuple[str, Bundle]:
    # Teriflunomide stopped 2026-10-20, 11-day cholestyramine elimination, level 0.011 mg/L on
    # 2026-11-12 (< 0.02); negative urine hCG 2026-11-25; course 1 planned 2026-11-30.
    b = Bundle("p12", "Navarro", "Beatriz", "female", D(1982, 4, 27))
    b.rrms(D(2016, 2, 8))
    b.med_statement("72257", "interferon beta-1a", D(2016, 4, 4), D(2021, 12, 20))
    b.med_statement("1310520", "teriflunomide", D(2022, 3, 1), D(2026, 10, 20))
    b.med_statement("C10AC01", "colestyramine 8 g three times daily (accelerated elimination)",
                    D(2026, 10, 21), D(2026, 10, 31), system=ATC)
    b.relapse(D(2026, 4, 13))
    b.relapse(D(2026, 9, 7))
    b.mri(D(2026, 10, 5), gd=2, new_t2=4)
    b.statement("highly-active-despite-dmt", D(2026, 10, 15))
    b.project_lab("teri", D(2026, 11, 12), value=0.011)
    b.infection_screen(D(2026, 10, 26), female=True)
    b.routine_vaccines(influenza=D(2026, 10, 5), pcv13=D(2025, 11, 10), ppsv23=D(2026, 2, 9),
                       td=D(2018, 6, 4))
    _candidate_workup(b, D(2026, 11, 19), female=True, tsh=2.6)
    b.ecg_cxr(D(2026, 11, 19))
    b.skin_exam(D(2026, 11, 19))
    b.course_paperwork(D(2026, 11, 12))
    b.qual("hcg", False, D(2026, 11, 25))
    b.plan_course(D(2026, 11, 30), 5, authored=D(2026, 11, 12))
    b.premedication_orders(D(2026, 11, 30), D(2026, 11, 12))
    return "12-teriflunomide-washout-cleared", b


def case13() -> tuple[str, Bundle]:
    # Course 1 2025-05-12..16; monthly draws to 2026-07-15, then none in August or September.
    b = Bundle("p13", "Bakker", "Noor", "female", D(1999, 1, 19))
    b.rrms(D(2021, 3, 1))
    b.med_statement("1373478", "dimethyl fumarate", D(2021, 6, 7), D(2025, 4, 20))
    b.relapse(D(2024, 10, 14))
    b.relapse(D(2025, 2, 24))
    b.mri(D(2025, 3, 10), gd=2, new_t2=2)
    b.statement("highly-active-despite-dmt", D(2025, 4, 1))
    b.infection_screen(D(2025, 4, 28), female=True)
    b.routine_vaccines(influenza=D(2024, 10, 7), pcv13=D(2024, 11, 4), ppsv23=D(2025, 1, 13),
                       td=D(2017, 9, 4))
    _candidate_workup(b, D(2025, 5, 2), female=True, lym=1.3)
    b.ecg_cxr(D(2025, 5, 2))
    b.skin_exam(D(2025, 4, 28))
    b.course_paperwork(D(2025, 4, 28))
    b.qual("hcg", False, D(2025, 5, 8))
    b.course(D(2025, 5, 12), 5, "LMT25B30")
    b.monitoring_history(D(2025, 5, 16), 1, 14)
    b.cervical_screening(D(2026, 4, 27))
    b.skin_exam(D(2026, 4, 27))
    return "13-overdue-monitoring", b


def case14() -> tuple[str, Bundle]:
    # Courses 2024-10 and 2025-10. 2026-11-17: fever 39.1 C, ferritin 4200, bicytopenia,
    # transaminases > 3x ULN, triglycerides 330 mg/dL, fibrinogen 140 mg/dL: possible HLH.
    b = Bundle("p14", "Lindgren", "Tobias", "male", D(1989, 11, 30))
    b.rrms(D(2017, 1, 16))
    b.med_statement("72257", "interferon beta-1a", D(2017, 3, 6), D(2020, 1, 31))
    b.med_statement("1373478", "dimethyl fumarate", D(2020, 2, 10), D(2024, 8, 31))
    b.relapse(D(2024, 3, 4))
    b.relapse(D(2024, 7, 22))
    b.mri(D(2024, 8, 12), gd=2, new_t2=5)
    b.statement("highly-active-despite-dmt", D(2024, 8, 26))
    b.infection_screen(D(2024, 9, 16), female=False)
    b.routine_vaccines(influenza=D(2024, 8, 19), pcv13=D(2024, 5, 6), ppsv23=D(2024, 7, 15),
                       td=D(2021, 10, 4))
    b.monthly_panel(D(2024, 9, 27), hb=14.9, plt=250, lym=1.2, checklist=False)
    b.lab("tsh", 1.3, D(2024, 9, 27))
    b.ecg_cxr(D(2024, 9, 27))
    b.skin_exam(D(2024, 9, 16))
    b.course_paperwork(D(2024, 9, 23))
    b.course(D(2024, 10, 7), 5, "LMT24F12")
    b.lab("cd4", 330, D(2025, 10, 1))
    b.ecg_cxr(D(2025, 9, 29))
    b.course_paperwork(D(2025, 9, 29))
    b.course(D(2025, 10, 13), 3, "LMT25H05")
    b.monitoring_history(D(2025, 10, 15), 1, 12, overrides={12: {"plt": 210}})
    b.skin_exam(D(2026, 3, 9))
    when = D(2026, 11, 17)
    b.temperature(39.1, when, "10:30")
    b.monthly_panel(when, plt=78, hb=8.6, wbc=2.1, anc=0.8, lym=0.6, crea=0.95, alt=142,
                    ast=165, bili=0.9, checklist_yes=("inf-fever",))
    b.lab("ferritin", 4200, when)
    b.lab("tg", 330, when)
    b.lab("fib", 140, when)
    b.lab("ldh", 820, when)
    b.lab("hapto", 110, when)
    return "14-hlh-picture", b


def case15() -> tuple[str, Bundle]:
    # Course 1 2026-06-08..12; contraception needed to 2026-10-12; positive urine hCG 2026-09-21.
    b = Bundle("p15", "Petrova", "Elena", "female", D(1996, 3, 14))
    b.rrms(D(2020, 1, 13))
    b.med_statement("1012892", "fingolimod", D(2020, 4, 6), D(2026, 4, 10))
    b.relapse(D(2025, 11, 3))
    b.relapse(D(2026, 3, 9))
    b.mri(D(2026, 4, 6), gd=2, new_t2=2)
    b.statement("highly-active-despite-dmt", D(2026, 4, 15))
    b.infection_screen(D(2026, 5, 25), female=True)
    b.routine_vaccines(influenza=D(2025, 10, 13), pcv13=D(2025, 12, 1), ppsv23=D(2026, 2, 16),
                       td=D(2020, 9, 7))
    _candidate_workup(b, D(2026, 6, 1), female=True, lym=0.95)
    b.ecg_cxr(D(2026, 6, 1))
    b.skin_exam(D(2026, 5, 25))
    b.course_paperwork(D(2026, 5, 25))
    b.qual("hcg", False, D(2026, 6, 4))
    b.course(D(2026, 6, 8), 5, "LMT26C18")
    b.monitoring_history(D(2026, 6, 12), 1, 3)
    b.qual("hcg", True, D(2026, 9, 21))
    b.pregnancy_status(True, D(2026, 9, 21))
    return "15-pregnancy-in-contraception-window", b


def case16() -> tuple[str, Bundle]:
    # IGRA positive, normal chest X-ray: latent TB. Isoniazid started 2026-11-09; course 1
    # planned 2026-11-19, i.e. before the 14-day isoniazid tolerability check (2026-11-23).
    b = Bundle("p16", "Mensah", "Kwame", "male", D(1983, 12, 5))
    b.rrms(D(2018, 10, 1))
    b.med_statement("1373478", "dimethyl fumarate", D(2019, 2, 4), D(2026, 10, 25))
    b.relapse(D(2026, 3, 16))
    b.relapse(D(2026, 9, 21))
    b.mri(D(2026, 10, 5), gd=1, new_t2=2)
    b.statement("highly-active-despite-dmt", D(2026, 10, 12))
    b.infection_screen(D(2026, 10, 20), female=False, igra=True)
    b.routine_vaccines(influenza=D(2026, 10, 1), pcv13=D(2025, 9, 8), ppsv23=D(2025, 11, 10),
                       td=D(2022, 1, 10))
    b.procedure("procedure-chest-xray", "Chest X-ray", D(2026, 10, 28))
    b.condition("11999007", "Inactive tuberculosis (latent TB infection)", D(2026, 10, 28))
    b.med_statement("6038", "isoniazid 300 mg daily", D(2026, 11, 9), None)
    b.med_statement("A11HA02", "pyridoxine 50 mg daily", D(2026, 11, 9), None, system=ATC)
    _candidate_workup(b, D(2026, 11, 16), female=False, lym=1.05, tsh=1.1)
    b.ecg_cxr(D(2026, 11, 16), cxr=False)
    b.skin_exam(D(2026, 11, 16))
    b.course_paperwork(D(2026, 11, 4))
    b.plan_course(D(2026, 11, 19), 5, authored=D(2026, 11, 4))
    b.premedication_orders(D(2026, 11, 19), D(2026, 11, 4))
    return "16-latent-tb-isoniazid-started", b


def case17() -> tuple[str, Bundle]:
    # US profile. Dimethyl fumarate 2019-2026 (one prior DMT: the US label "generally" reserves
    # alemtuzumab for >=2), two disabling relapses in 2026 and a Gd+ MRI; complete work-up with
    # the US urine protein:creatinine ratio; course 1 planned 2026-12-07, but neither the
    # patient's REMS enrolment nor the site's REMS certification is on record.
    b = Bundle("p17", "Okafor", "Daniel", "male", D(1992, 8, 14))
    b.rrms(D(2019, 5, 6))
    b.med_statement("1373478", "dimethyl fumarate", D(2019, 7, 1), D(2026, 10, 16))
    b.relapse(D(2026, 2, 9))
    b.relapse(D(2026, 8, 31))
    b.mri(D(2026, 9, 21), gd=1, new_t2=2)
    b.edss(2.0, D(2026, 9, 21))
    b.infection_screen(D(2026, 10, 19), female=False)
    b.routine_vaccines(influenza=D(2026, 10, 5), pcv13=D(2025, 10, 6), ppsv23=D(2026, 1, 12),
                       td=D(2021, 3, 1))
    _candidate_workup(b, D(2026, 11, 25), female=False, lym=1.35, tsh=1.6)
    b.lab("upcr", 48, D(2026, 11, 25))
    b.ecg_cxr(D(2026, 11, 25))
    b.skin_exam(D(2026, 11, 25))
    b.course_paperwork(D(2026, 11, 20))
    b.plan_course(D(2026, 12, 7), 5, authored=D(2026, 11, 20))
    b.premedication_orders(D(2026, 12, 7), D(2026, 11, 20))
    return "17-us-one-prior-dmt-rems-missing", b


def case18() -> tuple[str, Bundle]:
    # es2019 profile (S3 as published). Glatiramer 2019-2026, one relapse in 2025 and an MRI
    # with 2 new T2 lesions on 2026-09-28 (S3 Rec 1 activity); work-up complete, S3 Table P
    # premedication and aciclovir ordered; course 1 planned 2026-12-14. Low-dose aspirin since
    # 2025: an anti-platelet therapy, a 2020 EU contraindication applied in es2019 (§12 N6).
    b = Bundle("p18", "Salvat", "Irene", "female", D(1997, 2, 20))
    b.rrms(D(2019, 10, 7))
    b.med_statement("214582", "glatiramer acetate", D(2019, 11, 4), D(2026, 11, 2))
    b.med_statement("1191", "aspirin 100 mg daily", D(2025, 3, 10), None)
    b.relapse(D(2025, 6, 16))
    b.mri(D(2026, 9, 28), gd=0, new_t2=2)
    b.edss(1.5, D(2026, 9, 28))
    b.infection_screen(D(2026, 10, 19), female=True)
    b.routine_vaccines(influenza=D(2026, 10, 12), pcv13=D(2025, 11, 3), ppsv23=D(2026, 1, 19),
                       td=D(2020, 5, 4))
    _candidate_workup(b, D(2026, 11, 30), female=True, lym=1.7, tsh=2.0)
    b.ecg_cxr(D(2026, 11, 30))
    b.skin_exam(D(2026, 11, 30))
    b.course_paperwork(D(2026, 11, 23))
    b.qual("hcg", False, D(2026, 12, 8))
    b.plan_course(D(2026, 12, 14), 5, authored=D(2026, 11, 23))
    b.premedication_orders(D(2026, 12, 14), D(2026, 11, 23))
    return "18-es2019-mri-activity-on-aspirin", b


CASES: tuple[Callable[[], tuple[str, Bundle]], ...] = (
    case01, case02, case03, case04, case05, case06, case07, case08, case09, case10, case11,
    case12, case13, case14, case15, case16, case17, case18,
)


def main() -> None:
    for make in CASES:
        slug, bundle = make()
        write(bundle, str(HERE / f"{slug}.bundle.json"))
        print(f"{slug}: {len(bundle.entries)} resources")


if __name__ == "__main__":
    main()
