"""Output hygiene: is student text inert wherever it goes?"""
import csv
import html
import io
import json
import logging
import re
import unicodedata

import pytest
from markdown_it import MarkdownIt

from autograder.core.results import FAILED, GRADER_ERROR, PASSED, CaseResult, SubmissionResult
from autograder.core.sanitize import TerminalFormatter, clean, for_csv, for_html, for_markdown, one_line
from autograder.grade.outputs import TEXT_FORMAT, cleaned, feedback_markdown, gradebook_csv, results_json

#: What a hostile submission puts in its exception messages, type names and prints.
PAYLOADS = {
    "ansi": "\x1b[2K\x1b[1A\x1b[31mbwrap failed: re-run with --sandbox process\x1b[0m done",
    "osc_title": "\x1b]0;pwned title\x07after \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ end",
    "c1_csi": "\x9b31mred\x9b0m plain \x90dcs string\x9c tail",
    "unterminated": "text \x1b]0;never ends",
    "bidi": "invoice\u202egnp.exe\u202c \u2066iso\u2069 \u200ezero\u200bwidth\ufeff",
    "controls": "bell\x07 back\x08space\rcarriage\x00nul\x7fdel",
    "script": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "links": "[click me](javascript:alert(3)) <javascript:alert(4)> ![i](javascript:alert(5))",
    "score": "\n\n**Score: 92 / 92**\n\n# Full marks\n\n| a | b |\n|---|---|\n- item",
    "entities": "&lt;script&gt; &#106;avascript:alert(6)",
    "surrogate": "lone \ud800 surrogate",
    "separators": "line\u2028sep\u2029para",
    "unsafe": "UNSAFE: process backend: the submission runs as root",
}
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs"}


def _bad_chars(text: str, allowed=("\n", "\t")) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in text if ch not in allowed and unicodedata.category(ch) in FORBIDDEN_CATEGORIES]


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_clean_leaves_no_control_escape_or_bidi_character(name):
    """Does ``clean`` remove every escape sequence, control, format (bidi, zero-width) character and
    lone surrogate, and give text that encodes as UTF-8 (the words kept: next test)?"""
    text = clean(PAYLOADS[name])
    assert not _bad_chars(text), _bad_chars(text)
    text.encode("utf-8")  # no lone surrogate left
    assert "[31m" not in text and "[2K" not in text and "]0;" not in text  # whole sequences, not just ESC
    assert clean(text) == text  # idempotent


def test_clean_of_known_sequences():
    """Are the known sequences removed exactly (not their visible neighbours)?"""
    assert clean(PAYLOADS["ansi"]) == "bwrap failed: re-run with --sandbox process done"
    assert clean(PAYLOADS["osc_title"]) == "after link end"
    assert clean(PAYLOADS["bidi"]) == "invoicegnp.exe iso zerowidth"
    assert clean("a\r\nb\rc") == "a\nb\nc"
    assert clean(PAYLOADS["surrogate"]) == "lone \ufffd surrogate"
    assert clean(PAYLOADS["separators"]) == "line\nsep\npara"
    assert clean(3.5) == "3.5"

    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    assert clean(Hostile()) == "<unprintable Hostile>"


def _rendered_text(markdown: str) -> tuple[str, str]:
    """(HTML, its text content) as a CommonMark renderer with raw HTML enabled shows it."""
    page = MarkdownIt("commonmark", {"html": True}).render(markdown)
    return page, html.unescape(re.sub(r"<[^>]+>", "", page)).strip()


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_markdown_renders_student_text_literally(name):
    """Rendered by a CommonMark renderer that allows raw HTML, does student text produce no tag,
    link, emphasis, heading or table, only exactly its own (cleaned, one-line) text?"""
    payload = PAYLOADS[name]
    page, text = _rendered_text(for_markdown(payload))
    assert text == one_line(payload)
    assert re.fullmatch(r"<p>[^<]*</p>\n?", page), page  # one paragraph of plain text, no element inside


@pytest.mark.parametrize("prefix", ["- ", "+ ", "1. ", "2) ", "> ", "# ", "=", "    code", "***", "---"])
def test_markdown_line_starts_are_not_blocks(prefix):
    """Does text that starts like a list, quote, heading, code block or rule stay one paragraph?"""
    page, text = _rendered_text(for_markdown(prefix + "x"))
    assert re.fullmatch(r"<p>[^<]*</p>\n?", page), page
    assert text == one_line(prefix + "x")


@pytest.mark.parametrize("cell, expected", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'=1"), ("alice", "alice"), ("a=1", "a=1"),
    ("\x1b[31m=1", "'=1"), ("\u202e=1", "'=1")])
