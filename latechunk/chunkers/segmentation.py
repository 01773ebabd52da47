"""Sentence segmentation: sentencex's rules for ~300 languages, plus the scripts they miss.

The default segmenter is `sentencex <https://github.com/wikimedia/sentencex>`_ (Wikimedia; a
Rust core, no dependencies): per-language abbreviation lists (``Dr.``, ``e.g.``, ``p.m.``,
German ``z.B.`` and ordinals, ...), quotes and ``¿``/``¡`` kept with their sentence. On top of
its boundaries this module cuts

* at blank lines (always),
* after every Unicode Sentence_Terminal character other than ``. ! ?`` (Armenian ``։``,
  Burmese ``။``, Ethiopic ``። ፧``, Devanagari ``। ॥``, Khmer ``។``, ...) and after the Tibetan
  shad ``།`` when whitespace follows,
* after ``。！？｡`` (and ``. ! ?`` written straight after a Han or kana character) in Chinese
  and Japanese, which put no space between sentences,
* at the spaces of Thai and Lao text: those scripts mark sentences (and clauses) with a space
  and nothing else, so a unit there is a clause, packed by the token budget like sentences.

A spaCy pipeline can be passed instead (``nlp=``), for a trained parser's sentences; spaCy is the
optional ``spacy`` extra (``pip install "latechunk[spacy]"``), imported only by ``default_nlp``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from latechunk.chunkers.base import strip_span
from latechunk.chunkers.text_cache import SizedCache
from latechunk.chunkers.whitespace import Whitespace, code_points
from latechunk.types import Span

DEFAULT_LANGUAGE = "en"
"""sentencex language code used when none is given: English abbreviations, every script's terminators."""

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
_TERMINAL_THEN_SPACE = re.compile(rf"(?:[{_STERM}]|[{_TIBETAN_SHAD}])+[{_CLOSERS}]*(?=\s)")
# spaCy's and sentencex's tokenizers see a run of CJK characters as one word: 。！？｡ (with any
# closing quote or bracket) end a sentence here, and so do ASCII . ! ? written straight after a
# Han or kana character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SENTENCE_END = re.compile(rf"(?:[。！？｡]|(?<=[{_CJK}])[.!?])[。！？｡.!?]*[」』）】〉》”’\"']*")
_QUOTE_OR_BRACKET = re.compile('["“”„«»‹›「」『』()\\[\\]{}]')
_THAI_LAO_SPACE = re.compile(r"(?<=[\u0e00-\u0eff])\s+(?=[\u0e00-\u0eff])")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_NEEDS_REFINING = re.compile(rf"[{_STERM}{_TIBETAN_SHAD}。！？｡{_CJK}\u0e00-\u0eff]")
_LOWEST_REFINING_CODE = 0x0589  # Armenian full stop: no character below it is one _NEEDS_REFINING matches
_QUOTE_TABLE = np.zeros(0x3011, dtype=bool)  # the characters _QUOTE_OR_BRACKET matches, by code point
_QUOTE_TABLE[[ord(c) for c in '"“”„«»‹›「」『』()[]{}']] = True
_BLANK_LINE_START = re.compile(r"\n(?=[ \t\r\f\v]*\n)")
# Where sentencex's lists fall short: titles before a name, per language code, and a period
# followed by a lowercase Latin, Greek or Cyrillic letter (an abbreviation such as Russian "т.е.").
_TITLES = {
    "fr": ("M.", "MM.", "Mme.", "Mlle.", "Mgr.", "Me.", "Dr.", "Pr."),
    "ru": ("г.", "гг.", "ул.", "д.", "им."),
    "uk": ("м.", "вул.", "д.", "ім."),
}
_ENDS_WITH_PERIOD_BEFORE_LOWERCASE = re.compile(
    r"\.[\"'”’»)]*\s+[\"'“‘«(]*[a-z\u00df-\u024f\u03ac-\u03ff\u0430-\u04ff]"
)

WHOLE_TEXT_RULES_FROM = 24
"""sentencex sentences from which the rules run over the whole text at once (below, one by one costs less:
about 150 us of numpy set-up against 10 us a sentence; both give the same sentences)."""
CACHE_BUDGET_CHARS = 8_000_000
"""Text (in characters, plus 16 per sentence) whose sentences are kept for reuse."""
CACHE_MAX_TEXT_CHARS = 2_000_000
"""A longer text is segmented each time it is asked for, never kept."""
_cache: SizedCache[tuple[Span, ...]] = SizedCache(CACHE_BUDGET_CHARS, CACHE_MAX_TEXT_CHARS)


