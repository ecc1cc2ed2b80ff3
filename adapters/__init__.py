"""Rebound's command line and its platform adapters (console, Slack, Discord)."""

# Tells Rebound's `adapters` from another distribution's package of the same name
# (checked at start by adapters/identity.py; see docs/architecture.md).
DISTRIBUTION = "rebound"
