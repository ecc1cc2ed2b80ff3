"""The shipped example scripts play on the real core (SQLite) from start to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console.app import play_script
from adapters.console.script import ScriptError

EXAMPLE = Path(__file__).resolve().parents[3] / "adapters/console/examples/panel_freeze.yaml"


async def test_the_example_plays_on_the_real_core(sqlite_url: str, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    transcript = await play_script(EXAMPLE, sqlite_url, out)
    assert out.read_text(encoding="utf-8") == transcript.to_jsonl()
    messages = transcript.of_type("message")
    root = next(m for m in messages if m.get("title"))
    assert root["where"] == "#support"
    assert root["author"].endswith("(the poster, anonymous)")
    assert "Maya" not in root["text"]
    relayed = [m for m in messages if m["where"] == f"#support > thread {root['id']}"]
    assert any(m["author"] == root["author"] for m in relayed)  # Maya's DM, under her pseudonym
    asks = [m for m in messages if m["where"] == "DM @Maya" and "It worked" in m["buttons"]]
    assert asks
    assert asks[0]["time"] == "2026-03-12T09:00:00Z"
    assert [r["thread"] for r in transcript.of_type("thread_closed")] == [root["id"]]
    assert not transcript.of_type("form_errors")


async def test_a_script_that_stops_part_way_still_writes_its_transcript(
    sqlite_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "broken.yaml"
    script.write_text(
        "members: [{id: U1, name: Maya}]\n"
        "steps:\n"
        "  - {as: Maya, say: hello}\n"
        "  - {as: Maya, press: Nope}\n",
        encoding="utf-8",
    )
    out = tmp_path / "t.jsonl"
    with pytest.raises(ScriptError, match=r"step 2 \(press\)") as caught:
        await play_script(script, sqlite_url, out)
    partial = caught.value.transcript
    assert partial is not None
    assert out.read_text(encoding="utf-8") == partial.to_jsonl()
    assert partial.of_type("message")[0]["text"] == "hello"
