"""What every layer shares: the canonical schema, identifier rules, geography and table helpers."""
