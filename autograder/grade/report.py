"""The class report: one self-contained ``report.html`` (no script, no remote resource: it opens offline)
and its PNG plots, built from the journal's results, for the TA and the instructor:

* a summary (submissions, mean, full marks, how many per status, grader errors, flagged);
* per question: points, mean, median, % of graded submissions with full marks, and its hardest case
  (the lowest pass rate among the working submissions);
* per student: id (name, e-mail where intake recorded them), total, status, late, flags, and a link to
  the student's ``feedback/<id>.md``;
* the failures of the *working* submissions (status ``ok``) grouped by case: how many students failed
  it and their most common messages. Submissions that could not run at all (syntax error, refused
  import, ...) and the failures of functions not written yet ("not defined", or the starter stub's
  ``NotImplementedError``) are left out: they fail every case with one message and would hide the
  real bugs. Their students are in the status summary. Messages that differ only in their numbers
  are counted together;
* the submissions to review by hand (integrity flags) and the grader errors;
* plots (``score_histogram.png``, ``question_means.png``, ``pass_rate.png``).

Every string in the page goes through ``sanitize.for_html``; a link's target is percent-encoded too.
A grader error has no grade (the gradebook leaves its total empty): it is left out of every statistic.
"""
from __future__ import annotations

import io
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from autograder.core.results import FAILED, GRADER_ERROR, OK, PASSED, SUBMISSION_STATUSES, SubmissionResult
from autograder.core.sanitize import for_html

#: Flags listed per student in "Review these" (the gradebook's ``flags`` column has them all).
MAX_FLAGS_SHOWN = 20
#: Distinct messages shown per case in the failure groups (the rest are counted), and students named per message.
MAX_MESSAGES_SHOWN = 3
MAX_NAMES_SHOWN = 12
#: Pass-rate bands of the per-case chart (and the per-question one): at least ``GOOD``, at least ``FAIR``, below.
GOOD, FAIR = 0.8, 0.5
BAND_COLOURS = {"good": "#228833", "fair": "#ccbb44", "poor": "#ee6677"}
#: The whole message of a case whose function the submission does not define (``StudentCallError`` with
#: ``kind="missing"``: ``autograder/grade/proxies.py`` in a sandbox, ``autograder/checks/compare.py`` and
#: ``remote.py`` in process). ``CaseResult`` keeps no kind, so the grader's own wording is matched, whole.
MISSING = re.compile(r"'[^'\s]+' is not defined(?: in [^\s']+|: write it in your submission file)")
#: A starter stub's ``raise NotImplementedError`` (the function is not written yet either), as the grader
#: words a raised exception (``autograder/grade/proxies.py``).
NOT_IMPLEMENTED = re.compile(r"'[^'\s]+'(?: \(.*?\))? raised NotImplementedError\b.*", re.DOTALL)  # (case label)
#: Numbers in a message (sizes, errors, indices): masked to group messages that differ only in them.
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)


@dataclass
class QuestionStat:
    question: str
    points: float
    mean: float
    median: float
    full_pct: float
    """% of graded submissions with every point of the question."""
    hardest: str = ""
    """The case with the lowest pass rate among working submissions ("" when there are none)."""
    hardest_rate: float = math.nan


@dataclass
class MessageGroup:
    message: str
    """The first of the group's messages."""
    students: list[str]
    """Who got it (sorted)."""
    variants: int = 1
    """How many distinct texts (differing only in numbers) the group stands for."""


@dataclass
class CaseFailures:
    question: str
    case: str
    points: float
    students: int
    """Working submissions that failed the case (not counting "not defined")."""
    messages: list[MessageGroup] = field(default_factory=list)
    """Most common first: messages that differ only in their numbers count as one."""


def graded(results: list[SubmissionResult]) -> list[SubmissionResult]:
    """The results that have a grade: every one but the grader errors."""
    return [r for r in results if r.status != GRADER_ERROR]


def working(results: list[SubmissionResult]) -> list[SubmissionResult]:
    """The submissions whose cases ran (status ``ok``)."""
    return [r for r in results if r.status == OK]


def case_keys(results: list[SubmissionResult]) -> list[tuple[str, str]]:
    """Every ``(question, case)`` in test-file order (the first result that has it fixes its place)."""
    keys: dict[tuple[str, str], None] = {}
    for r in results:
        for c in r.cases:
            keys.setdefault((c.question, c.name), None)
    return list(keys)


