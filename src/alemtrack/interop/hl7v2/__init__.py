"""HL7 v2 laboratory feed: ORU^R01 messages in, ACKs out, MLLP framing (docs/lab-feeds.md).

    reading = read_oru(text)          # Hl7InputError only when it is not an ORU^R01 at all
    reading.patients[0].results       # FeedResult per usable OBX
    reading.issues                    # Issue per OBX not used, with the reason (ERR segments)
    build_ack(reading.header, "AA", reading.issues, text=..., now=...)
"""

from __future__ import annotations

from .ack import AckCode, ack_code, build_ack
from .message import Message, Segment, escape, parse, unescape
from .oru import Header, Issue, OruReading, PatientGroup, read_header, read_oru

__all__ = [
    "AckCode",
    "Header",
    "Issue",
    "Message",
    "OruReading",
    "PatientGroup",
    "Segment",
    "ack_code",
    "build_ack",
    "escape",
    "parse",
    "read_header",
    "read_oru",
    "unescape",
]
