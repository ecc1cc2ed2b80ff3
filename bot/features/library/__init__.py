"""The library: featured answers, topics, search and similar-setback suggestions."""
