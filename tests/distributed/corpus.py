"""Short generated documents for the distributed tests."""

from __future__ import annotations

import random

SUBJECTS = ["The lighthouse", "A comet", "The harbour", "Our committee", "The old mill", "A glacier", "The library"]
VERBS = ["watches", "crosses", "remembers", "measures", "shelters", "follows", "describes"]
OBJECTS = ["the northern coast", "a cold winter", "the river delta", "every passing ship", "the budget", "its users"]


def documents(n: int, seed: int = 0) -> list[str]:
    """``n`` documents of 1 to 6 sentences, some with a blank-line paragraph break."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}." for _ in range(rng.randint(1, 6))
        ]
        if len(sentences) > 3:
            sentences[2] = "\n\n" + sentences[2]
        docs.append(" ".join(sentences))
    return docs
