"""HL7 v2 ORU^R01 reading: the public sample messages (shared/testdata/hl7v2, README §2),
synthetic messages for each mapping rule, and the ACK."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from alemtrack.errors import Hl7InputError
from alemtrack.interop.hl7v2 import build_ack, escape, parse, read_oru, unescape
from alemtrack.protocol.facts import Analyte

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "hl7v2"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def sample(name: str) -> str:
    return (SAMPLES / name).read_text("ascii")


def message(*obx: str, pid: str = "PID|1||p-0001^^^HOSP^MR||Example^Anna||19900402|F",
            obr: str = "OBR|1||F-1001^LAB|57021-8^CBC^LN|||20261120080000+0100",
            msh: str = "MSH|^~\\&|LAB|HOSP|alemtrack|MSC|20261120093000+0100||ORU^R01^ORU_R01|"
                       "MSG-1|P|2.5.1") -> str:
    return "\r".join([msh, pid, obr, *obx]) + "\r"


def obx(loinc: str = "26515-7^Platelets^LN", value: str = "142", unit: str = "10*3/uL",
        *, vtype: str = "NM", status: str = "F", ref: str = "150-400", flag: str = "",
        when: str = "20261120080000+0100", subid: str = "") -> str:
    return f"OBX|1|{vtype}|{loinc}|{subid}|{value}|{unit}|{ref}|{flag}|||{status}|||{when}"


def test_the_nist_cbc_sample_maps_platelets_wbc_lymphocytes_and_neutrophils_in_alemtrack_units():
    reading = read_oru(sample("nist-lri-cbc-oru-r01.hl7"))
    (patient,) = reading.patients
    assert patient.ids == ("PATID1234",) and patient.family == "Jones"
    got = {r.analyte: r for r in patient.results}
    assert set(got) == {Analyte.PLATELETS, Analyte.WBC, Analyte.LYMPHOCYTES,
                        Analyte.NEUTROPHILS}
    platelets = got[Analyte.PLATELETS]
    assert (platelets.value, platelets.unit) == (210000, "{cells}/uL")
    assert (platelets.converted, platelets.canonical) == (210, "10*3/uL")
    assert (platelets.ref_low, platelets.ref_high) == (150000, 350000)
    assert platelets.effective == "2011-01-03T14:34:28-08:00"
    assert platelets.day == date(2011, 1, 3)
    assert platelets.status == "final" and platelets.interpretation == "N"
    assert got[Analyte.WBC].converted == 105.6 and got[Analyte.WBC].interpretation == "HH"
    assert reading.obx_count == 28


def test_the_nist_cbc_haemoglobin_in_g_per_ml_is_rejected_as_implausible_not_stored():
    reading = read_oru(sample("nist-lri-cbc-oru-r01.hl7"))
    errors = [i for i in reading.issues if i.severity == "E"]
    assert len(errors) == 1
    (hb,) = errors
    assert hb.location == ("OBX", 2, 6)
    assert "718-7" in hb.message and "implausible for haemoglobin" in hb.message


def test_analytes_alemtrack_does_not_follow_are_listed_as_informational_issues():
    reading = read_oru(sample("nist-lri-cbc-oru-r01.hl7"))
    ignored = [i for i in reading.issues if i.severity == "I"]
    assert len(ignored) == 23  # 28 OBX: 4 stored, haemoglobin refused, 23 not followed
    assert all("is not an analyte alemtrack follows" in i.message for i in ignored)
    assert ignored[0].location == ("OBX", 1, 3) and "26453-1" in ignored[0].message


@pytest.mark.parametrize("name", [
    "nist-elr-blood-lead-oru-r01-tc1.hl7",
    "nist-elr-blood-lead-corrected-oru-r01-tc3.hl7",
    "nist-elr-stool-culture-oru-r01-tc6.hl7",
])
def test_public_health_samples_parse_and_their_analytes_are_refused_with_a_reason(name):
    reading = read_oru(sample(name))
    assert [r for p in reading.patients for r in p.results] == []
    assert reading.issues and all("not an analyte alemtrack follows" in i.message
                                  for i in reading.issues)


def test_the_stool_culture_sample_with_repeated_set_ids_is_located_by_occurrence():
    reading = read_oru(sample("nist-elr-stool-culture-oru-r01-tc6.hl7"))
    assert [i.location[:2] for i in reading.issues] == [("OBX", 1), ("OBX", 2), ("OBX", 3)]


def test_the_python_hl7_sample_glucose_without_a_loinc_coding_system_is_refused():
    reading = read_oru(sample("python-hl7-sample-oru-r01.hl7"))
    assert reading.header.control_id == "CNTRL-3456" and reading.header.version == "2.4"
    assert reading.patients[0].family == "EVERYWOMAN"
    assert all("not LOINC (LN)" in i.message for i in reading.issues)


def test_a_corrected_result_carries_the_key_of_the_result_it_replaces():
    final = read_oru(message(obx(value="95"))).patients[0].results[0]
    corrected = read_oru(message(obx(value="59", status="C"))).patients[0].results[0]
    assert corrected.status == "corrected" and corrected.value == 59
    assert corrected.key == final.key


@pytest.mark.parametrize("status", ["P", "R", "S", "I", "U"])
def test_a_result_that_is_not_final_is_ignored_with_a_warning(status):
    reading = read_oru(message(obx(status=status)))
    assert reading.patients[0].results == []
    (issue,) = reading.issues
    assert issue.severity == "W" and issue.location == ("OBX", 1, 11)
    assert f"result status {status}" in issue.message


@pytest.mark.parametrize("status", ["D", "W", "X"])
def test_deleted_wrong_patient_and_cannot_be_obtained_retract_the_result(status):
    (result,) = read_oru(message(obx(value="", status=status))).patients[0].results
    assert result.status == "entered-in-error"
    assert result.key == read_oru(message(obx())).patients[0].results[0].key


def test_a_structured_numeric_with_a_comparator_keeps_the_comparator():
    (result,) = read_oru(message(obx(vtype="SN", value="<^20"))).patients[0].results
    assert (result.value, result.comparator) == (20, "<")


def test_a_structured_numeric_range_is_refused():
    reading = read_oru(message(obx(vtype="SN", value="^10^-^20")))
    assert "range or ratio" in reading.issues[0].message


def test_a_coded_qualitative_result_keeps_its_snomed_coding():
    line = obx("5794-3^Hemoglobin [Presence] in Urine by Test strip^LN",
               "260385009^Negative^SCT", "", vtype="CWE", ref="")
    (result,) = read_oru(message(line)).patients[0].results
    assert result.qual_coding == ("http://snomed.info/sct", "260385009", "Negative")


def test_a_text_qualitative_result_is_read_and_nonsense_is_refused():
    ok = obx("5794-3^Blood urine^LN", "trace", "", vtype="ST", ref="")
    bad = obx("5794-3^Blood urine^LN", "see note", "", vtype="ST", ref="")
    assert read_oru(message(ok)).patients[0].results[0].qual_text == "trace"
    assert "not a result alemtrack reads" in read_oru(message(bad)).issues[0].message


def test_a_numeric_result_sent_as_text_is_read_as_a_number():
    (result,) = read_oru(message(obx(vtype="ST", value="142"))).patients[0].results
    assert result.converted == 142


def test_a_unit_that_does_not_convert_names_the_unit_and_the_analyte():
    (issue,) = read_oru(message(obx(unit="mg/dL"))).issues
    assert issue.location == ("OBX", 1, 6)
    assert 'unit "mg/dL" cannot be converted to 10*3/uL for platelets' in issue.message


def test_the_date_falls_back_to_obr_7_and_a_time_without_offset_keeps_the_date():
    (r,) = read_oru(message(obx(when=""), obr="OBR|1||F-1|x|||202611200800")).patients[0].results
    assert r.effective == "2026-11-20"


def test_a_result_without_any_date_is_refused():
    reading = read_oru(message(obx(when=""), obr="OBR|1||F-1|x"))
    assert "no observation date" in reading.issues[0].message


def test_reference_ranges_in_the_usual_spellings_are_read():
    def bounds(ref: str) -> tuple[float | None, float | None]:
        result = read_oru(message(obx(ref=ref))).patients[0].results[0]
        return result.ref_low, result.ref_high

    assert bounds("150 to 400") == (150, 400)
    assert bounds("70_105") == (70, 105)
    assert bounds("<400") == (None, 400)
    assert bounds(">=150") == (150, None)
    assert bounds("see report") == (None, None)


def test_escaped_delimiters_in_text_are_resolved():
    assert unescape("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f") == "a|b^c&d~e\\f"
    assert unescape(escape("x|y^z&w~v\\u")) == "x|y^z&w~v\\u"


def test_several_patients_in_one_message_each_get_their_results():
    text = "\r".join([
        "MSH|^~\\&|LAB|HOSP|||20261120||ORU^R01|M2|P|2.5.1",
        "PID|1||p-1^^^H^MR||One^A", "OBR|1||F-1|x|||20261120", obx(),
        "PID|2||p-2^^^H^MR||Two^B", "OBR|1||F-2|x|||20261120", obx(value="99"),
    ])
    reading = read_oru(text)
    assert [(p.ids[0], [r.value for r in p.results]) for p in reading.patients] == [
        ("p-1", [142]), ("p-2", [99])]


@pytest.mark.parametrize("text, where", [
    ("", "MSH"),
    ("garbage", "MSH"),
    ("MSH", "MSH-2"),
    ("MSH|", "MSH-2"),
    ("MSH|^~\\&|A|B|||20261120||ADT^A01|C1|P|2.5.1\rPID|1", "MSH-9"),
    ("MSH|^~\\&|A|B|||20261120||ORU^R01||P|2.5.1\rPID|1", "MSH-10"),
    ("MSH|^~\\&|A|B|||20261120||ORU^R01|C1|P|9.9\rPID|1", "MSH-12"),
    ("MSH|^~\\&|A|B|||20261120||ORU^R01|C1|P|2.5.1\rpid|1", "segment 2"),
])
def test_a_malformed_message_raises_the_documented_error_naming_where(text, where):
    with pytest.raises(Hl7InputError) as caught:
        read_oru(text)
    assert caught.value.location == where


def test_lf_and_crlf_segment_ends_and_mllp_framing_are_accepted():
    text = message(obx())
    for variant in (text.replace("\r", "\n"), text.replace("\r", "\r\n"),
                    "\x0b" + text + "\x1c\r"):
        assert read_oru(variant).patients[0].results[0].converted == 142


def test_the_ack_echoes_the_control_id_swaps_the_parties_and_lists_each_issue():
    reading = read_oru(sample("nist-lri-cbc-oru-r01.hl7"))
    ack = build_ack(reading.header, "AE", reading.issues, text="4 stored", now=NOW,
                    facility="MS Centre")
    segments = parse(ack).segments
    msh, msa = segments[0], segments[1]
    assert msh.component(3) == "alemtrack" and msh.component(5) == "NIST Test Lab APP"
    assert msh.component(9, 1) == "ACK" and msh.component(7) == "20261121090000+0000"
    assert msh.component(11) == "T"  # the processing id of the original (test)
    assert (msa.component(1), msa.component(2)) == ("AE", "NIST-LRI-NG-002.00")
    errs = [s for s in segments if s.name == "ERR"]
    assert len(errs) == len(reading.issues) == 24
    hb = next(e for e in errs if e.component(4) == "E")
    assert (hb.component(2, 1), hb.component(2, 2), hb.component(2, 3)) == ("OBX", "2", "6")
    assert hb.component(3, 1) == "103" and "haemoglobin" in hb.text(8)


def test_the_ack_escapes_delimiters_in_messages():
    reading = read_oru(message(obx(loinc="1-8^A|B^XX".replace("|", "\\F\\"))))
    ack = build_ack(reading.header, "AE", reading.issues, text="x", now=NOW)
    err = parse(ack).segments[2]
    assert len(err.fields) == 9 and "A|B" in err.text(8)
