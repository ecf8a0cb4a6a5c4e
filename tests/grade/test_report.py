"""The class report (issue 13, item 5): its tables' numbers against values computed by hand on a small
synthetic class, failures grouped over working submissions only, links to feedback files that exist,
hostile strings inert, integer histogram ticks and a legend for the coloured pass rates; then the
user's path: ``grade`` a small class and read the report it writes."""
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from autograder.core.results import FAILED, GRADER_ERROR, PASSED, CaseResult, SubmissionResult
from autograder.grade import report
from autograder.grade.outputs import write_submission

CASES = [("q1", "a", 2.0), ("q1", "b", 1.0), ("q2", "c", 3.0)]
SCRIPT = "'f' raised ValueError: <script>alert(1)</script>"


def sub(student: str, outcome: dict[str, str], status: str = "ok", **info) -> SubmissionResult:
    """A result whose case ``name`` passed when ``outcome[name]`` is "", else failed with that message
    (every case a grader error for status ``grader_error``)."""
    cases = []
    for q, name, points in CASES:
        message = outcome.get(name, "")
        state = GRADER_ERROR if status == GRADER_ERROR else FAILED if message else PASSED
        cases.append(CaseResult(q, name, points, False, state, message))
    return SubmissionResult(student, cases, status=status, student_info=dict(info))


@pytest.fixture()
def klass() -> list[SubmissionResult]:
    """Six submissions; the numbers each test expects are worked out beside it."""
    return [
        sub("s1", {}),  # 6 = q1 3 + q2 3
        sub("s2", {"b": "'g' has wrong values: 3 of 9 elements differ", "c": SCRIPT}),  # 2 = q1 2
        sub("s3", {"a": "'f' has wrong values: 5 of 9 elements differ",
                   "b": "'g' is not defined in cnn_numpy.py"}),  # 3 = q2 3
        sub("s4", {n: "the file does not compile: line 3" for _, n, _ in CASES}, status="syntax_error"),  # 0
        sub("s5", {}, status=GRADER_ERROR),  # no grade
        sub("s6", {"b": "'g' has wrong values: 4 of 9 elements differ",
                   "c": "'f' raised NotImplementedError (hidden case: message not shown)"}),  # 2 = q1 2
    ]


def test_question_table_by_hand(klass):
    """Graded = s1 s2 s3 s4 s6 (s5 is a grader error). q1 scores 3, 2, 0, 0, 2: mean 1.4, median 2, full
    marks 1/5; q2 scores 3, 0, 3, 0, 0: mean 1.2, median 0, full 2/5. Working = s1 s2 s3 s6: case a is
    passed by 3/4, b by 1/4, c by 2/4, so q1's hardest case is b (25%) and q2's is c (50%)."""
    stats = {s.question: s for s in report.question_stats(klass)}
    assert list(stats) == ["q1", "q2"]
    q1, q2 = stats["q1"], stats["q2"]
    assert (q1.points, q1.mean, q1.median, q1.full_pct) == (3, pytest.approx(1.4), 2, pytest.approx(20))
    assert (q2.points, q2.mean, q2.median, q2.full_pct) == (3, pytest.approx(1.2), 0, pytest.approx(40))
    assert (q1.hardest, q1.hardest_rate) == ("b", 0.25)
    assert (q2.hardest, q2.hardest_rate) == ("c", 0.5)
    html = report.render(klass, "T", [], Path("/nonexistent"))
    assert "<td class=n>1.40</td><td class=n>2</td><td class=n>20%</td><td><code>b</code> (25% pass)" in html


def test_status_summary_and_grader_errors(klass):
    """Counted per status in the documented order; the grader error is listed and has no total."""
    assert report.status_counts(klass) == {"ok": 4, "syntax_error": 1, "grader_error": 1}
    html = report.render(klass, "T", [], Path("/nonexistent"))
    assert "6 submissions; 5 with a grade: mean 2.60, median\n2 out of 6" in html  # (6 + 2 + 3 + 0 + 2) / 5
    assert "s5: no grade (total left empty)" in html
    row = html[html.index("<tr><td>s5</td>"):]
    assert row.startswith("<tr><td>s5</td><td class=n></td><td class=n>6</td>")  # empty total, never 0
    assert "<th>e-mail</th>" not in html  # nobody's e-mail is known: no empty column


