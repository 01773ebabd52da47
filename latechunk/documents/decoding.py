"""Turning a text file's bytes into text: a byte-order mark, else UTF-8, else a guess by charset-normalizer."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from latechunk.extras import missing_extra

BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
PREFERRED_GUESS = "cp1252"
"""Among equally good guesses, Windows-1252 (a superset of Latin-1 for text): the commonest legacy encoding."""
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class DecodeError(ValueError):
    """Bytes that are not text in any encoding we can tell."""


@dataclass(frozen=True)
class Decoded:
    """A file's text and, when it was not plain UTF-8, what was assumed to read it."""

    text: str
    note: str | None = None


def _guess(data: bytes) -> str | None:
    """charset-normalizer's encoding for ``data`` (Windows-1252 among ties), or ``None``."""
    try:
        from charset_normalizer import from_bytes
    except ImportError as error:
        raise missing_extra("charset-normalizer", error) from error
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        if (match.chaos, match.coherence) != (best.chaos, best.coherence):
            break
        if PREFERRED_GUESS in match.could_be_from_charset:
            return PREFERRED_GUESS
    return best.encoding


def decode_text(data: bytes) -> Decoded:
    """The text in ``data``: by its byte-order mark, else UTF-8, else charset-normalizer's guess.

    UTF-8 that holds NUL bytes is not taken at its word (UTF-16 without a mark decodes as UTF-8 with a NUL
    after every ASCII letter). Text with NUL characters after decoding is refused as binary.
    """
    note = None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise DecodeError(f"not valid {encoding.upper()} after its byte-order mark ({error.reason})") from None
            note = None if encoding == "utf-8" else f"read as {encoding.upper()} (byte-order mark)"
            return _checked(text, note)
    if not data.strip(b"\0"):
        raise DecodeError("no text (only NUL bytes)" if data else "empty file")
    try:
        text = data.decode("utf-8")
        if "\0" not in text:
            return _checked(text, None)
    except UnicodeDecodeError:
        pass
    encoding = _guess(data)
    if encoding is None:
        raise DecodeError("not text in any encoding charset-normalizer knows")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeError(f"not text (guessed {encoding}, but: {error})") from None
    return _checked(text, f"read as {codecs.lookup(encoding).name.upper()} (guessed by charset-normalizer)")


def _checked(text: str, note: str | None) -> Decoded:
    if "\0" in text:
        raise DecodeError("binary data (NUL characters in the text)")
    if not text.strip():
        raise DecodeError("no text (empty or only white space)")
    return scrubbed(Decoded(text, note))


def scrubbed(decoded: Decoded) -> Decoded:
    """``decoded`` with unpaired surrogates (which no tokenizer takes) replaced by U+FFFD, and a note saying so.

    Strict decoders pass none; a PDF's text extraction can.
    """
    if not _LONE_SURROGATE.search(decoded.text):
        return decoded
    note = (decoded.note + "; " if decoded.note else "") + "unpaired surrogates replaced by U+FFFD"
    return Decoded(_LONE_SURROGATE.sub("\ufffd", decoded.text), note)