def pass_rates(results: list[SubmissionResult]) -> dict[tuple[str, str], float]:
    """``{(question, case): fraction of results that passed it}`` (a result without the case failed it)."""
    passed = Counter((c.question, c.name) for r in results for c in r.cases if c.status == PASSED)
    return {key: passed[key] / len(results) if results else math.nan for key in case_keys(results)}


def question_stats(results: list[SubmissionResult]) -> list[QuestionStat]:
    """One ``QuestionStat`` per question, in test-file order (module docstring: which results count)."""
    scored = graded(results)
    points: dict[str, float] = {}
    for r in results:
        for q, (_, top) in r.question_scores().items():
            points[q] = max(points.get(q, 0.0), top)
    rates = pass_rates(working(results))
    out = []
    for q, top in points.items():
        got = [r.question_scores().get(q, (0.0, top))[0] for r in scored]
        stat = QuestionStat(q, top, statistics.fmean(got) if got else math.nan,
                            statistics.median(got) if got else math.nan,
                            100 * sum(1 for g in got if g >= top) / len(got) if got else math.nan)
        mine = [(rate, name) for (question, name), rate in rates.items() if question == q]
        if mine:
            stat.hardest_rate, stat.hardest = min(mine, key=lambda x: x[0])  # min keeps the first of a tie
        out.append(stat)
    return out


def is_missing(message: str) -> bool:
    """Is ``message`` the grader's "not defined" message (``MISSING``) or a stub's ``NOT_IMPLEMENTED``?"""
    message = message.strip()
    return MISSING.fullmatch(message) is not None or NOT_IMPLEMENTED.fullmatch(message) is not None


def message_shape(message: str) -> str:
    """``message`` with its numbers masked (``#``): the key messages are grouped by."""
    return _NUMBER.sub("#", message)


def failure_groups(results: list[SubmissionResult]) -> list[CaseFailures]:
    """The failed cases of the working submissions, "not defined" left out (module docstring), most
    failed first; each with its messages grouped by ``message_shape``, most common first."""
    groups: dict[tuple[str, str], CaseFailures] = {}
    seen: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = {}
    for r in working(results):
        for c in r.cases:
            if c.status != FAILED or is_missing(c.message):
                continue
            key = (c.question, c.name)
            if key not in groups:
                groups[key] = CaseFailures(c.question, c.name, c.points, 0)
                seen[key] = {}
            groups[key].students += 1
            seen[key].setdefault(message_shape(c.message), []).append((c.message, r.student))
    for key, g in groups.items():
        shapes = sorted(seen[key].values(), key=len, reverse=True)  # stable: first seen first among equals
        g.messages = [MessageGroup(got[0][0], sorted(s for _, s in got), len({m for m, _ in got})) for got in shapes]
    order = {key: i for i, key in enumerate(case_keys(results))}
    return sorted(groups.values(), key=lambda g: (-g.students, order[(g.question, g.case)]))


def status_counts(results: list[SubmissionResult]) -> dict[str, int]:
    """``{status: submissions}`` in ``SUBMISSION_STATUSES`` order (unknown statuses after), zeros left out."""
    counts = Counter(r.status for r in results)
    ordered = [s for s in SUBMISSION_STATUSES if counts[s]] + sorted(s for s in counts if s not in SUBMISSION_STATUSES)
    return {s: counts[s] for s in ordered}


def feedback_link(student: str) -> str | None:
    """The relative link to ``feedback/<student>.md`` (percent-encoded), or None when the id is not one
    safe path component (intake's ids always are: ``autograder/grade/intake.py``)."""
    if not student or student.startswith(".") or any(ch in student for ch in "/\\") or not student.isprintable():
        return None
    return "feedback/" + quote(f"{student}.md", safe="")


