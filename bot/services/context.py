"""What every use case receives: the open transaction, the time, and the community."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.content import Content
from bot.domain.errors import RuleViolation
from bot.domain.model import CommunitySettings, Member
from bot.intents import Button, Message, Notice
from bot.store.repo import Repo


@dataclass(frozen=True)
class Context:
    repo: Repo
    now: datetime
    community_id: str
    platform: str
    settings: CommunitySettings
    content: Content

    def say(self, key: str, **params: object) -> str:
        """Render a message key in the community's locale (member text in it is made safe
        by `Content.render`)."""
        return self.content.render(key, self.settings.locale, **params)

    def message(self, key: str, **params: object) -> Message:
        return Message(text=self.say(key, **params))

    def notice(self, actor: Member, key: str, **params: object) -> Notice:
        return Notice(user_id=actor.user_id, message=Message(text=self.say(key, **params)))

    def explain(self, actor: Member, violation: RuleViolation) -> Notice:
        text = self.say(violation.key, **violation.params)
        buttons = tuple(
            Button(label=self.say(offer.label_key), action_id=offer.action_id)
            for offer in violation.offers
        )
        return Notice(user_id=actor.user_id, message=Message(text=text, buttons=buttons))

    def day(self, when: datetime) -> str:
        return self.say("date.day", date=when)
