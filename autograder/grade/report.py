"""The class report: ``report.html`` with PNG plots (score histogram, pass rate per test) and the
most common failure messages, for the TA and the instructor."""
from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from autograder.core.results import GRADER_ERROR, PASSED, SubmissionResult


def _plots(results: list[SubmissionResult], out_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    scores = [r.score for r in results]
    top = max((r.max_score for r in results), default=1.0) or 1.0
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(scores, bins=min(20, max(5, len(scores))), range=(0, top), color="#4477aa", edgecolor="white")
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.set_title(f"Score distribution ({len(results)} submissions)")
    fig.tight_layout()
    fig.savefig(out_dir / "score_histogram.png", dpi=110)
    plt.close(fig)
    names.append("score_histogram.png")

    cases = [(c.question, c.name) for c in results[0].cases] if results else []
    rates = [sum(1 for r in results for c in r.cases if (c.question, c.name) == key and c.status == PASSED)
             / max(1, len(results)) for key in cases]
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.22 * len(cases) + 1)))
    ax.barh(range(len(cases)), rates, color=["#228833" if x > 0.8 else "#ccbb44" if x > 0.5 else "#ee6677"
                                              for x in rates])
    ax.set_yticks(range(len(cases)), [f"{q} / {n}" for q, n in cases], fontsize=7)
    ax.set_ylim(len(cases) - 0.5, -0.5)  # first case on top, no empty margin
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of submissions passing")
    ax.set_title("Pass rate per test case")
    fig.tight_layout()
    fig.savefig(out_dir / "pass_rate.png", dpi=110)
    plt.close(fig)
    names.append("pass_rate.png")
    return names


def write_report(results: list[SubmissionResult], out_dir: Path, title: str) -> Path:
    """Write ``report.html`` and its PNGs into ``out_dir``; return the HTML path."""
    from autograder.grade.outputs import atomic_write

    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = _plots(results, out_dir)
    failures = Counter(f"{c.question} / {c.name}: {c.message}" for r in results for c in r.cases
                       if c.status != PASSED)
    errors = [(r.student, c.question, c.name) for r in results for c in r.cases if c.status == GRADER_ERROR]
    n = len(results)
    mean = sum(r.score for r in results) / n if n else 0.0
    top = results[0].max_score if results else 0.0
    rows = "".join(f"<tr><td>{count}</td><td>{html.escape(msg)}</td></tr>" for msg, count in failures.most_common(15))
    err_rows = "".join(f"<li>{html.escape(s)}: {html.escape(q)} / {html.escape(c)}</li>" for s, q, c in errors[:50])
    imgs = "".join(f'<p><img src="{p}" alt="{p}"></p>' for p in pngs)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}: class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:2px 8px;vertical-align:top}}
table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>{html.escape(title)}: class report</h1>
<p>{n} submissions; mean {mean:.2f} / {top:g}; {sum(1 for r in results if r.score == top)} full marks;
{len(errors)} grader errors (not counted against students).</p>
{imgs}
<h2>Most common failure messages</h2><table><tr><th>count</th><th>message</th></tr>{rows}</table>
<h2>Grader errors</h2><ul>{err_rows or "<li>none</li>"}</ul>
</body></html>
"""
    path = out_dir / "report.html"
    atomic_write(path, page)
    return path
