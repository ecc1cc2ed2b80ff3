"""Message refs the core stores: `<channel id>:<ts>`.

A Slack message is named by its channel and its `ts`; the core keeps both in one string,
so an edit, a link or a thread reply finds its channel again without another lookup
(status messages, relays and DMs live in different channels).
"""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = ":"


@dataclass(frozen=True)
class MessageRef:
    channel: str
    ts: str

    def __str__(self) -> str:
        return f"{self.channel}{SEPARATOR}{self.ts}"

    @classmethod
    def parse(cls, raw: str) -> MessageRef:
        channel, sep, ts = raw.partition(SEPARATOR)
        if not sep or not channel or not ts:
            raise ValueError("not a Slack message ref")
        return cls(channel, ts)


def message_ref(channel: str, ts: str) -> str:
    return str(MessageRef(channel, ts))
