"""The class report: ``report.html`` with PNG plots (score histogram, pass rate per test), the
submissions to review by hand (integrity flags), the most common failure messages and the grader
errors, for the TA and the instructor. Every string in the page goes through ``sanitize.for_html``."""
from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

from autograder.core.results import GRADER_ERROR, PASSED, SubmissionResult
from autograder.core.sanitize import for_html

#: Flags listed per student in "Review these" (the gradebook's ``flags`` column has them all).
MAX_FLAGS_SHOWN = 20


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _plots(results: list[SubmissionResult]) -> dict[str, bytes]:
    """``{file name: PNG bytes}``: the score histogram and the pass rate per test case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {}
    scores = [r.score for r in results]
    top = max((r.max_score for r in results), default=1.0) or 1.0
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(scores, bins=min(20, max(5, len(scores))), range=(0, top), color="#4477aa", edgecolor="white")
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.set_title(f"Score distribution ({len(results)} submissions)")
    fig.tight_layout()
    names["score_histogram.png"] = _png(fig)
    plt.close(fig)

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
    names["pass_rate.png"] = _png(fig)
    plt.close(fig)
    return names


def _review_rows(results: list[SubmissionResult]) -> str:
    rows = []
    for r in sorted((r for r in results if r.flags), key=lambda r: r.student):
        shown = "".join(f"<li><code>{for_html(f)}</code></li>" for f in r.flags[:MAX_FLAGS_SHOWN])
        more = len(r.flags) - MAX_FLAGS_SHOWN
        shown += f"<li>... and {more} more (gradebook.csv, column flags)</li>" if more > 0 else ""
        rows.append(f"<tr><td>{for_html(r.student)}</td><td>{r.score:g} / {r.max_score:g}</td>"
                    f"<td><ul>{shown}</ul></td></tr>")
    return "".join(rows)


def write_report(results: list[SubmissionResult], out_dir: Path, title: str) -> dict[str, str]:
    """Write ``report.html`` and its PNGs into ``out_dir``; return ``{file name: sha256}`` of each."""
    from autograder.grade.outputs import atomic_write

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {name: atomic_write(out_dir / name, data) for name, data in _plots(results).items()}
    failures = Counter(f"{c.question} / {c.name}: {c.message}" for r in results for c in r.cases
                       if c.status != PASSED)
    errors = [(r.student, c.question, c.name) for r in results for c in r.cases if c.status == GRADER_ERROR]
    n = len(results)
    mean = sum(r.score for r in results) / n if n else 0.0
    top = results[0].max_score if results else 0.0
    rows = "".join(f"<tr><td>{count}</td><td>{for_html(msg)}</td></tr>" for msg, count in failures.most_common(15))
    err_rows = "".join(f"<li>{for_html(s)}: {for_html(q)} / {for_html(c)}</li>" for s, q, c in errors[:50])
    review = _review_rows(results)
    flagged = sum(1 for r in results if r.flags)
    imgs = "".join(f'<p><img src="{for_html(p)}" alt="{for_html(p)}"></p>' for p in written)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{for_html(title)}: class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:2px 8px;vertical-align:top}}
table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>{for_html(title)}: class report</h1>
<p>{n} submissions; mean {mean:.2f} / {top:g}; {sum(1 for r in results if r.score == top)} full marks;
{len(errors)} grader errors (not counted against students); {flagged} flagged for review.</p>
{imgs}
<h2 id="review">Review these</h2>
<p>Integrity flags from a static scan of each submission's source (file:line): code that reaches for
the grader, the interpreter's internals, the file system, other processes or the network. A flag is a
reason for a person to read the code; it never changed a score.</p>
<table><tr><th>student</th><th>score</th><th>flags</th></tr>{review or '<tr><td colspan="3">none</td></tr>'}</table>
<h2>Most common failure messages</h2><table><tr><th>count</th><th>message</th></tr>{rows}</table>
<h2>Grader errors</h2><ul>{err_rows or "<li>none</li>"}</ul>
</body></html>
"""
    written["report.html"] = atomic_write(out_dir / "report.html", page)
    return written
