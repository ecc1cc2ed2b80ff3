"""Features, one package each."""