def test_failures_grouped_over_working_submissions_only(klass):
    """s4 (syntax error) and s5 (grader error) are left out, and so are s3's "not defined" and s6's stub
    NotImplementedError. What is left: b failed by s2 and s6 (one message shape, 2 variants), a by s3,
    c by s2; most failed first, then in case order."""
    groups = report.failure_groups(klass)
    assert [(g.case, g.students) for g in groups] == [("b", 2), ("a", 1), ("c", 1)]
    b = groups[0]
    assert b.messages == [report.MessageGroup("'g' has wrong values: 3 of 9 elements differ", ["s2", "s6"], 2)]
    assert groups[2].messages == [report.MessageGroup(SCRIPT, ["s2"], 1)]
    html = report.render(klass, "T", [], Path("/nonexistent"))
    assert "(2 variants: numbers differ)</span><br><span class=who>s2, s6</span>" in html
    every = " ".join(m.message for g in groups for m in g.messages)
    assert "does not compile" not in every and "not defined" not in every and "NotImplementedError" not in every


@pytest.mark.parametrize("message,missing", [
    ("'conv2d' is not defined in cnn_numpy.py", True),
    ("'conv2d' is not defined: write it in your submission file", True),
    ("'conv2d' raised NotImplementedError: write conv2d", True),
    ("'network_summary' raised NameError: name '_axis_padding' is not defined", False),  # a real bug
    ("'conv2d' raised ValueError: 'x' is not defined in cnn_numpy.py", False),  # the student's own text
])
def test_missing_is_the_graders_whole_message(message, missing):
    assert report.is_missing(message) is missing


def test_missing_matches_what_the_grader_writes():
    """The pattern follows the wording of the grader's own "not defined" errors (the sandbox proxies'
    and the in-process checks'): a change of wording there fails here, not silently in the report."""
    from autograder.checks import compare
    from autograder.checks.context import GradingContext, use_context
    from autograder.checks.errors import StudentCallError
    from autograder.core.calls import MISSING, CallResult
    from autograder.grade.proxies import call_error

    with use_context(GradingContext()):
        sandboxed = call_error("conv2d", CallResult(MISSING), "cnn_numpy.py", 10.0)
    assert report.is_missing(str(sandboxed)), str(sandboxed)
    with pytest.raises(StudentCallError) as info:
        compare.call("conv2d", None)
    assert info.value.kind == "missing" and report.is_missing(str(info.value)), str(info.value)


def test_student_table_links_to_existing_feedback(klass, tmp_path):
    """Every feedback link resolves to an existing file under the out folder (written by the grader's
    own writer, the non-ASCII and ``+`` ids included); a student without a feedback file gets no link;
    an id that is not one safe path component never becomes a link."""
    klass[0].student, klass[1].student = "José_García", "a+b"
    for r in klass[:-1]:  # s6 has no feedback file
        write_submission(tmp_path, r, "T", "visible")
    report.write_report(klass, tmp_path, "T")
    page = Page.parse((tmp_path / "report.html").read_text())
    links = [h for h in page.hrefs if h.startswith("feedback/")]
    assert len(links) == len(klass) - 1
    for href in links:
        target = (tmp_path / unquote(href)).resolve()
        assert target.is_file() and target.parent == (tmp_path / "feedback").resolve(), href
    assert {unquote(h) for h in links} == {f"feedback/{r.student}.md" for r in klass[:-1]}
    assert all(report.feedback_link(bad) is None for bad in ("../x", "a/b", ".hidden", "", "a\\b", "x\ny"))


class Page(HTMLParser):
    """The tags, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self):
        super().__init__()
        self.tags, self.hrefs, self.srcs, self.text = [], [], [], []

    @classmethod
    def parse(cls, html: str) -> "Page":
        page = cls()
        page.feed(html)
        return page

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append(attrs["src"])
        self.tags.extend(f"{tag}[{a}]" for a in attrs if a.startswith("on"))

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_strings_are_inert(klass, tmp_path):
    """A student's message, name and e-mail with markup reach the page as text: no script, no element
    or attribute of theirs, the words still readable; the only images are the report's own PNGs."""
    klass[1].student_info = {"name": '<img src=x onerror="alert(2)">Eve', "email": "e@x.org\"><b>bold</b>"}
    klass[2].flags = ["cnn_numpy.py:1: <iframe src=//evil>"]
    report.write_report(klass, tmp_path, "T <script>")
    html = (tmp_path / "report.html").read_text()
    page = Page.parse(html)
    assert "script" not in page.tags and "iframe" not in page.tags and "b" not in page.tags
    assert not [t for t in page.tags if "[on" in t]
    assert sorted(page.srcs) == sorted(p.name for p in tmp_path.glob("*.png")) and len(page.srcs) == 3
    assert all(h.startswith(("#", "feedback/")) for h in page.hrefs)
    text = "".join(page.text)
    assert SCRIPT in text and '<img src=x onerror="alert(2)">Eve' in text and "<iframe src=//evil>" in text


