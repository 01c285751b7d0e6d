"""HL7 v2 message syntax: segments, fields, repetitions, components, escapes (HL7 v2.5.1
chapter 2). Written by hand rather than with python-hl7: that package raises IndexError and
friends on truncated input ("MSH", "MSH|"), and a lab feed must answer every message with an
ACK, so the only error this module raises is ``Hl7InputError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alemtrack.errors import Hl7InputError

_SEGMENT_NAME = re.compile(r"[A-Z][A-Z0-9]{2}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")


@dataclass(frozen=True, slots=True)
class Encoding:
    """The delimiters of a message (MSH-1 and MSH-2)."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def msh2(self) -> str:
        return self.component + self.repetition + self.escape + self.subcomponent


STANDARD = Encoding()


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its name and raw (still escaped) fields; ``fields[0]`` is the name, so
    ``fields[n]`` is field n (for MSH, field n is ``fields[n - 1]`` shifted: see ``field``)."""

    name: str
    fields: tuple[str, ...]
    encoding: Encoding
    index: int  # 1-based position in the message

    def raw(self, n: int) -> str:
        """Field ``n`` (1-based) as sent, escapes included; "" when absent."""
        if self.name == "MSH":
            if n == 1:
                return self.encoding.field
            position = n - 1
        else:
            position = n
        return self.fields[position] if 0 < position < len(self.fields) else ""

    def repetitions(self, n: int) -> list[str]:
        """The repetitions of field ``n`` (raw); [] when empty."""
        value = self.raw(n)
        if not value or (self.name == "MSH" and n in (1, 2)):
            return [value] if value else []
        return [r for r in value.split(self.encoding.repetition)]

    def component(self, n: int, c: int = 1, *, repetition: int = 0) -> str:
        """Component ``c`` (1-based) of field ``n``, unescaped and trimmed; "" when absent."""
        reps = self.repetitions(n)
        if repetition >= len(reps):
            return ""
        return self.encoding_component(reps[repetition], c)

    def encoding_component(self, value: str, c: int) -> str:
        parts = value.split(self.encoding.component)
        return unescape(parts[c - 1], self.encoding).strip() if c <= len(parts) else ""

    def components(self, n: int, *, repetition: int = 0) -> list[str]:
        """All components of field ``n`` (one repetition), unescaped and trimmed."""
        reps = self.repetitions(n)
        if repetition >= len(reps):
            return []
        return [unescape(p, self.encoding).strip()
                for p in reps[repetition].split(self.encoding.component)]

    def text(self, n: int) -> str:
        """Field ``n`` as text: unescaped, trimmed, first repetition, components kept joined."""
        reps = self.repetitions(n)
        return unescape(reps[0], self.encoding).strip() if reps else ""


@dataclass(frozen=True, slots=True)
class Message:
    segments: tuple[Segment, ...]
    encoding: Encoding

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    def first(self, name: str) -> Segment | None:
        return next((s for s in self.segments if s.name == name), None)


def parse(text: str) -> Message:
    """Split a message into segments and fields. Accepts CR, LF or CRLF between segments and
    MLLP framing characters around it. ``Hl7InputError`` when it is not an HL7 v2 message."""
    if not isinstance(text, str):
        raise Hl7InputError("the message is not text", hl7_code="100")
    body = text.strip("\x0b\x1c\r\n \t\ufeff")
    if not body:
        raise Hl7InputError("the message is empty", hl7_code="100", location="MSH")
    lines = [line for line in re.split(r"\r\n|\r|\n", body) if line.strip()]
    if not lines:
        raise Hl7InputError("the message holds no segment", hl7_code="100", location="MSH")
    first = lines[0]
    if not first.startswith("MSH"):
        raise Hl7InputError(f'the message starts with "{_show(first[:3])}", not MSH',
                            hl7_code="100", location="MSH")
    encoding = _encoding(first)
    segments: list[Segment] = []
    for index, line in enumerate(lines, start=1):
        name = line[:3]
        if not _SEGMENT_NAME.fullmatch(name) or (len(line) > 3 and line[3] != encoding.field):
            raise Hl7InputError(f'segment {index} "{_show(line[:8])}" is not a segment '
                                f"(three capitals or digits, then {encoding.field})",
                                hl7_code="100", location=f"segment {index}")
        fields = tuple(line.split(encoding.field))
        segments.append(Segment(name, fields, encoding, index))
    return Message(tuple(segments), encoding)


def _encoding(msh: str) -> Encoding:
    if len(msh) < 8:
        raise Hl7InputError("MSH is too short to hold its delimiters (MSH-1, MSH-2)",
                            hl7_code="102", location="MSH-2")
    field = msh[3]
    end = msh.find(field, 4)
    chars = msh[4:end] if end != -1 else msh[4:]
    delimiters = field + chars[:4]
    if (
        not 4 <= len(chars) <= 5
        or len(set(delimiters)) != 5
        or any(c.isalnum() or c.isspace() for c in delimiters)
    ):
        raise Hl7InputError(f'the delimiters "{_show(field + chars)}" are not valid (expected '
                            'five distinct signs such as |^~\\&)', hl7_code="102",
                            location="MSH-2")
    return Encoding(field, chars[0], chars[1], chars[2], chars[3])


def unescape(value: str, enc: Encoding = STANDARD) -> str:
    """Resolve HL7 escapes: \\F\\ \\S\\ \\T\\ \\R\\ \\E\\, \\Xhh..\\, \\.br\\; formatting
    escapes (\\H\\, \\N\\, ...) are dropped; anything unknown is kept as written."""
    esc = enc.escape
    if esc not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        end = value.find(esc, i + 1) if ch == esc else -1
        if end == -1:
            out.append(ch)
            i += 1
            continue
        code = value[i + 1:end]
        simple = {"F": enc.field, "S": enc.component, "T": enc.subcomponent,
                  "R": enc.repetition, "E": enc.escape}
        if code in simple:
            out.append(simple[code])
        elif code.startswith("X") and _HEX.fullmatch(code[1:]):
            out.append(bytes.fromhex(code[1:]).decode("latin-1"))
        elif code == ".br":
            out.append("\n")
        elif code in ("H", "N") or code.startswith((".sp", ".in", ".ti", ".sk", ".ce", ".fi",
                                                    ".nf")):
            pass
        else:
            out.append(value[i:end + 1])
        i = end + 1
    return "".join(out)


def escape(value: str, enc: Encoding = STANDARD) -> str:
    """Text made safe for a field: delimiters escaped, line breaks become spaces."""
    value = " ".join(value.replace("\r", "\n").split("\n"))
    out = value.replace(enc.escape, f"{enc.escape}E{enc.escape}")
    for char, code in ((enc.field, "F"), (enc.component, "S"), (enc.subcomponent, "T"),
                       (enc.repetition, "R")):
        out = out.replace(char, f"{enc.escape}{code}{enc.escape}")
    return out


def _show(text: str) -> str:
    """Text fit to quote in an error: control characters shown as escapes."""
    return text.encode("unicode_escape").decode("ascii")
