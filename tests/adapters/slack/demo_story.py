"""The console demo story (content/en/demo.yaml), told as Slack payloads.

Each step is what Slack would send for it: a signed `/setback` command and view
submission, `message` events for posts, replies and DMs, a `reaction_added` event, message
shortcuts, and block actions for the buttons in the bot's DMs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tests.adapters.slack.workspace import Workspace
from tests.support import START

LENA, TOMAS, PRIYA, DEV, ADE, SAM = "U0LENA", "U0TOMAS", "U0PRIYA", "U0DEV", "U0ADE", "U0SAM"


@dataclass
class Story:
    """Refs of what the story created, for the assertions."""

    lena_post: str = ""
    tomas_post: str = ""
    tips: dict[str, str] = field(default_factory=dict)


async def play(ws: Workspace, poster: str = LENA) -> Story:
    story = Story()
    story.lena_post = await ws.share(
        poster,
        title="Screening call went sideways: the role wasn't what I prepared for",
        body="I prepared client stories; they asked about cleaning a sales dataset. "
        "I rambled and undersold myself. <!channel> what can I still do?",
        stage="recruiter_screen",
        kind="went_badly",
        tags="screening, role-mismatch",
        anonymous="yes",
        ask_outcome_on=(START + timedelta(days=12)).date().isoformat(),
    )
    story.tomas_post = await ws.say(
        TOMAS, "Turned down after the final round at a design studio. How do I stay on their radar?"
    )
    story.tips["priya"] = await ws.say(
        PRIYA,
        "Write to the recruiter today and show the analysis side excites you.",
        thread=story.lena_post,
    )
    story.tips["dev"] = await ws.say(
        DEV, "Say it plainly: you prepared for the client side.", thread=story.lena_post
    )
    await ws.dm(poster, "Thank you both. I'm drafting the note tonight, honest version included.")
    story.tips["ade"] = await ws.say(
        ADE, "Ask for two lines of feedback, then send an update later.", thread=story.tomas_post
    )
    await ws.react(PRIYA, story.tips["dev"], "+1")
    await ws.shortcut(DEV, "mark_best", story.tips["priya"])
    await ws.shortcut(poster, "mark_best", story.tips["priya"])
    await ws.shortcut(poster, "mark_best", story.tips["dev"])
    await ws.wait(timedelta(days=4))
    await ws.shortcut(TOMAS, "mark_best", story.tips["ade"])
    story.tips["priya_course"] = await ws.say(
        PRIYA, "A free evening course in print production.", thread=story.tomas_post
    )
    await ws.shortcut(SAM, "mark_best", story.tips["priya_course"])
    await ws.wait(timedelta(days=8))
    ask = next(c for c in ws.fake.posts(f"D{poster}") if "turn out" in c.words)
    await ws.press(poster, ask.button("It worked"), ask.ref)
    modal = ws.last_modal()
    acted_on = next(b for b in modal["blocks"] if b["block_id"] == "acted_on")
    await ws.submit(
        poster,
        modal,
        result="worked",
        events=["another_interview"],
        acted_on=[option["value"] for option in acted_on["element"]["options"]],
        note="They moved me to the analyst track. Second call next Tuesday.",
    )
    await ws.wait(timedelta(days=31))
    return story
