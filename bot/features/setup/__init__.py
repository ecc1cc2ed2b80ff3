"""Setting a community up from inside the chat (issue 11)."""
