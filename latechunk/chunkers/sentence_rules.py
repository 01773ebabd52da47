"""The sentence rules on top of sentencex, one sentence at a time (see ``latechunk.chunkers.segmentation``).

``whole_text_rules`` applies the same rules to a whole text at once; this module is their
definition, used for short texts, for the spaCy path and as the reference the tests compare with.
"""

from __future__ import annotations

import re
from typing import Any

from latechunk.chunkers.base import strip_span
from latechunk.types import Span

# Unicode 16 Sentence_Terminal (``regex``'s \p{Sentence_Terminal}; tests compare the two) without
# . ! ? and the full-width marks handled with CJK below, and without Myanmar U+104A (a comma in use).
_STERM = (
    "\u0589\u061d-\u061f\u06d4\u0700-\u0702\u07f9\u0837\u0839\u083d-\u083e\u0964-\u0965\u104b\u1362"
    "\u1367-\u1368\u166e\u1735-\u1736\u17d4-\u17d5\u1803\u1809\u1944-\u1945\u1aa8-\u1aab\u1b4e-\u1b4f"
    "\u1b5a-\u1b5b\u1b5e-\u1b5f\u1b7d-\u1b7f\u1c3b-\u1c3c\u1c7e-\u1c7f\u2024\u203c-\u203d\u2047-\u2049"
    "\u2cf9-\u2cfb\u2e2e\u2e3c\u2e53-\u2e54\u2e60-\u2e61\ua4ff\ua60e-\ua60f\ua6f3\ua6f7\ua876-\ua877"
    "\ua8ce-\ua8cf\ua92f\ua9c8-\ua9c9\uaa5d-\uaa5f\uaaf0-\uaaf1\uabeb\ufe12\ufe15-\ufe16\ufe52\ufe56-\ufe57"
    "\U00010a56-\U00010a57\U00010f55-\U00010f59\U00010f86-\U00010f89\U00011047-\U00011048"
    "\U000110be-\U000110c1\U00011141-\U00011143\U000111c5-\U000111c6\U000111cd\U000111de-\U000111df"
    "\U00011238-\U00011239\U0001123b-\U0001123c\U000112a9\U000113d4-\U000113d5\U0001144b-\U0001144c"
    "\U000115c2-\U000115c3\U000115c9-\U000115d7\U00011641-\U00011642\U0001173c-\U0001173e\U00011944"
    "\U00011946\U00011a42-\U00011a43\U00011a9b-\U00011a9c\U00011c41-\U00011c42\U00011ef7-\U00011ef8"
    "\U00011f43-\U00011f44\U00016a6e-\U00016a6f\U00016af5\U00016b37-\U00016b38\U00016b44"
    "\U00016d6e-\U00016d6f\U00016e98\U0001bc9f\U0001da88"
)
_TIBETAN_SHAD = "\u0f0d-\u0f12\u0f14"
_CLOSERS = "\"'”’»›)\\]}」』）】〉》"
TERMINAL_THEN_SPACE = re.compile(rf"(?:[{_STERM}]|[{_TIBETAN_SHAD}])+[{_CLOSERS}]*(?=\s)")
# spaCy's and sentencex's tokenizers see a run of CJK characters as one word: 。！？｡ (with any
# closing quote or bracket) end a sentence here, and so do ASCII . ! ? written straight after a
# Han or kana character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_SENTENCE_END = re.compile(rf"(?:[。！？｡]|(?<=[{_CJK}])[.!?])[。！？｡.!?]*[」』）】〉》”’\"']*")
QUOTE_OR_BRACKET = re.compile('["“”„«»‹›「」『』()\\[\\]{}]')
THAI_LAO_SPACE = re.compile(r"(?<=[\u0e00-\u0eff])\s+(?=[\u0e00-\u0eff])")
BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
NEEDS_REFINING = re.compile(rf"[{_STERM}{_TIBETAN_SHAD}。！？｡{_CJK}\u0e00-\u0eff]")
# Where sentencex's lists fall short: titles before a name, per language code, and a period
# followed by a lowercase Latin, Greek or Cyrillic letter (an abbreviation such as Russian "т.е.").
TITLES = {
    "fr": ("M.", "MM.", "Mme.", "Mlle.", "Mgr.", "Me.", "Dr.", "Pr."),
    "ru": ("г.", "гг.", "ул.", "д.", "им."),
    "uk": ("м.", "вул.", "д.", "ім."),
}
PERIOD_BEFORE_LOWERCASE = re.compile(r"\.[\"'”’»)]*\s+[\"'“‘«(]*[a-z\u00df-\u024f\u03ac-\u03ff\u0430-\u04ff]")


