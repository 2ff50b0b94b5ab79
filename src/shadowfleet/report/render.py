"""Case files as HTML (self-contained, printable) and PDF (WeasyPrint)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from jinja2 import Environment, StrictUndefined, select_autoescape

from shadowfleet import __version__
from shadowfleet.report.case import CaseFile
from shadowfleet.report.svg import Marker, Span, timeline, track_map
from shadowfleet.risk.features import SCORER_VERSION, band


def html(case: CaseFile) -> str:
    environment = Environment(autoescape=select_autoescape(default=True), undefined=StrictUndefined)
    text = resources.files("shadowfleet.report").joinpath("templates/case.html.j2").read_text(encoding="utf-8")
    markers = [
        Marker(c.number, c.event.event_type, c.event.lat, c.event.lon)
        for c in case.events
        if c.event.lat is not None and c.event.lon is not None
    ]
    spans = [Span(c.number, c.event.event_type, c.event.start_time, c.event.end_time) for c in case.events]
    first = min((s.start for s in spans), default=None)
    last = max((s.end for s in spans), default=None)
    return environment.from_string(text).render(
        case=case,
        band=band(case.risk_score),
        version=__version__,
        scorer=SCORER_VERSION,
        map_svg=track_map(case.track, markers),
        timeline_svg=timeline(spans, first, last) if first and last else "<p>No events.</p>",
    )


def pdf(document: str, out: Path) -> None:
    """Render the HTML with WeasyPrint (a real HTML/CSS-to-PDF engine; needs Pango, as Debian has)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise RuntimeError(f"PDF output needs WeasyPrint and Pango: {exc}") from exc
    HTML(string=document).write_pdf(out)
