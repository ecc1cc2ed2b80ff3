"""Features: each package holds one feature's logic."""
