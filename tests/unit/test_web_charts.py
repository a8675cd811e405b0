"""Inline SVG charts and the report's unit choice."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from warroom.web import charts
from warroom.web.reports_view import unit_for

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_draw_one_rect_per_known_value() -> None:
    svg = charts.bars(
        "By <severity>", ["P0", "P1"], {"MTTA": [4.0, None], "MTTR": [10.0, 2.0]}, "minutes"
    )
    root = ET.fromstring(str(svg))
    assert root.findtext(f"{SVG}title") == "By <severity>"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.findtext(f"{SVG}title") for b in bars] == [
        "P0 MTTA: 4 minutes",
        "P0 MTTR: 10 minutes",
        "P1 MTTR: 2 minutes",
    ]
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[1] > heights[0] > heights[2] > 0


def test_lines_leave_gaps_for_missing_weeks() -> None:
    svg = charts.lines("Weekly", ["a", "b", "c"], {"MTTR": [1.0, None, 3.0]}, "s")
    root = ET.fromstring(str(svg))
    assert len(list(root.iter(f"{SVG}circle"))) == 2
    [line] = list(root.iter(f"{SVG}polyline"))
    assert len(line.get("points", "").split()) == 2


def test_empty_chart_still_renders() -> None:
    root = ET.fromstring(str(charts.bars("None", ["P0"], {"MTTA": [None]}, "s")))
    assert root.tag == f"{SVG}svg"


def test_unit_for() -> None:
    assert unit_for([None, 30.0]) == ("seconds", 1.0)
    assert unit_for([119.0]) == ("seconds", 1.0)
    assert unit_for([120.0, 5.0]) == ("minutes", 60.0)
    assert unit_for([4 * 3600.0]) == ("hours", 3600.0)
    assert unit_for([]) == ("seconds", 1.0)
