"""Secrets at rest (platform tokens): encrypted with Fernet, rotated with MultiFernet.

`REBOUND_SECRET_KEYS` holds one or more Fernet keys separated by commas, newest first.
The first key encrypts; every key decrypts, so a new key can be put in front, the stored
secrets re-encrypted (`rebound keys rotate`), and the old key dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a box is made: a single-workspace process never needs it
    from cryptography.fernet import MultiFernet

KEYS_VARIABLE = "REBOUND_SECRET_KEYS"


class SecretKeysMissing(Exception):
    """No key to encrypt with: the installations' tokens cannot be stored."""


class SecretUnreadable(Exception):
    """A stored secret none of the keys can open (a key was dropped too early)."""


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretKeysMissing(f"{KEYS_VARIABLE} holds no key")
        from cryptography.fernet import Fernet, MultiFernet  # noqa: PLC0415

        self._fernet: MultiFernet
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as bad:
            raise SecretKeysMissing(
                f"{KEYS_VARIABLE} holds a key that is not a Fernet key"
            ) from bad

    @classmethod
    def from_text(cls, text: str) -> SecretBox:
        """Keys separated by commas (or whitespace), newest first."""
        return cls([key for key in text.replace(",", " ").split() if key])

    @classmethod
    def from_environment(cls) -> SecretBox:
        return cls.from_text(os.environ.get(KEYS_VARIABLE, ""))

    @staticmethod
    def new_key() -> str:
        from cryptography.fernet import Fernet  # noqa: PLC0415

        return Fernet.generate_key().decode()

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return _unsealed(self._fernet.decrypt, sealed)

    def reseal(self, sealed: str) -> str:
        """The same secret under the newest key."""
        return _unsealed(self._fernet.rotate, sealed)


def _unsealed(step: Callable[[bytes], bytes], sealed: str) -> str:
    from cryptography.fernet import InvalidToken  # noqa: PLC0415  (imported with the box)

    try:
        return step(sealed.encode()).decode()
    except InvalidToken as unreadable:
        raise SecretUnreadable(
            "no key in REBOUND_SECRET_KEYS opens a stored secret"
        ) from unreadable
