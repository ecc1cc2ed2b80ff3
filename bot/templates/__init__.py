"""The template library: words members can send, with placeholders, channels and registers."""
