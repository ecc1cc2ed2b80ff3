from __future__ import annotations

from bot.features.lifecycle.forum_tags import all_thread_tags
from bot.words.content import load_content


def test_every_tag_a_post_can_carry_fits_a_discord_forum() -> None:
    tags = all_thread_tags(load_content(), "en")

    assert tags[-3:] == ("Answered", "Update shared", "Closed")
    assert "Recruiter screen" in tags and "Ghosted" in tags
    assert len(tags) == len(set(tags)) <= 20
    assert all(len(tag) <= 20 for tag in tags)
