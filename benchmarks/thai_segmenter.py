"""Thai sentence segmentation: PyThaiNLP's CRF segmenter (crfcut) against latechunk's split at spaces.

Needs ``pip install pythainlp python-crfsuite`` (not a latechunk dependency). Prints the install
size of the two packages, the time of each segmenter on the same Thai text, and where they cut.

    python benchmarks/thai_segmenter.py
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from latechunk.chunkers import split_sentences

SENTENCES = (
    "ฉันไปตลาดเมื่อวานนี้ ฉันซื้อผลไม้หลายอย่าง แม่ของฉันชอบมะม่วงมาก เราจะกินด้วยกันตอนเย็น "
    "รถไฟขบวนนี้ออกจากกรุงเทพตอนเช้า และถึงเชียงใหม่ตอนค่ำ "
)


def package_megabytes(*names: str) -> float:
    total = 0
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).parent
        total += sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return total / 1e6


def main() -> None:
    from pythainlp.tokenize import sent_tokenize

    text = SENTENCES * 200
    sent_tokenize(SENTENCES, engine="crfcut")  # load the model
    started = time.perf_counter()
    crf = sent_tokenize(text, engine="crfcut")
    crf_s = time.perf_counter() - started
    started = time.perf_counter()
    ours = split_sentences(text)
    ours_s = time.perf_counter() - started
    print(f"pythainlp + pycrfsuite installed: {package_megabytes('pythainlp', 'pycrfsuite'):.0f} MB")
    print(f"{len(text):,} characters: crfcut {crf_s:.3f} s ({len(crf)} sentences), spaces {ours_s:.4f} s ({len(ours)})")
    print("crfcut:", [s.strip() for s in sent_tokenize(SENTENCES, engine="crfcut")])
    print("spaces:", [SENTENCES[a:b] for a, b in split_sentences(SENTENCES)])


if __name__ == "__main__":
    main()
