"""shadowfleet: AIS vessel tracking data and sanctions lists turned into evidence of evasion at sea."""

__version__ = "0.1.0"
