"""What the core answers a form sent from the web page: its notices and form errors, kept
to show on the next page. The web page delivers nothing to a platform: anything else is
left in the outbox for the platform's own process (a transient failure, retried there)."""

from __future__ import annotations

from bot.api import (
    Attempt,
    Capabilities,
    Delivered,
    DeliveryFailed,
    FailureKind,
    Intent,
    Notice,
    RejectForm,
)


class WebOutbox:
    capabilities = Capabilities()

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self.rejections: list[RejectForm] = []

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, Notice):
            self.notices.append(intent)
            return None
        if isinstance(intent, RejectForm):
            self.rejections.append(intent)
            return None
        raise DeliveryFailed("left_for_the_platform", FailureKind.TRANSIENT, answered=True)

    def keys(self) -> list[str]:
        return [notice.message.key or "" for notice in self.notices]

    def problems(self) -> list[str]:
        """What the core said against the form, in its words."""
        found = [error for rejected in self.rejections for error in rejected.errors.values()]
        return found + [notice.message.text for notice in self.notices]
