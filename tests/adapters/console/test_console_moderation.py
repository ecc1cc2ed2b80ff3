"""Moderators and the library played through the console adapter on the real core: a
message action and a form feature a reply, `/cmd rebound ...` searches and audits, a lock
closes the thread to members (the console, like Discord, then refuses their replies) and
a reopen opens it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.console.app import play_script

SCRIPT = """\
community: t
members:
  - {id: U-ana, name: Ana}
  - {id: U-ben, name: Ben}
  - {id: U-mo, name: Mo, moderator: true}
steps:
  - {as: Ana, command: setback}
  - as: Ana
    fill: {title: "Blanked in the SQL screen", body: "Joins, of all things."}
    label: post
  - as: Ben
    reply: {thread: post, text: "Practise joins out loud the day before."}
    label: tip
  - {as: Ben, action: {name: feature_answer, message: tip}}
  - {as: Mo, action: {name: feature_answer, message: tip}}
  - {as: Mo, fill: {topic: Technical interviews, summary: "Say the joins out loud"}}
  - {as: Ben, command: "rebound library joins"}
  - {as: Mo, command: "rebound lock 1 Cooling off"}
  - {as: Mo, command: "rebound reopen 1"}
  - as: Ben
    reply: {thread: post, text: "Glad it is open again"}
  - {as: Mo, command: "rebound audit"}
"""


def _said(records: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    return [r for r in records if r["step"] == step and r["type"] == "message"]


async def test_moderating_and_the_library_in_the_console(sqlite_url: str, tmp_path: Path) -> None:
    script = tmp_path / "moderation.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    records = (await play_script(script, sqlite_url, None)).records
    (refused,) = _said(records, 4)
    assert refused["audience"] == ["Ben"] and "Only moderators" in refused["text"]
    form = next(r for r in records if r["step"] == 5 and r["type"] == "form")
    assert form["title"] == "Feature in the library"
    (found,) = _said(records, 7)
    assert found["audience"] == ["Ben"] and "Say the joins out loud" in found["text"]
    assert any(r["type"] == "thread_closed" for r in records if r["step"] == 8)
    assert [r for r in records if r["step"] == 10 and "Glad it is open" in str(r.get("text"))]
    (audit,) = _said(records, 11)
    for action in ("featured a reply", "locked a post", "reopened a post"):
        assert action in audit["text"]


SHARING = """\
community: t
members:
  - {id: U-ana, name: Ana}
  - {id: U-ben, name: Ben}
  - {id: U-mo, name: Mo, moderator: true}
steps:
  - {as: Ana, command: setback}
  - as: Ana
    fill: {title: "Blanked in the SQL screen", body: "Joins, of all things."}
    label: post
  - as: Ben
    reply: {thread: post, text: "Practise joins out loud the day before."}
    label: tip
  - {as: Mo, action: {name: feature_answer, message: tip}}
  - {as: Mo, fill: {topic: Technical interviews, summary: "Say the joins out loud"}}
  - {as: Ben, command: "rebound library joins"}
  - {as: Ben, press: "Post in my thread: Say the joins out loud"}
  - {as: Ben, command: setback}
  - as: Ben
    fill: {title: "Joins tripped me up too", body: "Same kind of screen."}
    label: mine
  - {as: Ben, command: "rebound library joins"}
  - {as: Ben, press: "Post in my thread: Say the joins out loud"}
  - {as: Ben, press: "Post in my thread: Say the joins out loud"}
"""


async def test_a_hit_is_posted_into_the_askers_own_thread_in_the_console(
    sqlite_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "sharing.yaml"
    script.write_text(SHARING, encoding="utf-8")
    records = (await play_script(script, sqlite_url, None)).records
    (refused,) = _said(records, 7)
    assert refused["audience"] == ["Ben"] and "no open post" in refused["text"]
    shared = [r for r in _said(records, 11) if "From the library" in r["text"]]
    assert len(shared) == 1 and "Say the joins out loud" in shared[0]["text"]
    assert shared[0]["audience"] == ["everyone"]
    ben_post = next(r for r in records if r["step"] == 9 and r["type"] == "message")
    assert shared[0]["where"] == f"#support > thread {ben_post['id']}"  # Ben's thread
    (told,) = [r for r in _said(records, 11) if r is not shared[0]]
    assert told["audience"] == ["Ben"] and "Posted in your thread" in told["text"]
    (again,) = _said(records, 12)
    assert again["audience"] == ["Ben"] and "already" in again["text"]
