"""HL7 v2 lab feed into the clinic (SQLite and PostgreSQL): results stored through the FHIR
import path (idempotent, ledger, re-evaluation), corrections supersede, retractions remove,
and every message answered with an ACK."""

from __future__ import annotations

from pathlib import Path

import pytest

from alemtrack.interop.hl7v2 import parse
from alemtrack.protocol.facts import Analyte
from alemtrack.services.labfeed import LabFeed

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "hl7v2"


def patient_bundle(fhir_id: str = "p06", family: str = "Voss", given: str = "Hannah") -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": fhir_id, "gender": "female", "birthDate": "1991-12-01",
        "name": [{"family": family, "given": [given]}]}}]}


def oru(*obx: str, pid: str = "PID|1||p06^^^HOSP^MR||Voss^Hannah", order: str = "F-1001",
        control: str = "MSG-1") -> str:
    return "\r".join([
        f"MSH|^~\\&|LAB|HOSP|alemtrack|MSC|20261120093000+0100||ORU^R01^ORU_R01|{control}|P|"
        "2.5.1", pid, f"OBR|1||{order}^LAB|57021-8^CBC^LN|||20261120080000+0100", *obx]) + "\r"


def platelets(value: str, status: str = "F", when: str = "20261120080000+0100") -> str:
    return f"OBX|1|NM|26515-7^Platelets^LN||{value}|10*9/L|150-400|L|||{status}|||{when}"


def msa(ack: str) -> tuple[str, str]:
    seg = parse(ack).segments[1]
    return seg.component(1), seg.component(2)


def labs(clinic, analyte: Analyte) -> list[float | None]:
    return [lab.value for lab in clinic.facts(1).labs if lab.analyte is analyte]


@pytest.fixture
def feed(clinic) -> LabFeed:
    clinic.import_bundle(patient_bundle(), source="test", actor="test")
    return LabFeed(clinic, facility="MS Centre")


def test_the_nist_cbc_stores_its_four_followed_results_and_answers_ae_for_the_haemoglobin(
        clinic):
    clinic.import_bundle(patient_bundle("PATID1234", "Jones", "William"), source="t", actor="t")
    outcome = LabFeed(clinic).receive_hl7((SAMPLES / "nist-lri-cbc-oru-r01.hl7").read_text(),
                                          actor="lab")
    assert outcome.code == "AE" and msa(outcome.ack) == ("AE", "NIST-LRI-NG-002.00")
    assert outcome.stored == 4
    facts = clinic.facts(1)
    got = {lab.analyte: (lab.value, lab.unit, lab.ref_low, lab.ref_high) for lab in facts.labs}
    assert got == {
        Analyte.PLATELETS: (210, "10*3/uL", 150, 350),
        Analyte.WBC: (105.6, "10*3/uL", 4.3, 10.8),
        Analyte.LYMPHOCYTES: (41.2, "10*3/uL", 1.0, 4.8),
        Analyte.NEUTROPHILS: (58, "10*3/uL", 1.5, 7.0),
    }
    errors = [i for i in outcome.issues if i.severity == "E"]
    assert len(errors) == 1 and "haemoglobin" in errors[0].message


def test_the_same_message_twice_stores_nothing_the_second_time(feed, clinic):
    first = feed.receive_hl7(oru(platelets("142")), actor="lab")
    again = feed.receive_hl7(oru(platelets("142")), actor="lab")
    assert (first.code, first.stored) == ("AA", 1)
    assert (again.code, again.stored, again.unchanged) == ("AA", 0, 1)
    assert labs(clinic, Analyte.PLATELETS) == [142]


def test_a_low_platelet_count_from_the_feed_re_evaluates_the_patient(feed, clinic):
    feed.receive_hl7(oru(platelets("62")), actor="lab")
    alerts = clinic.alerts(patient_id=1).items
    assert any(a.rule == "R-H4" for a in alerts)