def histogram_bins(top: float) -> list[float]:
    """Bin edges from 0 to ``top`` points: one bin per point up to 20 points (centred on the integers),
    else at most 20 bins of a round width (1, 2, 5, 10, 20, ...), the last one ending at ``top``."""
    if top <= 0:
        return [-0.5, 0.5]
    if top <= 20 and float(top).is_integer():
        return [i - 0.5 for i in range(int(top) + 2)]
    width = 1.0
    while top / width > 20:
        for step in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50, ...
            width *= step
            if top / width <= 20:
                break
    edges = [i * width for i in range(int(top // width) + 1)]
    if edges[-1] < top:
        edges.append(float(top))
    return edges


def _band(rate: float) -> str:
    return "good" if rate >= GOOD else "fair" if rate >= FAIR else "poor"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _band_legend(fig) -> None:
    """The pass-rate bands' legend, under the axes (never over a bar)."""
    from matplotlib.patches import Patch

    labels = {"good": f"passed by {GOOD:.0%} or more", "fair": f"by {FAIR:.0%} to {GOOD:.0%}",
              "poor": f"by less than {FAIR:.0%}"}
    fig.legend(handles=[Patch(color=BAND_COLOURS[b], label=labels[b]) for b in labels], loc="outside lower center",
               ncol=3, fontsize=9, frameon=False)


def figures(results: list[SubmissionResult], stats: list[QuestionStat]) -> dict:
    """``{PNG file name: matplotlib Figure}``: the score histogram, the mean per question (when there are
    questions), the pass rate per case. The caller saves and closes them (``_plots``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    names = {}
    scored = graded(results)
    top = max((r.max_score for r in results), default=0.0)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.hist([r.score for r in scored], bins=histogram_bins(top), color="#4477aa", edgecolor="white")
    if scored:
        mean = statistics.fmean(r.score for r in scored)
        ax.axvline(mean, color="#222222", linestyle="--", linewidth=1, label=f"mean {mean:.1f}")
        ax.legend(fontsize=8, loc="upper left")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlabel(f"total score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.set_title(f"Score distribution ({len(scored)} graded submissions)")
    fig.tight_layout()
    names["score_histogram.png"] = fig

    if stats:
        means = [s.mean / s.points if s.points and not math.isnan(s.mean) else 0.0 for s in stats]
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(stats) + 1.2))
        ax.barh(range(len(stats)), means, color="#4477aa")
        for i, (m, st) in enumerate(zip(means, stats, strict=True)):
            ax.text(min(m, 0.88) + 0.01, i, f"{st.mean:.1f} / {st.points:g}", va="center", fontsize=8)
        ax.set_yticks(range(len(stats)), [f"{s.question} ({s.points:g} pt)" for s in stats], fontsize=9)
        ax.set_ylim(len(stats) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("mean score, % of the question's points (graded submissions)")
        ax.set_title("Mean score per question")
        fig.tight_layout()
        names["question_means.png"] = fig

    ok = working(results)
    rates = pass_rates(ok)
    keys = case_keys(results)
    fig, ax = plt.subplots(figsize=(8, 0.17 * len(keys) + 1.6), layout="constrained")
    values = [rates.get(k, 0.0) for k in keys]  # no working submission: nothing passed
    ax.barh(range(len(keys)), values, color=[BAND_COLOURS[_band(v)] for v in values])
    ax.set_yticks(range(len(keys)), [f"{q} / {n}" for q, n in keys], fontsize=7)
    ax.set_ylim(max(len(keys), 1) - 0.5, -0.5)  # first case on top, no empty margin
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("submissions passing the case (working submissions only)")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title(f"Pass rate per test case ({len(ok)} working submissions)")
    _band_legend(fig)
    names["pass_rate.png"] = fig
    return names


def _plots(results: list[SubmissionResult], stats: list[QuestionStat]) -> dict[str, bytes]:
    """``{file name: PNG bytes}`` of ``figures``."""
    import matplotlib.pyplot as plt

    out = {}
    for name, fig in figures(results, stats).items():
        out[name] = _png(fig)
        plt.close(fig)
    return out


def _num(x: float, fmt: str = "{:.1f}") -> str:
    return "&ndash;" if math.isnan(x) else fmt.format(x)


def _question_rows(stats: list[QuestionStat]) -> str:
    rows = []
    for s in stats:
        hardest = (f"<code>{for_html(s.hardest)}</code> ({_num(100 * s.hardest_rate, '{:.0f}')}% pass)"
                   if s.hardest else "&ndash;")
        rows.append(f"<tr><td><code>{for_html(s.question)}</code></td><td class=n>{s.points:g}</td>"
                    f"<td class=n>{_num(s.mean, '{:.2f}')}</td><td class=n>{_num(s.median, '{:g}')}</td>"
                    f"<td class=n>{_num(s.full_pct, '{:.0f}')}%</td><td>{hardest}</td></tr>")
    return "".join(rows)


def _student_table(results: list[SubmissionResult], out_dir: Path) -> str:
    """The per-student table; the name, e-mail and late columns only where intake recorded any."""
    infos = [r.student_info or {} for r in results]
    extra = [k for k in ("name", "email", "late") if any(i.get(k) for i in infos)]
    titles = {"name": "name", "email": "e-mail", "late": "late"}
    rows = []
    for r in sorted(results, key=lambda r: r.student):
        info = r.student_info or {}
        link = feedback_link(r.student)
        shown = (f'<a href="{for_html(link)}">{for_html(r.student)}</a>'
                 if link and (out_dir / "feedback" / f"{r.student}.md").is_file() else for_html(r.student))
        cells = {"name": for_html(info.get("name", "")), "email": for_html(info.get("email", "")),
                 "late": "late" if info.get("late") == "yes" else ""}
        total = "" if r.status == GRADER_ERROR else f"{r.score:g}"
        flags = f'<a href="#review">{len(r.flags)}</a>' if r.flags else ""
        status = for_html(r.status)
        rows.append(f"<tr><td>{shown}</td>" + "".join(f"<td>{cells[k]}</td>" for k in extra)
                    + f"<td class=n>{total}</td><td class=n>{r.max_score:g}</td>"
                    f"<td class='s {status}'>{status}</td><td class=n>{flags}</td></tr>")
    head = "".join(f"<th>{titles[k]}</th>" for k in extra)
    return (f"<table><tr><th>student</th>{head}<th>total</th><th>max</th><th>status</th><th>flags</th></tr>"
            + "".join(rows) + "</table>")


def _names(students: list[str]) -> str:
    """Students' ids, at most ``MAX_NAMES_SHOWN`` of them, escaped."""
    shown = ", ".join(for_html(s) for s in students[:MAX_NAMES_SHOWN])
    return shown + (f" and {len(students) - MAX_NAMES_SHOWN} more" if len(students) > MAX_NAMES_SHOWN else "")


def _failure_rows(groups: list[CaseFailures], n_working: int) -> str:
    rows = []
    for g in groups:
        shown = "".join(f"<li><span class=c>{len(m.students)}&times;</span> {for_html(m.message)}"
                        + (f" <span class=more>({m.variants} variants: numbers differ)</span>" if m.variants > 1 else "")
                        + f"<br><span class=who>{_names(m.students)}</span></li>"
                        for m in g.messages[:MAX_MESSAGES_SHOWN])
        more = g.messages[MAX_MESSAGES_SHOWN:]
        if more:
            who = sorted(s for m in more for s in m.students)
            shown += (f"<li class=more>... {len(more)} other message(s): <span class=who>{_names(who)}</span>"
                      "</li>")
        rows.append(f"<tr><td><code>{for_html(g.question)} / {for_html(g.case)}</code></td>"
                    f"<td class=n>{g.points:g}</td><td class=n>{g.students} / {n_working}</td>"
                    f"<td><ul>{shown}</ul></td></tr>")
    return "".join(rows)


def _review_rows(results: list[SubmissionResult]) -> str:
    rows = []
    for r in sorted((r for r in results if r.flags), key=lambda r: r.student):
        shown = "".join(f"<li><code>{for_html(f)}</code></li>" for f in r.flags[:MAX_FLAGS_SHOWN])
        more = len(r.flags) - MAX_FLAGS_SHOWN
        shown += f"<li>... and {more} more (gradebook.csv, column flags)</li>" if more > 0 else ""
        rows.append(f"<tr><td>{for_html(r.student)}</td><td>{for_html(r.status)}</td>"
                    f"<td><ul>{shown}</ul></td></tr>")
    return "".join(rows)


STYLE = """body{font-family:system-ui,sans-serif;max-width:64em;margin:1.5em auto;padding:0 1em;color:#222}
h2{margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.4em 0}
th,td{padding:3px 8px;vertical-align:top;text-align:left}th{background:#e8e8e8}td.n{text-align:right}
tr:nth-child(even) td{background:#f5f5f5}ul{margin:0;padding-left:1.1em}code{font-size:90%}
.s{font-weight:600}.s.ok{color:#227733}.s.grader_error{color:#aa0000}.c{color:#555}.more{color:#777}
img{max-width:100%;border:1px solid #ddd}.note{color:#555;font-size:92%}.who{color:#666;font-size:85%}
.s.syntax_error,.s.refused_import,.s.import_error,.s.timeout,.s.unreadable,.s.no_submission{color:#aa5500}"""


def render(results: list[SubmissionResult], title: str, plots: list[str], out_dir: Path) -> str:
    """The page's HTML (``plots``: the PNG file names next to it)."""
    stats = question_stats(results)
    groups = failure_groups(results)
    scored, ok = graded(results), working(results)
    top = max((r.max_score for r in results), default=0.0)
    mean = statistics.fmean(r.score for r in scored) if scored else math.nan
    median = statistics.median(r.score for r in scored) if scored else math.nan
    full = sum(1 for r in scored if r.score >= top > 0)
    counts = status_counts(results)
    case_errors = [(r.student, c.question, c.name) for r in results for c in r.cases if c.status == GRADER_ERROR]
    sub_errors = [r.student for r in results if r.status == GRADER_ERROR]
    flagged = sum(1 for r in results if r.flags)
    not_working = len(scored) - len(ok)
    img = {p: f'<p><img src="{for_html(quote(p))}" alt="{for_html(p)}"></p>' for p in plots}
    status_rows = "".join(f"<tr><td class='s {for_html(s)}'>{for_html(s)}</td><td class=n>{n}</td></tr>"
                          for s, n in counts.items())
    broken = {}  # per student, the cases that could not be judged (a submission can be one for them alone)
    for s, q, c in case_errors:
        broken.setdefault(s, []).append(f"<code>{for_html(q)} / {for_html(c)}</code>")
    err_items = [f"<li>{for_html(s)}: no grade (total left empty)"
                 + (f"; cases: {', '.join(broken[s][:10])}" if broken.get(s) else "") + "</li>" for s in sub_errors]
    err_items += [f"<li>{for_html(s)}: {', '.join(cases[:10])}</li>"
                  for s, cases in broken.items() if s not in sub_errors][:50]
    review = _review_rows(results)
    failures = _failure_rows(groups, len(ok))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{for_html(title)}: class report</title>
<style>{STYLE}</style></head><body>
<h1>{for_html(title)}: class report</h1>
<p>{len(results)} submissions; {len(scored)} with a grade: mean {_num(mean, '{:.2f}')}, median
{_num(median, '{:g}')} out of {top:g}, {full} with full marks. Of those, {len(ok)} ran normally (status
<code>ok</code>) and {not_working} did not (a syntax error, a crash, a timeout...: see the statuses). {len(sub_errors)} grader
error(s): no grade yet, not counted. {flagged} flagged for review. Contents: <a href="#questions">questions</a>, <a href="#students">students</a>,
<a href="#failures">failures</a>, <a href="#review">review</a>, <a href="#errors">grader errors</a>.</p>
<table><tr><th>status</th><th>submissions</th></tr>{status_rows or '<tr><td colspan=2>none</td></tr>'}</table>
{img.get("score_histogram.png", "")}
<h2 id="questions">Questions</h2>
<p class=note>Mean, median and full marks over the {len(scored)} graded submissions (those that could not run
score 0); the hardest case is the one the fewest of the {len(ok)} working submissions passed.</p>
<table><tr><th>question</th><th>points</th><th>mean</th><th>median</th><th>full marks</th><th>hardest case</th></tr>
{_question_rows(stats)}</table>
{img.get("question_means.png", "")}
<h2 id="students">Students</h2>
<p class=note>Each id links to the feedback the student gets (<code>feedback/&lt;id&gt;.md</code>).</p>
{_student_table(results, out_dir)}
<h2 id="failures">Failures of the working submissions, by case</h2>
<p class=note>Only the {len(ok)} submissions with status <code>ok</code>; failures because a function is
not defined yet are left out (the status table counts the submissions that could not run).
How many of them failed each case, then their messages (most common first) and who got each.</p>
<table><tr><th>case</th><th>points</th><th>failed by</th><th>messages (students)</th></tr>
{failures or '<tr><td colspan=4>none</td></tr>'}</table>
{img.get("pass_rate.png", "")}
<h2 id="review">Review these</h2>
<p class=note>Integrity flags from a static scan of each submission's source (file:line): code that reaches
for the grader, the interpreter's internals, the file system, other processes or the network. A flag is a
reason for a person to read the code; it never changed a score.</p>
<table><tr><th>student</th><th>status</th><th>flags</th></tr>{review or '<tr><td colspan="3">none</td></tr>'}</table>
<h2 id="errors">Grader errors</h2>
<p class=note>The grader's fault, never the student's: rerun with <code>--resume</code> (grader errors are
retried) after fixing the cause in the log.</p>
<ul>{"".join(err_items) or "<li>none</li>"}</ul>
</body></html>
"""


def write_report(results: list[SubmissionResult], out_dir: Path, title: str) -> dict[str, str]:
    """Write ``report.html`` and its PNGs into ``out_dir``; return ``{file name: sha256}`` of each."""
    from autograder.grade.outputs import atomic_write

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {name: atomic_write(out_dir / name, data)
               for name, data in _plots(results, question_stats(results)).items()}
    written["report.html"] = atomic_write(out_dir / "report.html", render(results, title, list(written), out_dir))
    return written
