"""The built-in demo through the console adapter on a real core: the whole loop, and privacy."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from adapters.cli import demo_script
from adapters.console.app import play_script

CANARY_NAME = "Quillon Marchbanks"
CANARY_ID = "U-CANARY-93"
POSTER = "Lena"
# Under pytest-xdist the module's tests share one worker, so the demo plays once.
pytestmark = pytest.mark.xdist_group("demo_story")


async def _play(script: Path, tmp_path: Path) -> list[dict[str, Any]]:
    transcript = tmp_path / "out.jsonl"
    await play_script(script, f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}", transcript)
    return [json.loads(line) for line in transcript.read_text("utf-8").splitlines()]


def _messages(records: list[dict[str, Any]], where: str | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in records
        if r["type"] in {"message", "edit"} and (where is None or r["where"] == where)
    ]


def _saying(records: list[dict[str, Any]], words: str, **fields: Any) -> list[dict[str, Any]]:
    """Messages containing `words` whose other fields equal `fields`."""
    return [
        m
        for m in _messages(records)
        if words in m["text"] and all(m.get(k) == v for k, v in fields.items())
    ]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    import asyncio

    with demo_script() as script:
        return asyncio.run(_play(script, tmp_path_factory.mktemp("demo")))


def test_the_anonymous_post_appears_under_its_pseudonym(records: list[dict[str, Any]]) -> None:
    root = _messages(records, "#support")[0]
    assert root["author"].endswith("(the poster, anonymous)")
    assert root["buttons"] == ["Reply anonymously"]
    relayed = [
        m for m in _messages(records) if m["author"] == root["author"] and "thread" in m["where"]
    ]
    assert any("drafting the note tonight" in m["text"] for m in relayed)


def test_a_plain_message_is_adopted_as_a_post(records: list[dict[str, Any]]) -> None:
    adopted = [
        m for m in _messages(records) if m["text"].startswith("Thanks for sharing this, Tomás")
    ]
    assert adopted
    assert adopted[0]["where"].startswith("#support > thread")


def test_only_the_poster_or_a_moderator_chooses_best_answers(records: list[dict[str, Any]]) -> None:
    refusal = [
        m for m in _messages(records) if m["audience"] == ["Dev"] and "Only the person" in m["text"]
    ]
    assert len(refusal) == 1
    root_edits = [m for m in records if m["type"] == "edit" and m["where"] == "#support"]
    two_best = [e for e in root_edits if len(e["links"]) == 2]
    assert two_best
    assert [link["label"].split(":")[0] for link in two_best[0]["links"]] == ["Priya", "Dev"]
    moderated = [
        m for m in _messages(records) if m["audience"] == ["Sam"] and "best answer" in m["text"]
    ]
    assert moderated


def test_the_reminder_the_ask_and_the_update_reach_the_right_people(
    records: list[dict[str, Any]],
) -> None:
    to_tomas = _messages(records, "DM @Tomás")
    assert any("mark" in m["text"] and "best answers" in m["text"] for m in to_tomas)
    ask = next(
        m for m in _messages(records, f"DM @{POSTER}") if "How did things turn out" in m["text"]
    )
    assert ask["buttons"][:2] == ["It worked", "Partly"]
    update = next(m for m in _messages(records) if m["text"].startswith("Update from"))
    assert "It worked" in update["text"]
    assert "Dev, Priya" in update["text"]
    for helper in ("Priya", "Dev"):
        told = _messages(records, f"DM @{helper}")
        assert any("acted on" in m["text"] for m in told)


def test_both_threads_close(records: list[dict[str, Any]]) -> None:
    assert len([r for r in records if r["type"] == "thread_closed"]) == 2
    notes = [
        m
        for m in _messages(records)
        if "closed to new replies" in m["text"] and m["type"] == "message"
    ]
    assert len(notes) == 2


async def test_an_anonymous_posters_identity_never_reaches_anyone_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with demo_script() as demo:
        script = demo.read_text("utf-8")
    assert POSTER in script
    canary = script.replace("U-lena", CANARY_ID).replace(POSTER, CANARY_NAME)
    path = tmp_path / "canary.yaml"
    path.write_text(canary, "utf-8")
    with caplog.at_level(logging.DEBUG):
        records = await _play(path, tmp_path)

    own = [r for r in records if r.get("audience") == [CANARY_NAME]]
    assert own, "the canary poster should see their own messages"
    for record in records:
        if record.get("audience") == [CANARY_NAME]:
            continue
        flat = json.dumps(record, ensure_ascii=False)
        assert CANARY_NAME not in flat, record
        assert CANARY_ID not in flat, record
    assert CANARY_NAME not in caplog.text
    assert CANARY_ID not in caplog.text
