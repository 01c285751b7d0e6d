"""The server-side SVG charts the patient page draws (pure Python, no JavaScript)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from alemtrack.web.plots import Band, Line, Marker, Point, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def platelets() -> list[Point]:
    return [Point(date(2026, m, 10), v, f"2026-{m:02d}-10: {v:g}")
            for m, v in [(9, 238), (10, 214), (11, 62)]]


def test_a_chart_is_well_formed_svg_with_a_title_for_screen_readers() -> None:
    svg = line_chart(platelets(), title="Platelets", unit="×10⁹/L",
                     lines=[Line(150, "150 lower normal"), Line(100, "100 ITP", "alarm")])
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-label") == "Platelets"
    assert root.find(f"{SVG}title") is not None
    assert "2026-11-10: 62" in (root.findtext(f"{SVG}desc") or "")
    assert len(root.findall(f"{SVG}circle")) == 3


def test_reference_lines_carry_their_label_as_text_not_colour_alone() -> None:
    svg = str(line_chart(platelets(), title="Platelets", unit="×10⁹/L",
                         lines=[Line(150, "150 lower normal"), Line(100, "100 ITP", "alarm")]))
    assert ">150 lower normal</text>" in svg and ">100 ITP</text>" in svg


def test_the_lowest_value_is_drawn_below_the_alarm_line() -> None:
    root = ET.fromstring(str(line_chart(platelets(), title="P", unit="u",
                                        lines=[Line(100, "100 ITP", "alarm")])))
    alarm = next(e for e in root.iter(f"{SVG}line") if "alarm" in (e.get("class") or ""))
    lowest = root.findall(f"{SVG}circle")[-1]
    assert float(lowest.get("cy", "0")) > float(alarm.get("y1", "0"))  # SVG y grows downward


def test_a_band_and_a_course_marker_are_drawn_and_labelled() -> None:
    tsh = [Point(date(2025, 1, 1), 1.2, "a"), Point(date(2026, 1, 1), 0.05, "b")]
    svg = str(line_chart(tsh, title="TSH", unit="mIU/L", band=Band(0.4, 4.0, "range 0.4-4"),
                         markers=[Marker(date(2025, 4, 7), "C1")]))
    assert 'class="band"' in svg and ">range 0.4-4</text>" in svg and ">C1</text>" in svg


def test_no_results_gives_a_chart_that_says_so() -> None:
    svg = str(line_chart([], title="TSH", unit="mIU/L"))
    assert "No tsh results recorded" in svg
    ET.fromstring(svg)


def test_labels_from_records_are_escaped() -> None:
    svg = str(line_chart([Point(date(2026, 1, 1), 1.0, "<script>x</script>")],
                         title="T<b>", unit="u"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_ticks_are_round_numbers_covering_the_range() -> None:
    assert nice_ticks(0, 262) == [0, 100, 200, 300]
    ticks = nice_ticks(0, 1.07)
    assert ticks[0] == 0 and ticks[-1] >= 1.07 and all(t * 4 == round(t * 4) for t in ticks)
