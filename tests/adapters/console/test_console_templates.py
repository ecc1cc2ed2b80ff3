"""`/template` played through the console adapter on the real core: list, search, fill,
errors, preview, another register, post and send, as a member sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.console.app import play_script

SCRIPT = """\
community: t
members:
  - {id: U-ana, name: Ana}
  - {id: U-ben, name: Ben}
steps:
  - {as: Ana, command: template}
  - {as: Ana, command: "template feedback"}
  - {as: Ana, command: "template no_such_template"}
  - {as: Ana, command: setback}
  - as: Ana
    fill: {title: "Rejected after the panel", body: "They said no.", stage: panel, anonymous: "yes"}
  - {as: Ana, command: "template asking_for_feedback email american"}
  - {as: Ana, fill: {interviewer_name: "", organisation: Acme, role: Engineer, your_name: Ana}}
  - {as: Ana, fill: {interviewer_name: Kofi, organisation: Acme, role: Engineer, your_name: Ana}}
  - {as: Ana, press: "Try another register"}
  - {as: Ana, press: "email, formal"}
  - {as: Ana, press: "Post it in my thread"}
  - {as: Ana, press: "Send it to me privately"}
"""


def _said(records: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    return [r for r in records if r["step"] == step and r["type"] == "message"]


async def test_the_template_command_flow_in_the_console(sqlite_url: str, tmp_path: Path) -> None:
    script = tmp_path / "templates.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    records = (await play_script(script, sqlite_url, None)).records
    (listing,) = _said(records, 1)
    assert listing["audience"] == ["Ana"] and "*After a no*" in listing["text"]
    (search,) = _said(records, 2)
    assert "`asking_for_feedback`" in search["text"] and "`reapplying`" not in search["text"]
    (unknown,) = _said(records, 3)
    assert "No template is called or about" in unknown["text"]
    form = next(r for r in records if r["step"] == 6 and r["type"] == "form")
    assert form["title"] == "Fill in a template"
    errors = next(r for r in records if r["step"] == 7 and r["type"] == "form_errors")
    assert "interviewer_name" in str(errors)
    (preview,) = _said(records, 8)
    assert preview["audience"] == ["Ana"] and "Kofi" in preview["text"]
    assert "direct American" in preview["text"]
    (formal,) = _said(records, 10)
    assert "email, formal" in formal["text"] and "Kofi" in formal["text"]
    posted = [r for r in _said(records, 11) if "thread" in r["where"]]
    assert len(posted) == 1 and "Kofi" in posted[0]["text"]
    assert "Ana" not in posted[0]["text"] and "Ana" not in posted[0]["author"]
    private = [r for r in _said(records, 12) if r["where"] == "DM @Ana"]
    assert len(private) == 1 and "Kofi" in private[0]["text"]
