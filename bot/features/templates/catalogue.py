"""The templates a community sees: the built-in library of its locale plus its own."""

from __future__ import annotations

from dataclasses import dataclass

from bot.common.context import Context
from bot.domain.member_text import shown_within
from bot.words.templates.community import from_stored
from bot.words.templates.model import Library, Template

# Discord caps an autocomplete choice's name at 100 characters.
SUGGESTION_MAX = 100
# Words that start a moderator's sub-command, so no template may be called by them.
RESERVED_KEYS = frozenset({"add", "edit", "disable", "enable", "list", "search"})


@dataclass(frozen=True)
class CommunityLibrary:
    builtin: Library
    community: tuple[Template, ...]

    @property
    def templates(self) -> tuple[Template, ...]:
        return self.builtin.templates + self.community

    def get(self, key: str) -> Template | None:
        return next((t for t in self.templates if t.key == key), None)

    def search(self, query: str) -> tuple[Template, ...]:
        """Templates whose id, title, 'when' line or situation hold every word of `query`."""
        words = query.lower().split()
        return tuple(t for t in self.templates if all(w in self._haystack(t) for w in words))

    def _haystack(self, template: Template) -> str:
        situation = self.builtin.situation_title(template.situation) or ""
        parts = (template.key, template.title, template.when, situation, *template.channels)
        return " ".join(parts).lower().replace("_", " ") + " " + template.key


async def library_for(ctx: Context) -> CommunityLibrary:
    builtin = ctx.content.templates(ctx.settings.locale)
    community: list[Template] = []
    for stored in await ctx.repo.templates.community_templates(ctx.community_id):
        template = None if stored.disabled else from_stored(stored, builtin)
        if template is not None:
            community.append(template)
    return CommunityLibrary(builtin=builtin, community=tuple(community))


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete choice: the template id to fill in and a label to show."""

    value: str
    label: str


def suggest(library: CommunityLibrary, query: str, limit: int) -> list[Suggestion]:
    """Templates for a partly typed id or words, ids starting with the query first."""
    query = query.strip().lower()
    found = library.search(query.replace("_", " ")) if query else library.templates
    ranked = sorted(found, key=lambda t: not t.key.startswith(query))
    return [Suggestion(value=t.key, label=_label(t)) for t in ranked[:limit]]


def _label(template: Template) -> str:
    """`<title> (<id>)` within the platforms' 100 characters, the title shown safely."""
    key = template.key
    return f"{shown_within(template.title, SUGGESTION_MAX - len(key) - 3)} ({key})"
