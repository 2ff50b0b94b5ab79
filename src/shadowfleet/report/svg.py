"""Charts drawn offline as SVG: the track map over Natural Earth land, and the event timeline."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from html import escape

import shapely

from shadowfleet.core.events import EventType
from shadowfleet.core.geo import land


@dataclass(frozen=True)
class Marker:
    number: int
    event_type: EventType
    lat: float
    lon: float


@dataclass(frozen=True)
class Frame:
    """Equirectangular view of a bounding box, x stretched by cos(latitude) so shapes look right."""

    lon0: float
    lat0: float
    lon1: float
    lat1: float
    width: float = 760.0

    @property
    def scale(self) -> float:
        return self.width / ((self.lon1 - self.lon0) * math.cos(math.radians((self.lat0 + self.lat1) / 2)))

    @property
    def height(self) -> float:
        return (self.lat1 - self.lat0) * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        k = math.cos(math.radians((self.lat0 + self.lat1) / 2))
        return (lon - self.lon0) * k * self.scale, (self.lat1 - lat) * self.scale


def frame_for(lons: list[float], lats: list[float]) -> Frame:
    lon0, lon1, lat0, lat1 = min(lons), max(lons), min(lats), max(lats)
    pad = max(lon1 - lon0, lat1 - lat0, 0.5) * 0.15
    mid_lon, mid_lat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    half = max(lon1 - lon0, lat1 - lat0, 0.5) / 2 + pad
    return Frame(mid_lon - half * 1.4, max(mid_lat - half, -89.0), mid_lon + half * 1.4, min(mid_lat + half, 89.0))


def _rings(geometry: shapely.Geometry) -> list[list[tuple[float, float]]]:
    parts = getattr(geometry, "geoms", [geometry])
    rings = []
    for polygon in parts:
        if polygon.geom_type == "Polygon" and not polygon.is_empty:
            rings.append(list(polygon.exterior.coords))
            rings += [list(r.coords) for r in polygon.interiors]
    return rings


def track_map(track: list[tuple[float, float]], markers: list[Marker]) -> str:
    """The vessel's track (lon, lat) over land, with numbered event markers."""
    points = track + [(m.lon, m.lat) for m in markers]
    if not points:
        return "<p>No positions to draw.</p>"
    f = frame_for([p[0] for p in points], [p[1] for p in points])
    shapes = []
    world = land()
    for index in world.tree.query(shapely.box(f.lon0, f.lat0, f.lon1, f.lat1)):
        geometry = world.geometries[int(index)]
        clipped = shapely.clip_by_rect(geometry, f.lon0, f.lat0, f.lon1, f.lat1)
        for ring in _rings(clipped):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (f.xy(lon, lat) for lon, lat in ring))
            shapes.append(f'<polygon points="{path}" fill="#e8e4d8" stroke="#b5ad95" stroke-width="0.5"/>')
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (f.xy(lon, lat) for lon, lat in track))
    dots = []
    for m in markers:
        x, y = f.xy(m.lon, m.lat)
        colour = m.event_type.colour
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}" stroke="#fff"/>'
            f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="9" text-anchor="middle" fill="#fff">{m.number}</text>'
        )
    grid = _graticule(f)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {f.width:.0f} {f.height:.0f}" '
        f'width="{f.width:.0f}" height="{f.height:.0f}"><rect width="100%" height="100%" fill="#d4e6f1"/>'
        + "".join(shapes)
        + grid
        + f'<polyline points="{line}" fill="none" stroke="#1a5276" stroke-width="1.2"/>'
        + "".join(dots)
        + "</svg>"
    )


def _graticule(f: Frame) -> str:
    step = 0.5 if f.lon1 - f.lon0 < 4 else 1.0 if f.lon1 - f.lon0 < 10 else 5.0
    lines = []
    for lon in _ticks(f.lon0, f.lon1, step):
        x, _ = f.xy(lon, f.lat0)
        lines.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{f.height:.0f}" stroke="#fff" stroke-width="0.4"/>')
        lines.append(f'<text x="{x + 2:.1f}" y="10" font-size="8" fill="#555">{lon:g}°</text>')
    for lat in _ticks(f.lat0, f.lat1, step):
        _, y = f.xy(f.lon0, lat)
        lines.append(f'<line x1="0" y1="{y:.1f}" x2="{f.width:.0f}" y2="{y:.1f}" stroke="#fff" stroke-width="0.4"/>')
        lines.append(f'<text x="2" y="{y - 2:.1f}" font-size="8" fill="#555">{lat:g}°</text>')
    return "".join(lines)


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 6) for i in range(int((hi - first) / step) + 1)]


@dataclass(frozen=True)
class Span:
    number: int
    event_type: EventType
    start: datetime
    end: datetime


def timeline(spans: list[Span], first: datetime, last: datetime) -> str:
    """One row per event type; each event a bar from start to end, numbered as on the map."""
    if not spans:
        return "<p>No events.</p>"
    kinds = sorted({s.event_type for s in spans})
    left, width, row = 120.0, 620.0, 22.0
    total = max((last - first).total_seconds(), 3600.0)
    height = row * len(kinds) + 30

    def x(moment: datetime) -> float:
        return left + width * (moment - first).total_seconds() / total

    parts = []
    for i, kind in enumerate(kinds):
        y = 10 + i * row
        parts.append(f'<text x="4" y="{y + 12}" font-size="10">{escape(kind)}</text>')
        for s in (s for s in spans if s.event_type == kind):
            x0 = x(s.start)
            w = max(x(s.end) - x0, 4.0)
            colour = kind.colour
            parts.append(f'<rect x="{x0:.1f}" y="{y}" width="{w:.1f}" height="14" fill="{colour}" opacity="0.8"/>')
            parts.append(f'<text x="{x0 + 2:.1f}" y="{y + 11}" font-size="9" fill="#fff">{s.number}</text>')
    axis_y = 10 + len(kinds) * row
    labels = []
    for k in range(5):
        moment = first + (last - first) * k / 4
        labels.append(f'<text x="{x(moment):.1f}" y="{axis_y + 12}" font-size="8" text-anchor="middle">'
                      f"{moment:%Y-%m-%d %H:%M}</text>")  # fmt: skip
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 760 {height:.0f}" width="760" '
        f'height="{height:.0f}"><line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" stroke="#333"/>'
        + "".join(parts + labels)
        + "</svg>"
    )
