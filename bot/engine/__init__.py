"""Cross-cutting engine code: what every feature runs through."""