@lru_cache(maxsize=1)
def default_nlp() -> Any:
    """A blank multilingual spaCy pipeline with the rule-based sentencizer (no download; the ``spacy`` extra)."""
    try:
        import spacy
    except ImportError as error:
        raise ImportError(
            'spaCy is optional: pip install "latechunk[spacy]" to segment with a spaCy pipeline '
            "(the default segmenter, sentencex, needs no spaCy)"
        ) from error

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10**9
    # Sentence ends need only the tokenizer's suffix rules ("end." -> "end", "."). Infix and URL
    # matching cost 30-40 % of the time, and infix splits made false sentence ends at a period
    # inside a word ("Mr.Manly", "file.txt"): on QMSum val, 145 of 26,283 sentences were such.
    nlp.tokenizer.infix_finditer = None
    nlp.tokenizer.url_match = None
    return nlp


def split_sentences(text: str, nlp: Any | None = None, language: str | None = None) -> list[Span]:
    """Sentence spans of ``text``: in order, non-overlapping, trimmed of whitespace, never empty.

    Together they cover every non-whitespace character. Blank lines always end a sentence.
    ``language`` is a sentencex language code (default ``"en"``: English abbreviations; the
    terminators of every script apply whatever the code). With ``nlp`` (a spaCy pipeline that
    sets sentence boundaries) its sentences are used instead. Without ``nlp``, the spans of
    recently seen texts are reused (at most ``CACHE_BUDGET_CHARS`` of text is kept).
    """
    if nlp is not None:
        return _segment_with_spacy(text, nlp)
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    language = DEFAULT_LANGUAGE if language is None else language
    spans = _cache.get_or_compute(
        (language, text), lambda: tuple(_segment(text, language)), lambda s: len(text) + 16 * len(s)
    )
    return list(spans)


def clear_sentence_cache() -> None:
    """Forget the sentence spans of recently segmented texts (for timing segmentation)."""
    _cache.clear()


def sentence_cache() -> SizedCache[tuple[Span, ...]]:
    """The cache behind ``split_sentences`` (for inspecting its size)."""
    return _cache


def _segment(text: str, language: str) -> list[Span]:
    """sentencex's sentences, then the rules of the module doc, each applied to the whole text at once.

    Each rule is a pass over arrays of sentence starts and ends (regular expressions and numpy over
    the whole text); only the sentences a rule must look at one by one (re-segmented without quotes,
    cut at the marks of ``_refine``) go through Python, and the result is what applying the rules
    sentence by sentence gives (``tests/chunkers/test_segmentation_rules.py`` holds the two equal).
    """
    try:
        import sentencex
    except ImportError as error:  # a core dependency; only a broken install lacks it
        raise ImportError('sentence segmentation needs sentencex: pip install "sentencex>=1.0"') from error
    bounds = sentencex.get_sentence_boundaries(language, text)
    if len(bounds) < WHOLE_TEXT_RULES_FROM:
        found: list[Span] = []
        for bound in bounds:
            span = (bound["start_index"], bound["end_index"])
            if "\n" in text[span[0] : span[1]].rstrip() and _QUOTE_OR_BRACKET.search(text, *span):
                found += _segment_without_quotes(sentencex, language, text, span)
            else:
                found.append(span)
        return _segment_one_by_one(text, language, found)
    starts = np.fromiter((b["start_index"] for b in bounds), dtype=np.int64, count=len(bounds))
    ends = np.fromiter((b["end_index"] for b in bounds), dtype=np.int64, count=len(bounds))
    if len(starts) == 0:
        return []
    codes = code_points(text)
    spaces = Whitespace(text, codes)
    starts, ends = _without_quotes_where_needed(sentencex, language, text, codes, spaces, starts, ends)
    if np.any(starts[1:] < ends[:-1]) or np.any(ends < starts):  # not in order: the rules one by one
        return _segment_one_by_one(text, language, list(zip(starts.tolist(), ends.tolist(), strict=True)))
    blank_lines = _blank_lines(text, codes)
    titles = _TITLES.get(language, ())
    starts, ends = _join_false_ends_at_once(text, codes, spaces, blank_lines, starts, ends, titles)
    starts, ends = _cut_at_blank_lines(spaces, blank_lines[0], starts, ends)
    return _refine_all(text, codes, spaces, starts, ends)


def _segment_one_by_one(text: str, language: str, found: list[Span]) -> list[Span]:
    spans: list[Span] = []
    for sentence in _join_false_ends(text, found, _TITLES.get(language, ())):
        for block in _split_at(text, sentence, _BLANK_LINE, True):
            spans.extend(_refine(text, block))
    return spans


