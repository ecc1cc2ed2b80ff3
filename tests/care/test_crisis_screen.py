"""The crisis screen against two corpora, and the normalisation tricks it must see through."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.care.lexicon import load_lexicons
from bot.features.care.screen import Screen, screen_for
from bot.words.content import packaged_content
from bot.words.located_yaml import ContentError
from tests.care.care_support import corpus_lines

MAX_FALSE_POSITIVE_RATE = 0.03


def test_the_corpora_are_big_enough() -> None:
    assert len(set(corpus_lines("crisis_en.txt"))) >= 150
    assert len(set(corpus_lines("benign_en.txt"))) >= 300


def test_every_crisis_expression_is_caught() -> None:
    screen = screen_for("en")
    missed = [line for line in corpus_lines("crisis_en.txt") if screen.check(line) is None]
    assert missed == []


def test_ordinary_interview_talk_is_rarely_taken_for_a_crisis() -> None:
    screen = screen_for("en")
    benign = corpus_lines("benign_en.txt")
    flagged = [(line, hit.phrase) for line in benign if (hit := screen.check(line))]
    rate = len(flagged) / len(benign)
    print(f"\ncrisis screen: {len(flagged)}/{len(benign)} benign lines flagged ({rate:.1%})")
    for line, phrase in flagged:
        print(f"  flagged by {phrase!r}: {line}")
    assert rate <= MAX_FALSE_POSITIVE_RATE


@pytest.mark.parametrize(
    "text",
    [
        "I want to k i l l myself",
        "K.I.L.L MYSELF",
        "k1ll mys3lf",
        "$uicide",
        "I am SUICIDÉ",
        "I want to kiiiiiill myself",
        "wanna d13",
        "I W A N T T O D I E",
        "i need to kill myslef",
        # Circled letters read as letters once folded, one by one (they were missed before).
        "\u24da \u24d8 \u24db \u24db \u24dc \u24e8 \u24e2 \u24d4 \u24db \u24d5",
    ],
)
def test_tricks_are_seen_through(text: str) -> None:
    assert screen_for("en").check(text) is not None


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("I don't want to die", False),
        ("I am not suicidal, just sad", False),
        ("I would never hurt myself", False),
        ("I don't want to live anymore", True),  # the negation is part of the phrase
        ("I'm not okay. I want to die", True),  # another sentence: not denied
        ("I don't know why I want to die", True),  # too far back to deny it
        ("that answer was career suicide", False),
        ("career suicide, and honestly I feel suicidal", True),
    ],
)
def test_negations_and_idioms(text: str, caught: bool) -> None:
    assert (screen_for("en").check(text) is not None) is caught


def test_a_phrase_split_across_two_messages_is_caught() -> None:
    screen = screen_for("en")
    assert screen.check("die tonight") is None
    hit = screen.check("die", before="after that rejection I just want to")
    assert hit is not None
    assert hit.phrase == "want to die"
    # A hit wholly inside the earlier message was that message's: not counted twice.
    assert screen.check("thanks for listening", before="I want to die") is None


def test_a_hit_names_the_phrase_that_matched() -> None:
    hit = screen_for("en").check("Sometimes I think everyone would be better off")
    assert hit is not None
    assert hit.phrase == "everyone would be better off"


def test_resources_per_country_with_a_default() -> None:
    lexicon = load_lexicons()["en"]
    assert any("116 123" in line for line in lexicon.resources_for("gb"))
    assert any("988" in line for line in lexicon.resources_for("US"))
    assert lexicon.resources_for("ZZ") == lexicon.resources["default"]


def test_a_community_folder_replaces_lists(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "care.yaml").write_text(
        "phrases: [walk into the sea]\nresources:\n  GB: [Call our own line]\n",
        encoding="utf-8",
    )
    lexicon = load_lexicons(packaged_content(), tmp_path)["en"]
    screen = Screen(lexicon)
    assert screen.check("I want to walk into the sea") is not None
    assert screen.check("I want to kill myself") is None  # the list was replaced
    assert lexicon.resources_for("GB") == ("Call our own line",)
    assert lexicon.resources_for("US") == load_lexicons()["en"].resources_for("US")


@pytest.mark.parametrize(
    ("yaml_text", "problem"),
    [
        ("phrases: []\n", "non-empty list"),
        ("phrases: [ok, 3]\n", "non-empty text"),
        ("frases: [x]\n", "unknown care list"),
        ("spellings: [x]\n", "spellings must map"),
    ],
)
def test_bad_lists_are_refused_with_their_line(
    tmp_path: Path, yaml_text: str, problem: str
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "care.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ContentError, match=problem) as raised:
        load_lexicons(packaged_content(), tmp_path)
    assert "care.yaml:1" in str(raised.value)
