"""risk-v1: the features that make a vessel risky, declared once with their points and sources.

A vessel's score (0-100) is the sum of points x value over the features that hold for it, capped at
100 with the cap shown, so the parts add up. Each finding names the events it rests on; those carry
the evidence down to the raw messages. Sources: reference.md §2-3 (the 2019/2020 advisories' red
flags, UNSCR 2375/2397), and the screening features (§4).
"""

from __future__ import annotations

from dataclasses import dataclass

from shadowfleet.core.events import EventType

SCORER_VERSION = "risk-v1"
BANDS = ((75.0, "critical"), (50.0, "high"), (25.0, "medium"), (0.0, "low"))


@dataclass(frozen=True)
class RiskFeature:
    name: str  # three features are named for the one event type they count (the enum's value)
    points: float  # the most the feature adds, of 100
    source: str
    meaning: str


FEATURES = {
    f.name: f
    for f in (
        RiskFeature("list_match", 40, "red flag 10: listed vessels (UN, OFAC, EU)", "on a sanctions list"),
        RiskFeature("sts_encounter", 15, "red flag 5: STS transfers", "met another vessel at sea for hours"),
        RiskFeature("sts_with_listed", 20, "red flag 5; UNSCR 2375 OP11", "its STS partner is on a list"),
        RiskFeature(
            "sts_with_dprk_flag",
            15,
            "UNSCR 2375 OP11 bans STS with DPRK-flagged ships",
            "STS partner flies the DPRK flag",
        ),
        RiskFeature("sts_at_night", 5, "reference.md §2: transfers at night", "the STS was at local night"),
        RiskFeature("sts_in_hotspot", 5, "reference.md §2: STS hot spots", "the STS was in a known STS area"),
        RiskFeature("sts_partner_dark", 10, "red flags 1 and 5", "the STS partner went dark around it"),
        RiskFeature("dark_gap", 15, "red flag 1: disabling AIS", "AIS off at sea (value: hours / 24)"),
        RiskFeature("dark_offshore", 5, "red flag 1: far from shore, not reception loss", "dark >= 50 nm offshore"),
        RiskFeature(
            "dark_near_sts_or_dprk",
            10,
            "red flags 1, 5; GFW gaps bracketing encounters",
            "dark within a day of STS or DPRK",
        ),
        RiskFeature("dprk_visit", 25, "red flag 11 (US port rule); UNSCR 2397", "in DPRK waters or a DPRK port"),
        RiskFeature("dprk_flagged", 10, "UNSCR 2375: DPRK-flagged ships", "flies the DPRK flag (MID 445)"),
        RiskFeature(
            EventType.IDENTITY_CLASH, 15, "red flag 2: one MMSI in two places", "its MMSI is used by two transmitters"
        ),
        RiskFeature(EventType.INVALID_IDENTITY, 5, "red flag 2: manipulated AIS", "invalid MMSI or IMO check digit"),
        RiskFeature("identity_change", 8, "red flag 3: identity laundering", "name, call sign or IMO changed"),
        RiskFeature(
            "imo_manipulation", 10, "red flag 2: IMO one digit off a listed IMO", "a near-copy of a listed IMO"
        ),
        RiskFeature("flag_hopping", 10, "red flag 7: flag hopping", "one IMO under MMSIs of several flags"),
        RiskFeature("spoofing", 10, "red flag 2: impossible speed", "position jumps away and back"),
        RiskFeature(EventType.LOITERING, 5, "red flag 6: voyage irregularities", "loitered at sea"),
        RiskFeature(
            "draught_after_sts", 10, "reference.md §2: cargo from draught", "draught changed within 3 days of STS"
        ),
        RiskFeature("met_listed_1hop", 15, "network: 1 encounter from a listed vessel", "met a listed vessel"),
        RiskFeature(
            "met_listed_2hop", 7, "network: 2 encounters from a listed vessel", "met a vessel that met a listed one"
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    """One feature's share of a vessel's score, with the facts and the events behind it."""

    feature: str
    value: float  # 0-1
    points: float
    reason: str
    events: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "value": self.value,
            "points": self.points,
            "reason": self.reason,
            "events": list(self.events),
        }


def finding(feature: str, value: float, reason: str, events: list[str] | tuple[str, ...] = ()) -> Finding:
    value = round(min(max(value, 0.0), 1.0), 3)
    return Finding(feature, value, round(FEATURES[feature].points * value, 1), reason, tuple(sorted(set(events))))


def band(score: float) -> str:
    return next(name for floor, name in BANDS if score >= floor)
