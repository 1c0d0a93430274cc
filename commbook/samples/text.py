"""Text pools for posts, replies and comments: templates × topics, chosen by index."""

from __future__ import annotations

import numpy as np

TOPICS = [
    "3D printer", "soldering iron", "Raspberry Pi", "ESP32 board", "CNC router", "laser cutter",
    "stepper driver", "PCB layout", "synth kit", "weather station", "LED matrix", "robot arm",
    "Arduino Nano", "bench power supply", "mechanical keyboard", "oscilloscope", "drone frame",
    "e-bike conversion", "smart plant pot", "retro game console",
]  # fmt: skip

CATEGORIES = ["question", "support", "discussion", "feedback", "announcement"]

TITLES = {
    "question": [
        "How do I calibrate my {t}?", "Why does my {t} keep resetting?",
        "Best way to power a {t}?", "Which firmware should I use for the {t}?",
        "Beginner question about the {t}", "Is my {t} wired correctly?",
    ],
    "support": [
        "{t} kit arrived with missing parts", "Can't flash the {t} firmware",
        "Order delayed: {t} kit", "Replacement part for my {t}?",
        "Account locked after ordering a {t}", "Refund for a faulty {t}",
    ],
    "discussion": [
        "Show and tell: my {t} project", "What are you building with a {t}?",
        "{t}: cheap vs. premium, thoughts?", "Weekend build log: {t}",
        "Favourite mods for the {t}", "Lessons learned from my first {t}",
    ],
    "feedback": [
        "Suggestion: a wiki page for the {t}", "Search can't find {t} threads",
        "Mobile app crashes on {t} posts", "Docs for the {t} are out of date",
        "Idea: a monthly {t} challenge", "Please add a {t} category",
    ],
    "announcement": [
        "Announcing the {t} build night", "New guide: getting started with the {t}",
        "{t} workshop recordings are up", "Community update: {t} group buy",
    ],
}  # fmt: skip

BODIES = {
    "question": [
        "I followed the guide step by step but it still does not work.",
        "Any pointers appreciated, I'm new to this.",
        "Tried two power supplies already, same result.",
        "Photos of the wiring attached.",
    ],
    "support": [
        "Order number in my profile. Can someone from the team help?",
        "I contacted the shop twice and got no answer.",
        "It worked yesterday and now it won't boot.",
    ],
    "discussion": [
        "Sharing my build and curious what you would change.",
        "Took me three weekends but it finally runs.",
        "What has your experience been?",
    ],
    "feedback": [
        "This would make the forum much easier to use.",
        "Happy to help test it.",
        "It has been like this for a few weeks now.",
    ],
    "announcement": [
        "Details and sign-up inside. See you there!",
        "Thanks to everyone who helped make this happen.",
    ],
}
CHAT = [
    "anyone around to help with a wiring question?", "just finished my build, pics soon",
    "is the build night still on tonight?", "what glue do you use for PETG?",
    "that new kit looks great", "my print failed again at layer 40",
]  # fmt: skip
REPLIES = [
    "Have you tried re-seating the cable?", "Check the power supply first.",
    "Same problem here, following.", "Great build, thanks for sharing!",
    "Thanks, that fixed it!", "Try the older firmware, the new one has a bug.",
    "There is a guide for this in the docs.", "Welcome! Glad you asked.",
    "I had the same issue; a cold solder joint was the cause.", "Nice work!",
    "Could you post a photo of the board?", "Marking this as solved, thanks all.",
]  # fmt: skip
CONTENT_COMMENTS = [
    "Great video, thanks!", "Voted!", "Can't wait for the next one.",
    "Would love a follow-up on this.", "Very helpful, bookmarked.",
    "Will there be a recording?", "Signed up!", "Count me in for the contest.",
]  # fmt: skip


def _pool(templates: dict[str, list[str]]) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    texts: list[str] = []
    ranges: dict[str, tuple[int, int]] = {}
    for key, items in templates.items():
        start = len(texts)
        texts += [s.format(t=t) for s in items for t in TOPICS] if "{t}" in items[0] else items
        ranges[key] = (start, len(texts))
    return np.array(texts, dtype=object), ranges


TITLE_POOL, TITLE_RANGES = _pool(TITLES)
BODY_POOL, BODY_RANGES = _pool(
    {**BODIES, "chat": CHAT, "reply": REPLIES, "comment": CONTENT_COMMENTS}
)


def pick(
    rng: np.random.Generator, ranges: dict[str, tuple[int, int]], keys: np.ndarray
) -> np.ndarray:
    """An index into the pool for each key (category), uniformly within its templates."""
    out = np.empty(len(keys), dtype=np.int64)
    for key, (lo, hi) in ranges.items():
        mask = keys == key
        out[mask] = rng.integers(lo, hi, int(mask.sum()))
    return out
