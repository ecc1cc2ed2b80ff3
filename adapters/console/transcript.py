"""Transcripts: the console log as JSON Lines records and as readable text.

Every record has `type`, `step` and `time`; message records also carry `id`, `where`,
`author`, `text`, `buttons`, `links` and `audience` (`["everyone"]` or member names).
The text rendering is made from the records, so both always tell the same story.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.console.durations import format_duration
from adapters.console.entries import (
    ActionInvoked,
    Commanded,
    ConsoleMessage,
    Deleted,
    Edited,
    Entry,
    FormAnswered,
    FormRejected,
    FormShown,
    Noted,
    Posted,
    Pressed,
    Reacted,
    Seen,
    TagsSet,
    ThreadClosed,
    TimePassed,
)
from adapters.console.forms import Answer, shown_answer
from bot.api import Form

Record = dict[str, Any]
INDENT = "      "


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def message_fields(message: ConsoleMessage) -> Record:
    """The message part of a record (also used to show the world's current state)."""
    fields: Record = {
        "id": message.id,
        "author": message.author,
        "text": message.text,
        "buttons": [button.label for button in message.buttons],
        "links": [{"label": link.label, "message": link.message_ref} for link in message.links],
    }
    if message.title:
        fields["title"] = message.title
    if message.tags:
        fields["tags"] = list(message.tags)
    return fields


def record_of(entry: Entry) -> Record:
    """One JSON-ready record for a log entry."""
    head: Record = {"type": _TYPES[type(entry)], "step": entry.step, "time": timestamp(entry.time)}
    if isinstance(entry, Seen):
        head |= {"where": entry.where, "audience": list(entry.audience)}
    return head | _details(entry)


def _details(entry: Entry) -> Record:
    match entry:
        case Posted(message=message) | Edited(message=message):
            return message_fields(message)
        case Deleted():
            return {"id": entry.message_id, "author": entry.author}
        case Reacted():
            return {
                "message": entry.message_id,
                "author": entry.author,
                "emoji": entry.emoji,
                "removed": entry.removed,
            }
        case Commanded():
            return {"author": entry.author, "command": entry.command, "text": entry.text}
        case Pressed():
            return {"author": entry.author, "message": entry.message_id, "button": entry.button}
        case ActionInvoked():
            return {"author": entry.author, "action": entry.action, "message": entry.message_id}
        case FormShown(form=form):
            return _form_fields(form)
        case FormAnswered(form=form):
            values = {k: list(v) if isinstance(v, tuple) else v for k, v in entry.values.items()}
            return {
                "author": entry.author,
                "form_id": form.form_id,
                "title": form.title,
                "values": values,
                "answers": _answers(form, entry.values),
            }
        case FormRejected(form=form):
            return {"form_id": form.form_id, "title": form.title, "errors": dict(entry.errors)}
        case ThreadClosed():
            return {"thread": entry.thread_ref}
        case TagsSet():
            return {"thread": entry.thread_ref, "tags": list(entry.tags)}
        case TimePassed():
            return {"duration": format_duration(entry.duration), "until": timestamp(entry.until)}
        case Noted():
            return {"text": entry.text}
    return {}


def _answers(form: Form, values: Mapping[str, Answer]) -> list[Record]:
    """The answered fields as a person reads them: `{label, answer}`, choices by label."""
    shown = [
        (field.label, shown_answer(field, values[field.name]))
        for field in form.fields
        if field.name in values
    ]
    return [{"label": label, "answer": answer} for label, answer in shown if answer]


def _form_fields(form: Form) -> Record:
    return {
        "form_id": form.form_id,
        "title": form.title,
        "submit": form.submit_label,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "choices": [c.label for c in f.choices],
            }
            for f in form.fields
        ],
    }


_TYPES: dict[type[Entry], str] = {
    Posted: "message",
    Edited: "edit",
    Deleted: "delete",
    Reacted: "reaction",
    Commanded: "command",
    Pressed: "press",
    ActionInvoked: "message_action",
    FormShown: "form",
    FormAnswered: "form_submitted",
    FormRejected: "form_errors",
    ThreadClosed: "thread_closed",
    TagsSet: "tags",
    TimePassed: "wait",
    Noted: "note",
}


