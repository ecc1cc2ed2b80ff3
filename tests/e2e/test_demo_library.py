"""The demo's last act: after the outcome a moderator features the reply that worked, and a
new member with a similar setback is privately shown it, with "it worked" beside it; the
anonymous poster appears only as the pseudonym; members who do not moderate are refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.cli import demo_script
from tests.e2e.test_demo_story import _play, _saying


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    with demo_script() as script:
        return asyncio.run(_play(script, tmp_path_factory.mktemp("demo_library")))


def test_a_new_member_is_shown_what_worked_privately(records: list[dict[str, Any]]) -> None:
    refused = _saying(records, "Only moderators can do that", audience=["Priya"])
    assert len(refused) == 1
    featured = _saying(records, "is in the library under Follow-up messages", audience=["Sam"])
    assert len(featured) == 1
    (shown,) = _saying(records, "What helped them", audience=["Ade"])
    assert "Write to the recruiter the same day" in shown["text"]
    assert "acted on it: It worked" in shown["text"]
    assert "Lena" not in shown["text"]
    (found,) = _saying(records, "From the library", audience=["Ade"])
    assert "It worked" in found["text"] and "Lena" not in found["text"]
    (audit,) = _saying(records, "Moderator actions", audience=["Sam"])
    assert "Sam featured a reply" in audit["text"] and "Lena" not in audit["text"]
