"""Rebound's platform-neutral core."""

# Tells Rebound's `bot` from another distribution's package of the same name
# (checked at start by adapters/identity.py; see docs/architecture.md).
DISTRIBUTION = "rebound"