def rules_one_by_one(text: str, language: str, found: list[Span]) -> list[Span]:
    """Join false ends, cut at blank lines and refine, sentence by sentence (``found``: sentencex's spans)."""
    spans: list[Span] = []
    for sentence in join_false_ends(text, found, TITLES.get(language, ())):
        for block in split_at(text, sentence, BLANK_LINE, True):
            spans.extend(refine(text, block))
    return spans


def segment_without_quotes(sentencex: Any, language: str, text: str, span: Span) -> list[Span]:
    """Segment ``span`` again with quotes and brackets blanked out.

    sentencex never ends a sentence inside quotes or brackets, so one unbalanced quote (common
    in transcripts: a 60,000-character "sentence" in one QMSum meeting) swallows every sentence
    after it. A sentence that runs over a line break and holds a quote or bracket is segmented
    again without them; each is replaced by one space, so offsets stay the same.
    """
    piece = QUOTE_OR_BRACKET.sub(" ", text[span[0] : span[1]])
    return [
        (span[0] + b["start_index"], span[0] + b["end_index"])
        for b in sentencex.get_sentence_boundaries(language, piece)
    ]


def join_false_ends(text: str, spans: list[Span], titles: tuple[str, ...]) -> list[Span]:
    """Join a sentence to the next when it ends with a title or a period before a lowercase letter."""
    joined: list[Span] = []
    for span in spans:
        if joined and _false_end(text, joined[-1], span, titles):
            joined[-1] = (joined[-1][0], span[1])
        else:
            joined.append(span)
    return joined


def _false_end(text: str, previous: Span, span: Span, titles: tuple[str, ...]) -> bool:
    start, end = strip_span(text, *previous)
    if start == end or BLANK_LINE.search(text, end, max(end, strip_span(text, *span)[0])):
        return False
    words = text[previous[0] : end].split()
    if words and words[-1] in titles:
        return True
    following = PERIOD_BEFORE_LOWERCASE.match(text, end - 1, min(span[1], end + 8))
    return following is not None and following.group()[-1].islower()


def refine(text: str, span: Span) -> list[Span]:
    """Cut a sentence further at the marks listed in the module doc; trimmed, empty pieces dropped."""
    if not NEEDS_REFINING.search(text, *span):
        trimmed = strip_span(text, *span)
        return [trimmed] if trimmed[1] > trimmed[0] else []
    pieces = [span]
    for pattern, keep_left in ((TERMINAL_THEN_SPACE, True), (CJK_SENTENCE_END, True), (THAI_LAO_SPACE, False)):
        pieces = [p for piece in pieces for p in split_at(text, piece, pattern, keep_left)]
    trimmed = (strip_span(text, *p) for p in pieces)
    return [p for p in trimmed if p[1] > p[0]]


def split_at(text: str, span: Span, pattern: re.Pattern[str], keep_match_left: bool) -> list[Span]:
    start, end = span
    pieces: list[Span] = []
    for match in pattern.finditer(text, start, end):
        cut = match.end() if keep_match_left else match.start()
        if start < cut < end:
            pieces.append((start, cut))
            start = cut
    pieces.append((start, end))
    return pieces
