"""Fixtures shared by the store tests: two replicas on one database (see test_post_races)."""

from __future__ import annotations

from tests.store.test_post_races import replicas  # noqa: F401  (a fixture, found by name)
