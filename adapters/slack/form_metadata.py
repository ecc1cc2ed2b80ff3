"""A modal's `private_metadata`, signed by Rebound so a submission cannot choose it.

It carries the channel the form was opened from (where the member's notices go). Slack
hands it back as the client sent it, so it is `<channel>.<HMAC>` with a key derived from
the signing secret; a value that does not verify is refused.
"""

from __future__ import annotations

import hashlib
import hmac

SEPARATOR = "."
MAC_CHARS = 32
KEY_LABEL = b"rebound:form-private-metadata:v1"


class FormMetadata:
    def __init__(self, signing_secret: str) -> None:
        self._key = hmac.new(signing_secret.encode(), KEY_LABEL, hashlib.sha256).digest()

    def _mac(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]

    def seal(self, channel: str) -> str:
        return f"{channel}{SEPARATOR}{self._mac(channel)}"

    def open(self, sealed: str) -> str | None:
        """The channel sealed in `sealed` ("" for none); None if it was not sealed here."""
        channel, _, mac = sealed.rpartition(SEPARATOR)
        if not mac or not hmac.compare_digest(mac, self._mac(channel)):
            return None
        return channel
