"""Writing evaluation results: a Markdown table, a JSON file and a plot."""

from __future__ import annotations

import json
from pathlib import Path

METRICS = ("span_ndcg@10", "span_recall@10", "doc_ndcg@10")


def markdown_table(rows: list[dict]) -> str:
    """One line per (mode, window, chunk size), metrics to three decimals."""
    header = "| mode | window | chunk tokens | chunks | span nDCG@10 | span R@10 | doc nDCG@10 | run/doc tokens |"
    lines = [header, "|" + "---|" * 8]
    for r in sorted(rows, key=lambda r: (r["mode"], r["max_length"], r["chunk_size"])):
        window = r["max_length"] if r["mode"] == "late" else "-"
        lines.append(
            f"| {r['mode']} | {window} | {r['chunk_size']} | {r['chunks']} | {r['span_ndcg@10']:.3f} | "
            f"{r['span_recall@10']:.3f} | {r['doc_ndcg@10']:.3f} | {r['tokens_run_per_doc_token']} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: str | Path) -> Path:
    """nDCG@10 (span and document level) against chunk size, naive vs late per window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    series: dict[str, list[dict]] = {}
    for row in rows:
        label = "naive" if row["mode"] == "naive" else f"late, {row['max_length']}-token window"
        series.setdefault(label, []).append(row)
    for axis, metric, title in zip(
        axes, ("span_ndcg@10", "doc_ndcg@10"), ("span level", "document level"), strict=True
    ):
        for label, points in sorted(series.items()):
            points = sorted(points, key=lambda r: r["chunk_size"])
            style = {"linestyle": "--", "color": "black"} if label == "naive" else {}
            axis.plot([p["chunk_size"] for p in points], [p[metric] for p in points], marker="o", label=label, **style)
        axis.set_xscale("log", base=2)
        axis.set_xlabel("chunk size (tokens, sentence-packed)")
        axis.set_ylabel("nDCG@10")
        axis.set_title(title)
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def write_results(rows: list[dict], folder: str | Path, draw: bool = True) -> dict[str, Path]:
    """Write ``results.json``, ``results.md`` and (if ``draw``) ``ndcg_vs_chunk_size.png`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {"json": folder / "results.json", "markdown": folder / "results.md"}
    written["json"].write_text(json.dumps(rows, indent=1))
    written["markdown"].write_text(markdown_table(rows))
    if draw:
        written["plot"] = plot(rows, folder / "ndcg_vs_chunk_size.png")
    return written
