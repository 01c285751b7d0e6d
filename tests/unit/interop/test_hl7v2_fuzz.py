"""Fuzzing the HL7 v2 reader: whatever arrives, it either reads the message or raises the
documented ``Hl7InputError``; and an ACK can always be built from what it read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alemtrack.errors import Hl7InputError
from alemtrack.interop.hl7v2 import build_ack, parse, read_oru

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "hl7v2"
CBC = (SAMPLES / "nist-lri-cbc-oru-r01.hl7").read_text("ascii")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made of HL7's own alphabet, so that the fuzzer reaches past MSH.
HL7_ALPHABET = st.sampled_from(list("|^~\\&\r\nMSHPIDOBXRC0123456789.-+ <>=_FNSTWXAEUL"))
FIELD_VALUES = st.text(alphabet=HL7_ALPHABET, max_size=12) | st.text(max_size=12)


def read_and_ack(text: str) -> None:
    try:
        reading = read_oru(text)
    except Hl7InputError as exc:
        assert str(exc)
        return
    ack = build_ack(reading.header, "AE", reading.issues, text="fuzz", now=NOW)
    assert parse(ack).segments[1].name == "MSA"
    for patient in reading.patients:
        for result in patient.results:
            assert result.key and result.where.startswith("OBX ")


@FUZZ
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_with_hl7_input_error(text):
    read_and_ack(text)


@FUZZ
@given(st.text(alphabet=HL7_ALPHABET, max_size=400))
def test_text_of_hl7_delimiters_is_read_or_refused_with_hl7_input_error(text):
    read_and_ack("MSH|^~\\&|" + text)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(1, 30), FIELD_VALUES),
                min_size=1, max_size=8))
def test_a_real_message_with_fields_replaced_is_read_or_refused(edits):
    segments = [s.split("|") for s in CBC.strip("\r").split("\r")]
    for seg_index, field_index, value in edits:
        seg = segments[seg_index % len(segments)]
        if field_index < len(seg):
            seg[field_index] = value
    read_and_ack("\r".join("|".join(s) for s in segments))


@FUZZ
@given(st.binary(max_size=300))
def test_bytes_decoded_as_latin1_are_read_or_refused(data):
    read_and_ack(data.decode("latin-1"))