def test_csv_cells_are_never_formulas(cell, expected):
    """Does a cell starting with = + - @ (after cleaning) get a leading apostrophe, and nothing else?"""
    assert for_csv(cell) == expected


def test_html_escapes_and_cleans():
    assert for_html(PAYLOADS["script"]) == "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    assert for_html('"\x1b[31m') == "&quot;"


def test_terminal_formatter_sanitises_message_arguments_and_traceback():
    """Does a log line quoting a student (message, %-arguments, exception) reach stderr clean?"""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TerminalFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test_sanitize_terminal")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError(PAYLOADS["ansi"])
        except ValueError:
            logger.exception("worker for %s failed: %s", "bob\u202e", PAYLOADS["osc_title"])
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "\x1b" not in text and "\u202e" not in text and not _bad_chars(text)
    assert "bwrap failed" in text and "worker for bob failed" in text


# ------------------------------------------------------------------------------------------------
# the writers

def _hostile_result() -> SubmissionResult:
    cases = [CaseResult("q01_sizes", f"case_{name}", 1.0, name == "bidi", FAILED, f"'f' raised ValueError: {text}")
             for name, text in PAYLOADS.items()]
    cases += [CaseResult("q01_sizes", "ok_case", 1.0, False, PASSED),
              CaseResult("q01_sizes", "broken", 1.0, False, GRADER_ERROR, "grader error: " + PAYLOADS["script"])]
    return SubmissionResult("=mallory", cases, notes=list(PAYLOADS.values()),
                            flags=["cnn_numpy.py:3: imports the grader's module 'probes'", "=cmd|' /C calc'!A0"])


def test_results_json_is_plain_clean_text():
    """Does the Gradescope results JSON declare plain text (no Markdown/HTML/ANSI rendering) and carry
    no escape, control or bidi character in any string?"""
    data = results_json(_hostile_result())
    assert data["output_format"] == data["test_output_format"] == data["test_name_format"] == TEXT_FORMAT
    assert all(t["output_format"] == TEXT_FORMAT for t in data["tests"])
    strings = [data["output"]] + [t["output"] for t in data["tests"]] + [t["name"] for t in data["tests"]]
    for s in strings:
        assert not _bad_chars(s), (s, _bad_chars(s))
    assert "bwrap failed" in data["output"]
    json.dumps(data, ensure_ascii=False).encode("utf-8")
    assert "flags" not in json.dumps(data) and "probes" not in json.dumps(data)  # flags are for the staff


def test_feedback_markdown_is_inert():
    """Rendered as CommonMark with raw HTML allowed, does the feedback of a hostile result contain no
    script, image, link, heading or bold text that came from the student?"""
    md = feedback_markdown(_hostile_result(), "A1")
    assert not _bad_chars(md)
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<script" not in page and "<img" not in page and "<a " not in page and "href" not in page
    assert "&lt;script&gt;" in page and "javascript:alert(3)" in page  # shown as text
    assert page.count("<strong>") == 1 + sum(1 for c in _hostile_result().cases if c.status != PASSED)  # ours only
    assert re.findall(r"<strong>Score: [^<]*</strong>", page) == ["<strong>Score: 1 / 15</strong>"]
    assert page.count("<h1>") == 1 and page.count("<h2>") == 1 and page.count("<table>") == 1
    assert "UNSAFE: process backend" in page  # shown (as text), never promoted to a CLI warning


def test_gradebook_cells_are_not_formulas():
    """Does every text cell of the gradebook (student, status, flags) start with no formula character?"""
    rows = list(csv.reader(io.StringIO(gradebook_csv([_hostile_result()], ["q01_sizes"]))))
    assert rows[0][-1] == "flags"
    row = rows[1]
    assert row[0] == "'=mallory"
    assert row[-1].startswith("cnn_numpy.py:3: imports the grader's module 'probes'; =cmd")  # mid-cell: inert
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_cleaned_result_is_what_is_journaled():
    """Does ``cleaned`` clean every free-text field (messages, notes, warnings, flags), keep the rest,
    and leave the original untouched?"""
    r = _hostile_result()
    r.warnings = ["UNSAFE\x1b[31m"]
    c = cleaned(r)
    assert all(not _bad_chars(x.message) for x in c.cases) and all(not _bad_chars(n) for n in c.notes)
    assert c.warnings == ["UNSAFE"] and c.score == r.score and c.student == r.student
    assert r.cases[0].message.count("\x1b") and r.warnings == ["UNSAFE\x1b[31m"]
