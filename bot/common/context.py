"""What every use case receives: the open transaction, the time, and the community."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.contract.intents import Button, Message, Notice
from bot.domain.errors import RuleViolation
from bot.domain.model import CommunitySettings, Member
from bot.store.repo import Repo
from bot.words.content import Content


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
        """The message of `key`, naming its key and params beside the rendered text."""
        return Message(text=self.say(key, **params), key=key, params=params)

    def notice(self, actor: Member, key: str, **params: object) -> Notice:
        return Notice(user_id=actor.user_id, message=self.message(key, **params))

    def explain(self, actor: Member, violation: RuleViolation) -> Notice:
        buttons = tuple(
            Button(label=self.say(offer.label_key), action_id=offer.action_id)
            for offer in violation.offers
        )
        message = replace(self.message(violation.key, **violation.params), buttons=buttons)
        return Notice(user_id=actor.user_id, message=message)

    def day(self, when: datetime) -> str:
        return self.say("date.day", date=when)
