"""Cross-cutting engine code shared by every feature."""
