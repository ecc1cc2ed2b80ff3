"""`rebound slack --port 0` means any free port (tests run many processes side by side),
not "unset": only a missing option falls back to REBOUND_HTTP_PORT, then 3000."""

from __future__ import annotations

from adapters.cli import DEFAULT_PORT, _port


def test_port_zero_is_any_free_port_not_the_default() -> None:
    assert _port(0, None) == 0
    assert _port(0, 8080) == 0


def test_without_an_option_the_setting_then_the_default() -> None:
    assert _port(None, 8080) == 8080
    assert _port(None, 0) == 0
    assert _port(None, None) == DEFAULT_PORT
