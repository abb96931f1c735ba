"""Text safe to store and show: escape sequences and control characters dropped. Readers clean
every field with `clean`; the CLI prints stored text through `printable`."""

from __future__ import annotations

import re

_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")
# C0 and C1 controls but the whitespace ones (tab, newline, NEL, ...), DEL, lone surrogates
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def clean(value: object) -> str:
    """One line of plain text: escape sequences and control characters dropped, whitespace
    (tabs and newlines included) collapsed to single spaces."""
    if value is None:
        return ""
    text = _ESCAPES.sub("", str(value))
    return " ".join(_CONTROLS.sub("", text).split())


def printable(text: str) -> str:
    """Text safe for a terminal: escape sequences and control characters dropped, line breaks
    and tabs kept."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))
