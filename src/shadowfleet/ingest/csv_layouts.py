"""Which CSV column feeds which canonical field: NOAA MarineCadastre, DMA, and any other CSV.

A layout is found from the header. Unknown layouts are matched through synonyms of the canonical
names, and `--columns field=HEADER,...` settles the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shadowfleet.core.schema import STATIC_IDENTITY

REQUIRED = ("mmsi", "ts", "lat", "lon")
OPTIONAL = ("sog_kn", "cog_deg", "heading_deg", "nav_status", *STATIC_IDENTITY, "vessel_class")
STATIC_FIELDS = STATIC_IDENTITY

NOAA = {
    "mmsi": "MMSI",
    "ts": "BaseDateTime",
    "lat": "LAT",
    "lon": "LON",
    "sog_kn": "SOG",
    "cog_deg": "COG",
    "heading_deg": "Heading",
    "name": "VesselName",
    "imo": "IMO",
    "callsign": "CallSign",
    "ship_type": "VesselType",
    "nav_status": "Status",
    "length_m": "Length",
    "beam_m": "Width",
    "draught_m": "Draft",
    "vessel_class": "TransceiverClass",
}

DMA = {
    "ts": "# Timestamp",
    "vessel_class": "Type of mobile",
    "mmsi": "MMSI",
    "lat": "Latitude",
    "lon": "Longitude",
    "nav_status": "Navigational status",
    "sog_kn": "SOG",
    "cog_deg": "COG",
    "heading_deg": "Heading",
    "imo": "IMO",
    "callsign": "Callsign",
    "name": "Name",
    "ship_type": "Ship type",
    "beam_m": "Width",
    "length_m": "Length",
    "draught_m": "Draught",
    "destination": "Destination",
    "eta": "ETA",
}

# normalised header (lower case, letters and digits only) -> canonical field
SYNONYMS = {
    **{s: "mmsi" for s in ("mmsi", "userid", "mmsinumber")},
    **{
        s: "ts"
        for s in (
            "ts",
            "time",
            "timestamp",
            "basedatetime",
            "datetime",
            "timeutc",
            "timestamputc",
            "utc",
            "receivedtime",
            "postime",
            "positiontime",
        )
    },
    **{s: "lat" for s in ("lat", "latitude", "latitudedegrees", "latdeg", "y")},
    **{s: "lon" for s in ("lon", "long", "lng", "longitude", "longitudedegrees", "londeg", "x")},
    **{s: "sog_kn" for s in ("sog", "sogkn", "sogknots", "speed", "speedoverground", "speedknots")},
    **{s: "cog_deg" for s in ("cog", "cogdeg", "cogdegrees", "course", "courseoverground")},
    **{s: "heading_deg" for s in ("heading", "headingdeg", "trueheading", "hdg")},
    **{s: "nav_status" for s in ("status", "navstatus", "navigationalstatus", "navigationstatus")},
    **{s: "imo" for s in ("imo", "imonumber", "imono")},
    **{s: "name" for s in ("name", "vesselname", "shipname")},
    **{s: "callsign" for s in ("callsign", "call")},
    **{s: "ship_type" for s in ("shiptype", "vesseltype", "shipandcargotype")},
    **{s: "length_m" for s in ("length", "lengthm", "loa")},
    **{s: "beam_m" for s in ("width", "beam", "beamm", "widthm")},
    **{s: "draught_m" for s in ("draft", "draught", "draughtm", "draftm")},
    **{s: "destination" for s in ("destination", "dest")},
    **{s: "eta" for s in ("eta",)},
    **{s: "vessel_class" for s in ("typeofmobile", "transceiverclass", "class")},
}


@dataclass(frozen=True)
class CsvLayout:
    name: str
    header: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> header name
    time_format: str | None = None

    @property
    def has_static(self) -> bool:
        return any(f in self.columns for f in STATIC_FIELDS)


class LayoutError(ValueError):
    pass


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_mapping(text: str | None) -> dict[str, str]:
    """``mmsi=MMSI,ts=Time`` -> {'mmsi': 'MMSI', 'ts': 'Time'}; unknown canonical names are an error."""
    if not text:
        return {}
    mapping = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in (*REQUIRED, *OPTIONAL):
            raise LayoutError(
                f"--columns: {item!r} is not FIELD=HEADER with FIELD one of {', '.join(REQUIRED + OPTIONAL)}"
            )
        mapping[key] = value.strip()
    return mapping


def detect(header: list[str], override: dict[str, str] | None = None, time_format: str | None = None) -> CsvLayout:
    """The layout of a CSV with this header; LayoutError names what is missing."""
    override = override or {}
    names = set(header)
    if {"MMSI", "BaseDateTime", "LAT", "LON"} <= names:
        kind, columns = "noaa", {k: v for k, v in NOAA.items() if v in names}
    elif "# Timestamp" in names and "MMSI" in names:
        kind, columns = "dma", {k: v for k, v in DMA.items() if v in names}
        time_format = time_format or "%d/%m/%Y %H:%M:%S"
    else:
        kind, columns = "csv", {}
        for name in header:
            canonical = SYNONYMS.get(_norm(name))
            if canonical and canonical not in columns:
                columns[canonical] = name
    for key, value in override.items():
        if value not in names:
            raise LayoutError(f"--columns {key}={value}: no column {value!r} in the header")
        columns[key] = value
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise LayoutError(
            f"wrong columns: nothing for {', '.join(missing)} in header {', '.join(header)[:200]!r}"
            f" (map them with --columns {missing[0]}=HEADER)"
        )
    return CsvLayout(kind, tuple(header), columns, time_format)


def looks_like_header(line: str) -> bool:
    """A first line that could be a CSV header naming at least MMSI-like and position-like columns."""
    fields = {SYNONYMS.get(_norm(f)) for f in line.split(",")}
    return "mmsi" in fields or {"lat", "lon"} <= fields or "# Timestamp" in line