def _count_in(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of the sorted ``positions`` lie in each ``[start, end)``."""
    return np.searchsorted(positions, ends) - np.searchsorted(positions, starts)


def _without_quotes_where_needed(
    sentencex: Any, language: str, text: str, codes: np.ndarray, spaces: Whitespace, starts, ends
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence that runs over a line break and holds a quote or bracket, segmented again without them."""
    newlines = np.flatnonzero(codes == 10)
    quotes = np.flatnonzero(_QUOTE_TABLE[np.minimum(codes, len(_QUOTE_TABLE) - 1)])  # its last entry is False
    right_stripped = np.maximum(spaces.visible_end(ends), starts)
    again = np.flatnonzero((_count_in(newlines, starts, right_stripped) > 0) & (_count_in(quotes, starts, ends) > 0))
    if len(again) == 0:
        return starts, ends
    blanked = _QUOTE_OR_BRACKET.sub(" ", text)
    new_starts, new_ends, done = [], [], 0
    for k in again.tolist():
        a, b = int(starts[k]), int(ends[k])
        bounds = sentencex.get_sentence_boundaries(language, blanked[a:b])
        new_starts += [starts[done:k], np.asarray([a + x["start_index"] for x in bounds], dtype=np.int64)]
        new_ends += [ends[done:k], np.asarray([a + x["end_index"] for x in bounds], dtype=np.int64)]
        done = k + 1
    return np.concatenate([*new_starts, starts[done:]]), np.concatenate([*new_ends, ends[done:]])


def _blank_lines(text: str, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of every blank line (``\n``, spaces or tabs, ``\n``), overlapping ones too."""
    first = np.fromiter((m.start() for m in _BLANK_LINE_START.finditer(text)), dtype=np.int64)
    newlines = np.flatnonzero(codes == 10)
    return first, newlines[np.searchsorted(newlines, first, side="right")] + 1


def _join_false_ends_at_once(
    text: str,
    codes: np.ndarray,
    spaces: Whitespace,
    blank_lines: tuple[np.ndarray, np.ndarray],
    starts: np.ndarray,
    ends: np.ndarray,
    titles: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """``_join_false_ends`` for all sentences at once (one by one only where an earlier join could matter)."""
    if len(starts) < 2:
        return starts, ends
    previous_start, previous_end = spaces.strip(starts[:-1], ends[:-1])
    next_start = np.minimum(spaces.next_visible(starts[1:]), ends[1:])
    blank_first, blank_end = blank_lines
    at = np.searchsorted(blank_first, previous_end)
    blank = np.zeros(len(at), dtype=bool)
    has = at < len(blank_first)
    blank[has] = blank_end[at[has]] <= np.maximum(previous_end[has], next_start[has])
    period = np.fromiter(
        ((m.start(), m.end()) for m in _ENDS_WITH_PERIOD_BEFORE_LOWERCASE.finditer(text) if m.group()[-1].islower()),
        dtype=np.dtype((np.int64, 2)),
    ).reshape(-1, 2)
    at = np.searchsorted(period[:, 0], previous_end - 1)
    found = at < len(period)
    follows = np.zeros(len(at), dtype=bool)
    follows[found] = (period[at[found], 0] == previous_end[found] - 1) & (
        period[at[found], 1] <= np.minimum(ends[1:][found], previous_end[found] + 8)
    )
    empty = previous_start == previous_end
    joined = ~empty & ~blank & follows
    depends = empty  # a join before a sentence of whitespace alone would decide it
    if titles:
        word_start = np.maximum(spaces.word_start(previous_end), starts[:-1])
        candidates = np.flatnonzero(~empty & ~blank & (codes[np.maximum(previous_end - 1, 0)] == ord(".")))
        for k in candidates.tolist():
            joined[k] |= text[word_start[k] : previous_end[k]] in titles
        depends = depends | (spaces.word_start(previous_end) < starts[:-1])  # a title across a join
    if np.any(depends[1:] & joined[:-1]):
        return _arrays(_join_false_ends(text, list(zip(starts.tolist(), ends.tolist(), strict=True)), titles))
    kept = np.flatnonzero(~joined)
    return starts[np.append(0, kept + 1)], ends[np.append(kept, len(ends) - 1)]


def _cut_at_blank_lines(
    spaces: Whitespace, first: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence cut after every blank line inside it (``first``: where each starts), where the next
    visible character starts: ``_split_at(text, sentence, _BLANK_LINE, True)`` for all at once."""
    if len(first) == 0:
        return starts, ends
    cut = spaces.next_visible(first)  # a blank line's match runs to the end of its whitespace
    last_first = np.maximum.reduceat(first, np.flatnonzero(np.diff(cut, prepend=-1)))
    cut = np.unique(cut)
    owner = np.searchsorted(ends, cut, side="right")  # the sentence whose [start, end) may hold the cut
    owner_clipped = np.minimum(owner, len(ends) - 1)
    inside = (owner < len(ends)) & (starts[owner_clipped] < cut) & (last_first >= starts[owner_clipped])
    cuts = cut[inside]
    if len(cuts) == 0:
        return starts, ends
    return np.sort(np.concatenate([starts, cuts])), np.sort(np.concatenate([cuts, ends]))


def _refine_all(text: str, codes: np.ndarray, spaces: Whitespace, starts: np.ndarray, ends: np.ndarray) -> list[Span]:
    """``_refine`` of every sentence: those holding a mark it cuts at one by one, the others only stripped."""
    marks = _refining_positions(codes)
    needs = _count_in(marks, starts, ends) > 0
    stripped_starts, stripped_ends = spaces.strip(starts[~needs], ends[~needs])
    keep = stripped_ends > stripped_starts
    spans = list(zip(stripped_starts[keep].tolist(), stripped_ends[keep].tolist(), strict=True))
    if needs.any():
        spans += [
            p for a, b in zip(starts[needs].tolist(), ends[needs].tolist(), strict=True) for p in _refine(text, (a, b))
        ]
        spans.sort()
    return spans


def _refining_positions(codes: np.ndarray) -> np.ndarray:
    """Positions of the characters ``_NEEDS_REFINING`` matches (each distinct character tested once)."""
    candidates = np.flatnonzero(codes >= _LOWEST_REFINING_CODE)
    if len(candidates) == 0:
        return candidates
    distinct, which = np.unique(codes[candidates], return_inverse=True)
    matches = np.fromiter((_NEEDS_REFINING.match(chr(c)) is not None for c in distinct.tolist()), dtype=bool)
    return candidates[matches[which]]


def _arrays(spans: list[Span]) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return array[:, 0].copy(), array[:, 1].copy()


def _segment_without_quotes(sentencex: Any, language: str, text: str, span: Span) -> list[Span]:
    """Segment ``span`` again with quotes and brackets blanked out.

    sentencex never ends a sentence inside quotes or brackets, so one unbalanced quote (common
    in transcripts: a 60,000-character "sentence" in one QMSum meeting) swallows every sentence
    after it. A sentence that runs over a line break and holds a quote or bracket is segmented
    again without them; each is replaced by one space, so offsets stay the same.
    """
    piece = _QUOTE_OR_BRACKET.sub(" ", text[span[0] : span[1]])
    return [
        (span[0] + b["start_index"], span[0] + b["end_index"])
        for b in sentencex.get_sentence_boundaries(language, piece)
    ]


def _join_false_ends(text: str, spans: list[Span], titles: tuple[str, ...]) -> list[Span]:
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
    if start == end or _BLANK_LINE.search(text, end, max(end, strip_span(text, *span)[0])):
        return False
    words = text[previous[0] : end].split()
    if words and words[-1] in titles:
        return True
    following = _ENDS_WITH_PERIOD_BEFORE_LOWERCASE.match(text, end - 1, min(span[1], end + 8))
    return following is not None and following.group()[-1].islower()


def _refine(text: str, span: Span) -> list[Span]:
    """Cut a sentence further at the marks listed in the module doc; trimmed, empty pieces dropped."""
    if not _NEEDS_REFINING.search(text, *span):
        trimmed = strip_span(text, *span)
        return [trimmed] if trimmed[1] > trimmed[0] else []
    pieces = [span]
    for pattern, keep_left in ((_TERMINAL_THEN_SPACE, True), (_CJK_SENTENCE_END, True), (_THAI_LAO_SPACE, False)):
        pieces = [p for piece in pieces for p in _split_at(text, piece, pattern, keep_left)]
    trimmed = (strip_span(text, *p) for p in pieces)
    return [p for p in trimmed if p[1] > p[0]]


def _split_at(text: str, span: Span, pattern: re.Pattern[str], keep_match_left: bool) -> list[Span]:
    start, end = span
    pieces: list[Span] = []
    for match in pattern.finditer(text, start, end):
        cut = match.end() if keep_match_left else match.start()
        if start < cut < end:
            pieces.append((start, cut))
            start = cut
    pieces.append((start, end))
    return pieces


def _segment_with_spacy(text: str, nlp: Any) -> list[Span]:
    blocks = [strip_span(text, *b) for b in _split_at(text, (0, len(text)), _BLANK_LINE, keep_match_left=True)]
    blocks = [b for b in blocks if b[1] > b[0]]
    spans: list[Span] = []
    for block, doc in zip(blocks, nlp.pipe(text[a:b] for a, b in blocks), strict=True):
        for sent in doc.sents:
            base = (block[0] + sent.start_char, block[0] + sent.end_char)
            for piece in _split_at(text, base, _CJK_SENTENCE_END, keep_match_left=True):
                piece = strip_span(text, *piece)
                if piece[1] > piece[0]:
                    spans.append(piece)
    return spans