@dataclass
class Transcript:
    """What a console session showed, in order."""

    records: list[Record] = field(default_factory=list)

    @classmethod
    def from_log(cls, entries: Iterable[Entry]) -> Transcript:
        return cls([record_of(entry) for entry in entries])

    def of_type(self, kind: str) -> list[Record]:
        return [r for r in self.records if r["type"] == kind]

    def to_jsonl(self) -> str:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records)

    def write_jsonl(self, path: Path) -> None:
        path.write_text(self.to_jsonl(), encoding="utf-8")

    def render_text(self) -> str:
        return "\n".join(TextRenderer().render(self.records))


def _indented(text: str) -> str:
    return INDENT + text.replace("\n", "\n" + INDENT + "  ")


class TextRenderer:
    """Readable lines for records; remembers buttons shown, for `/press N`.

    With `running_numbers`, buttons are numbered across everything rendered since the
    last `reset` (the console prompt); otherwise per message (a printed transcript).
    """

    def __init__(self, *, running_numbers: bool = False) -> None:
        self.running_numbers = running_numbers
        self.numbered: list[tuple[str, str]] = []  # (message id, button label)
        self._day = ""

    def reset(self) -> None:
        self.numbered = []

    def render(self, records: Iterable[Record]) -> Iterator[str]:
        for record in records:
            yield from self._day_line(record["time"])
            yield from self.lines(record)

    def _day_line(self, time: str) -> Iterator[str]:
        day = time[:10]
        if day != self._day:
            self._day = day
            weekday = datetime.fromisoformat(day).strftime("%a")
            yield f"=== {day} {weekday} ==="

    def lines(self, r: Record) -> list[str]:
        clock = r["time"][11:16]
        head = f"{clock} {r['where']} |" if "where" in r else clock
        match r["type"]:
            case "message" | "edit" as kind:
                mark = " (edited)" if kind == "edit" else ""
                return [f"{clock} {r['id']}{mark} {r['where']} | {r['author']}", *self._body(r)]
            case "delete":
                return [f"{head} {r['author']} x {r['id']}"]
            case "reaction" if r["removed"]:
                return [f"{head} {r['author']} removed :{r['emoji']}: from {r['message']}"]
            case "reaction":
                return [f"{head} {r['author']} :{r['emoji']}: {r['message']}"]
            case "command":
                return [f"{head} {r['author']}> /{r['command']} {r['text']}".rstrip()]
            case "press":
                return [f"{head} {r['author']}> [{r['button']}] {r['message']}"]
            case "message_action":
                return [f"{head} {r['author']}> {r['action']} {r['message']}"]
            case "form":
                return [f"{head} [{r['title']}]", *self._form(r)]
            case "form_submitted":
                answers = [_indented(f"{a['label']}: {a['answer']}") for a in r["answers"]]
                return [f'{head} {r["author"]}> submitted "{r["title"]}"', *answers]
            case "form_errors":
                errors = [f"{INDENT}! {name}: {text}" for name, text in r["errors"].items()]
                return [f"{head} [{r['title']}]", *errors]
            case "thread_closed":
                return [f"{head} thread closed"]
            case "tags":
                return [f"{head} tags: {', '.join(r['tags'])}"]
            case "wait":
                return [f"{clock} ~~ +{r['duration']} -> {r['until'][:16].replace('T', ' ')}"]
            case "note":
                return [f"{clock} -- {r['text']}"]
        return [f"{head} {r['type']}"]

    def _body(self, r: Record) -> list[str]:
        title = r.get("title", "")
        # The core often starts a post's text with its title; printing both would repeat it.
        lines = [f"{INDENT}# {title}"] if title and not r["text"].startswith(title) else []
        lines += [INDENT + line for line in r["text"].splitlines() or [""]]
        lines += [f"{INDENT}-> {link['label']} ({link['message']})" for link in r["links"]]
        if r.get("tags"):
            lines.append(f"{INDENT}tags: {', '.join(r['tags'])}")
        if r["buttons"]:
            lines.append(INDENT + "  ".join(self._number(r["id"], r["buttons"])))
        return lines

    def _number(self, message_id: str, labels: list[str]) -> list[str]:
        if not self.running_numbers:
            self.reset()
        shown = []
        for label in labels:
            self.numbered.append((message_id, label))
            shown.append(f"[{len(self.numbered)}] {label}")
        return shown

    def _form(self, r: Record) -> list[str]:
        lines = []
        for f in r["fields"]:
            required = " *" if f["required"] else ""
            choices = f" ({' / '.join(f['choices'])})" if f["choices"] else ""
            lines.append(f"{INDENT}- {f['name']}: {f['label']}{required}{choices}")
        lines.append(f"{INDENT}[{r['submit']}]")
        return lines
