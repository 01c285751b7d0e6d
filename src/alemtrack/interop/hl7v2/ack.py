"""The HL7 v2 acknowledgement (ACK^R01, original mode): MSH, MSA and one ERR per issue.

    AA  accepted: every result alemtrack follows was stored (ERR segments, severity I or W,
        list what was ignored on purpose: analytes alemtrack does not follow, preliminary
        results)
    AE  application error: the message was read, but a result could not be used (unit,
        value, date...), the patient is not followed here, or nothing in it was for alemtrack
    AR  application reject: the message could not be read as ORU^R01 at all; nothing stored
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from .message import escape
from .oru import Header, Issue

AckCode = Literal["AA", "AE", "AR"]

RECEIVING_APPLICATION = "alemtrack"

_ERROR_TEXT = {
    "0": "Message accepted",
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing id",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "206": "Application record locked",
    "207": "Application internal error",
}


def ack_code(issues: Sequence[Issue], *, stored_any: bool) -> AckCode:
    """AE when any issue is an error or nothing was for alemtrack, else AA."""
    if any(i.severity == "E" for i in issues) or not stored_any:
        return "AE"
    return "AA"


def build_ack(
    header: Header | None,
    code: AckCode,
    issues: Sequence[Issue],
    *,
    text: str,
    now: datetime,
    facility: str = "",
) -> str:
    """The ACK message (segments separated by CR, no MLLP framing). ``header`` is the
    original message's MSH (None when even MSH was unreadable)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    h = header or Header("", "", "", "", "", "P", "2.5.1")
    version = h.version or "2.5.1"
    msh = "|".join([
        "MSH", "^~\\&", RECEIVING_APPLICATION, escape(facility), escape(h.sending_application),
        escape(h.sending_facility), stamp, "", "ACK^R01^ACK", uuid.uuid4().hex[:20],
        escape(h.processing_id or "P"), escape(version),
    ])
    msa = "|".join(["MSA", code, escape(h.control_id), escape(text[:80])])
    segments = [msh, msa]
    for issue in issues:
        seg, occurrence, fld = issue.location
        location = f"{seg}^{occurrence}" + (f"^{fld}" if fld else "")
        error = f"{issue.code}^{_ERROR_TEXT.get(issue.code, 'Error')}^HL70357"
        segments.append("|".join(["ERR", "", location, error, issue.severity, "", "", "",
                                  escape(issue.message)]))
    return "\r".join(segments) + "\r"
