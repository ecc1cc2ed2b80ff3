"""Signed cookies: the session (who signed in, to which community, until when, and the
token every form carries against cross-site requests) and the sign-in's state.

A cookie is `<base64 JSON>.<HMAC-SHA256 of it>` under a key derived from
`REBOUND_WEB_SECRET`; one whose signature, shape or expiry is wrong is no cookie at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

SESSION_COOKIE = "rebound_session"
LOGIN_COOKIE = "rebound_login"
MAX_COOKIE = 4000


@dataclass(frozen=True)
class Session:
    user_id: str
    name: str
    platform: str
    expires: float
    csrf: str
    # The community chosen; empty while a moderator of several has yet to choose.
    community: str = ""
    choices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoginState:
    state: str
    platform: str
    expires: float


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Signer:
    def __init__(self, secret: str, purpose: str) -> None:
        self._key = hashlib.sha256(f"rebound-web:{purpose}:{secret}".encode()).digest()

    def _mac(self, payload: bytes) -> str:
        digest = hmac.new(self._key, payload, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, data: dict[str, Any]) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        return f"{payload.decode()}.{self._mac(payload)}"

    def unsign(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie or len(cookie) > MAX_COOKIE or "." not in cookie:
            return None
        payload, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(self._mac(payload.encode()), mac):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        except (binascii.Error, ValueError):
            return None
        return data if isinstance(data, dict) else None


class Cookies:
    """Reads and writes the web page's two signed cookies, against the core's clock."""

    def __init__(self, secret: str) -> None:
        self._session = Signer(secret, "session")
        self._login = Signer(secret, "login")

    def session_value(self, session: Session) -> str:
        return self._session.sign(asdict(session))

    def session(self, cookie: str | None, now: float) -> Session | None:
        """The session in `cookie`, if it is ours and not expired."""
        data = self._session.unsign(cookie)
        if data is None:
            return None
        try:
            found = Session(**data)
        except TypeError:
            return None
        return found if found.expires > now else None

    def expired(self, cookie: str | None, now: float) -> bool:
        """A session of ours that has run out (told apart from no session at all)."""
        data = self._session.unsign(cookie)
        return data is not None and float(data.get("expires", 0)) <= now

    def login_value(self, login: LoginState) -> str:
        return self._login.sign(asdict(login))

    def login(self, cookie: str | None, now: float) -> LoginState | None:
        data = self._login.unsign(cookie)
        if data is None:
            return None
        try:
            found = LoginState(**data)
        except TypeError:
            return None
        return found if found.expires > now else None
