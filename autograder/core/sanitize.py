"""Student-derived text made harmless for where it goes (README, "Grading: the trust boundary").

Anything a submission produced (exception messages, exception type names, printed output, file
names) is hostile text. It reaches a TA's terminal, Markdown feedback, ``report.html``, the
gradebook CSV and Gradescope's ``results.json``. Every writer of those passes such text through one
function of this module first:

* ``clean``: the base of all others. Removes ANSI/VT escape sequences (CSI, OSC, DCS... in their 7-bit
  ``ESC`` and 8-bit C1 forms) and then every remaining control character except newline and tab
  (a carriage return becomes a newline: it could overwrite a terminal line), every Unicode *format*
  character (bidi overrides and isolates U+202A-202E, U+2066-2069, marks U+200E/200F, zero-width
  characters U+200B-200D, U+2060, U+FEFF, ...), and turns lone surrogates (which cannot be written as
  UTF-8) into U+FFFD and the Unicode line/paragraph separators into newlines.
* ``one_line``: ``clean``, with every run of whitespace (newlines included) made one space.
* ``for_terminal``: ``clean`` (what ``click.echo``/logging print).
* ``for_markdown``: ``one_line``, with ``& < >`` as HTML entities and Markdown's inline
  metacharacters backslash-escaped, so that ``<script>``, ``<img onerror=...>``, ``[x](javascript:...)``,
  ``**Score: 92 / 92**``, a heading or a table row from a student renders as the literal text.
* ``for_html``: ``clean`` then ``html.escape`` (quotes included).
* ``TerminalFormatter`` / ``terminal_log_handler``: log records printed through ``for_terminal`` (a
  logged exception or worker error may quote the student).
* ``for_csv``: ``one_line``, and a cell that a spreadsheet would read as a formula (it starts with
  ``= + - @``, a tab or a carriage return) gets a leading apostrophe (OWASP's "CSV injection" advice).

Imports nothing from the project: every layer may use it.
"""
from __future__ import annotations

import html
import logging
import re
import sys
import unicodedata

#: ANSI/VT escape sequences: CSI (``ESC [`` or 8-bit ``0x9B``) with parameters, the string commands
#: OSC/DCS/SOS/PM/APC (``ESC ] P X ^ _`` or 8-bit ``0x9D 0x90 0x98 0x9E 0x9F``) up to their terminator
#: (BEL or ST, or the end of the text when unterminated), and the two-character ``ESC x`` forms.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[\x20-\x3f]*[\x40-\x7e]?"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, ... string
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # ESC (intermediates) final: charset, keypad, RIS, ...
)
_WHITESPACE = re.compile(r"\s+")
#: Backslash-escaped anywhere in Markdown text (CommonMark: any ASCII punctuation may be escaped).
_MD_INLINE = re.compile(r"([\\`*_\[\]{}()#|~!])")
#: Block markers that only matter at the start of a line: list items, quotes, headings, setext rules.
_MD_LINE_START = re.compile(r"^(\s*)([-+=>:]|\d+[.)])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _char_ok(ch: str) -> str:
    if ch in "\n\t":
        return ch
    category = unicodedata.category(ch)
    if category == "Cs":  # a lone surrogate (e.g. from a notebook or an exception): not encodable
        return "\ufffd"
    if category in ("Zl", "Zp") or ch == "\r":
        return "\n"
    if category in ("Cc", "Cf"):  # control characters; format characters (bidi, zero-width, ...)
        return ""
    return ch


def clean(text: object) -> str:
    """``str(text)`` without escape sequences, control characters (newline and tab kept), format
    characters (bidi overrides, zero-width), lone surrogates (U+FFFD) or line separators (newline)."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - a hostile __str__: say what it was, not what it says
            text = f"<unprintable {type(text).__name__}>"
    text = text.replace("\r\n", "\n")
    text = _ANSI.sub("", text)
    if text.isascii() and text.isprintable():
        return text
    return "".join(map(_char_ok, text))


def one_line(text: object) -> str:
    """``clean(text)`` on one line: every run of whitespace becomes one space."""
    return _WHITESPACE.sub(" ", clean(text)).strip()


def for_terminal(text: object) -> str:
    """Safe to print to a terminal: no escape sequence, control or bidi character survives."""
    return clean(text)


def for_markdown(text: object) -> str:
    """One line of Markdown that renders as exactly this text: no HTML, link, emphasis or block."""
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if len(m.group(2)) == 1
                              else m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def for_html(text: object) -> str:
    """Text for an HTML element or a quoted attribute."""
    return html.escape(clean(text), quote=True)


def for_csv(text: object) -> str:
    """One CSV cell that no spreadsheet evaluates as a formula."""
    text = one_line(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


class TerminalFormatter(logging.Formatter):
    """A log formatter whose output (message, arguments, traceback) went through ``for_terminal``."""

    def format(self, record: logging.LogRecord) -> str:
        return for_terminal(super().format(record))


def terminal_log_handler(fmt: str = "%(levelname)s %(message)s") -> logging.Handler:
    """A stderr handler for ``logging.basicConfig(handlers=[...])`` that prints only sanitised text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalFormatter(fmt))
    return handler