def test_a_corrected_result_supersedes_the_final_one(feed, clinic):
    feed.receive_hl7(oru(platelets("62")), actor="lab")
    corrected = feed.receive_hl7(oru(platelets("162", status="C"), control="MSG-2"),
                                 actor="lab")
    assert (corrected.code, corrected.stored, corrected.superseded) == ("AA", 1, 1)
    assert labs(clinic, Analyte.PLATELETS) == [162]


def test_a_preliminary_result_is_ignored_with_a_reason_and_stores_nothing(feed, clinic):
    outcome = feed.receive_hl7(oru(platelets("62", status="P")), actor="lab")
    assert outcome.code == "AE" and outcome.stored == 0
    assert "preliminary" in outcome.issues[0].message
    assert labs(clinic, Analyte.PLATELETS) == []


def test_a_deleted_result_is_retracted(feed, clinic):
    feed.receive_hl7(oru(platelets("62")), actor="lab")
    outcome = feed.receive_hl7(oru(platelets("", status="D"), control="MSG-3"), actor="lab")
    assert outcome.code == "AA"
    assert labs(clinic, Analyte.PLATELETS) == []


def test_blood_lead_and_stool_culture_are_refused_with_ae_and_a_reason(clinic):
    clinic.import_bundle(patient_bundle("9817566735", "Johnson", "Philip"), source="t",
                         actor="t")
    clinic.import_bundle(patient_bundle("987488015", "Whiteagle", "Adam"), source="t",
                         actor="t")
    feed = LabFeed(clinic)
    for name in ("nist-elr-blood-lead-oru-r01-tc1.hl7", "nist-elr-stool-culture-oru-r01-tc6.hl7",
                 "nist-elr-blood-lead-corrected-oru-r01-tc3.hl7"):
        outcome = feed.receive_hl7((SAMPLES / name).read_text(), actor="lab")
        assert outcome.code == "AE" and outcome.stored == 0, name
        assert "no result in the message is one alemtrack follows" in outcome.ack
        assert "is not an analyte alemtrack follows" in outcome.ack


def test_a_malformed_message_gets_a_rejecting_ack_not_a_crash(feed):
    for text in ("", "garbage", "MSH|", "MSH|^~\\&|A|B|||x||ADT^A01|C9|P|2.5.1\rPID|1"):
        outcome = feed.receive_hl7(text, actor="lab")
        assert outcome.code == "AR", text
        assert msa(outcome.ack)[0] == "AR"
        assert parse(outcome.ack).segments[2].name == "ERR"
    ack = feed.receive_hl7("MSH|^~\\&|A|B|||x||ADT^A01|C9|P|2.5.1", actor="lab").ack
    assert msa(ack) == ("AR", "C9")


def test_results_of_a_patient_not_followed_here_are_refused(feed, clinic):
    outcome = feed.receive_hl7(oru(platelets("62"), pid="PID|1||nobody^^^H^MR||Voss^H"),
                               actor="lab")
    assert outcome.code == "AE" and "patient nobody is not followed" in outcome.ack
    assert labs(clinic, Analyte.PLATELETS) == []


def test_a_family_name_that_does_not_match_the_patient_is_refused(feed, clinic):
    outcome = feed.receive_hl7(oru(platelets("62"), pid="PID|1||p06^^^H^MR||Smith^Hannah"),
                               actor="lab")
    assert outcome.code == "AE" and "does not match" in outcome.ack
    assert labs(clinic, Analyte.PLATELETS) == []


def test_a_result_dated_after_today_is_refused(feed, clinic):
    outcome = feed.receive_hl7(oru(platelets("62", when="20261201080000+0100")), actor="lab")
    assert outcome.code == "AE" and "after today" in outcome.ack
    assert labs(clinic, Analyte.PLATELETS) == []


def test_the_feed_keeps_the_patient_resource_unchanged(feed, clinic):
    before = clinic.patient_resource("p06")
    feed.receive_hl7(oru(platelets("142")), actor="lab")
    assert clinic.patient_resource("p06") == before