def test_histogram_ticks_are_whole_submissions(klass):
    """With two submissions per bar at most, matplotlib's default y ticks would be 0, 0.25, ... (half
    students); the report's are integers."""
    figs = report.figures(klass, report.question_stats(klass))
    try:
        ticks = figs["score_histogram.png"].axes[0].get_yticks()
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
    finally:
        import matplotlib.pyplot as plt

        for f in figs.values():
            plt.close(f)


def test_pass_rate_bands_have_a_legend(klass):
    """Each bar's colour is its band (a: 75% fair, b: 25% poor, c: 50% fair) and the figure has a legend
    naming all three bands."""
    figs = report.figures(klass, report.question_stats(klass))
    try:
        fig = figs["pass_rate.png"]
        from matplotlib.colors import to_hex

        bars = fig.axes[0].patches
        assert [to_hex(b.get_facecolor()) for b in bars] == [report.BAND_COLOURS[b] for b in ("fair", "poor", "fair")]
        legends = fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]
        labels = [t.get_text() for leg in legends for t in leg.get_texts()]
        assert len(labels) == 3 and "80%" in labels[0] and "50%" in labels[2]
    finally:
        import matplotlib.pyplot as plt

        for f in figs.values():
            plt.close(f)


@pytest.mark.parametrize("top,first,last,width", [(92, 0, 92, 5), (10, -0.5, 10.5, 1), (200, 0, 200, 10),
                                                  (7.5, 0, 7.5, 1)])
def test_histogram_bins_fit_the_points(top, first, last, width):
    """At most 20 bins of a round width from 0 to the maximum (one per point for small integer totals)."""
    edges = report.histogram_bins(top)
    assert edges[0] == first and edges[-1] == last and len(edges) - 1 <= 21
    assert edges[1] - edges[0] == width


def test_report_of_a_graded_class(tmp_path):
    """The user's path: ``grade`` a small class (the reference, the stub, a syntax error, a file whose
    conv2d is misnamed) and read the report it writes: the statuses counted, the failure groups free
    of the broken files' messages, every link and image resolving to a file."""
    from autograder.core.assignment import load_assignment
    from autograder.grade.batch import main as grade

    a = load_assignment("a1_numpy_cnn")
    ref = a.solution_file.read_text()
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ana.py").write_text(ref)
    (subs / "bob.py").write_text((a.starter_dir / a.student_file).read_text())
    (subs / "José García.py").write_text(ref.replace("def conv_output_size(", "def conv_output_size(:", 1))
    (subs / "carl.py").write_text(ref.replace("def conv2d(", "def conv2d_renamed(", 1))
    out = tmp_path / "out"
    grade("a1_numpy_cnn", [subs], out=out, jobs=1, progress=False)
    html = (out / "report.html").read_text()
    page = Page.parse(html)
    assert "<td class='s ok'>ok</td><td class=n>3</td>" in html and "syntax_error</td><td class=n>1</td>" in html
    failures = html[html.index('id="failures"'):html.index('id="review"')]
    # conv2d's own cases failed for all but ana: the syntax error, bob's stub, carl's missing conv2d
    gradebook = (out / "gradebook.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in gradebook[1:]] == ["José+García", "ana", "bob", "carl"]
    assert "q07_conv2d / conv2d_lecture_example" not in failures
    assert "is not defined in" not in failures and "NotImplementedError" not in failures
    assert "syntax" not in failures.lower()
    # carl's corr2d calls conv2d: a real bug of a working submission, kept
    assert "q06_corr2d / corr2d_lecture_example</code></td><td class=n>1</td><td class=n>1 / 3</td>" in failures
    links = [h for h in page.hrefs if h.startswith("feedback/")]
    assert sorted(unquote(h) for h in links) == sorted(f"feedback/{p.name}" for p in (out / "feedback").iterdir())
    assert len(links) == 4 and all((out / unquote(h)).is_file() for h in links)
    assert page.srcs and all((out / unquote(s)).is_file() for s in page.srcs)


@pytest.mark.parametrize("which", ["empty", "none working", "all grader errors"])
def test_degenerate_classes(which, tmp_path):
    """No submission, none that ran, or only grader errors: the report is still written, with no
    warning (an axis with no bars) and no statistic made up (dashes, not zeros)."""
    import warnings

    results = {"empty": [],
               "none working": [sub("x", {"a": "e", "b": "e", "c": "e"}, status="syntax_error")],
               "all grader errors": [sub("y", {}, status=GRADER_ERROR)]}[which]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = report.write_report(results, tmp_path, "T")
    assert "report.html" in written and all((tmp_path / n).is_file() for n in written)
    html = (tmp_path / "report.html").read_text()
    if which == "all grader errors":
        assert "0 with a grade: mean &ndash;, median\n&ndash;" in html
