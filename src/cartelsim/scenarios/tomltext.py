"""Read scenario and parameter files (TOML) with one-line errors that name the file.

Python's TOML parser reads nested arrays and inline tables by recursion, so a value nested a
few hundred levels deep (`x = [[[[...]]]]`) ends in a RecursionError, not a TOML error. No
setting needs more than three levels, so the text is scanned first and a value nested deeper
than MAX_NESTING is refused, naming the line and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from cartelsim.errors import CartelsimError

# Deepest nesting of lists and inline tables a file may hold (interventions need three).
MAX_NESTING = 32


def read_toml(path: Path, what: str) -> dict:
    """The parsed TOML file `path`; `what` it is ('scenario file') is named in errors.

    Raises CartelsimError for text that is not UTF-8, invalid TOML, or a value nested more
    than MAX_NESTING levels deep.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CartelsimError(f"{path}: not UTF-8 text; save the {what} as UTF-8") from None
    deep = too_deep(text)
    if deep is not None:
        line, field = deep
        raise CartelsimError(f"{path}, line {line}: field {field!r}: a value nested more than "
                             f"{MAX_NESTING} levels deep in lists or tables; expected a "
                             "number, text, a date, or a short list")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CartelsimError(f"{path}: not a TOML {what} (invalid TOML: {exc})") from None
    except RecursionError:  # nesting the scan did not see (it is tested never to happen)
        raise CartelsimError(f"{path}: a value is nested too deeply to read; expected at "
                             f"most {MAX_NESTING} levels of lists or tables") from None


def too_deep(text: str, limit: int = MAX_NESTING) -> tuple[int, str] | None:
    """(line, field) of the first value nested deeper than `limit`, or None.

    A light scan of TOML text: it skips comments and strings and counts brackets inside
    values; table headers set the field's prefix. Text it cannot follow is left to the parser.
    """
    table = key = ""
    depth, line = 0, 1
    in_value = False  # after the '=' of a key = value line, until the value ends
    statement = 0  # where the current key = value line began
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
            if depth == 0:
                in_value, statement = False, i + 1
            i += 1
        elif char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif char in "\"'":
            i, line = _skip_string(text, i, line)
        elif not in_value and depth == 0:
            if char == "[":  # a [table] or [[array of tables]] header, one line
                end = text.find("\n", i)
                end = n if end < 0 else end
                table = text[i:end].split("#")[0].strip().strip("[]").strip()
                i = end
            else:
                if char == "=":
                    key, in_value = text[statement:i].strip(), True
                i += 1
        else:
            if char in "[{":
                depth += 1
                if depth > limit:
                    return line, f"{table}.{key}" if table else key
            elif char in "]}":
                depth = max(depth - 1, 0)
            i += 1
    return None


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    """Index just past the string opening at `i` (any of TOML's four kinds), and the line."""
    quote = text[i]
    delimiter = quote * 3 if text.startswith(quote * 3, i) else quote
    j, n = i + len(delimiter), len(text)
    while j < n:
        char = text[j]
        if char == "\\" and quote == '"':  # an escape; a backslash may end a line
            if text[j + 1:j + 2] == "\n":
                line += 1
            j += 2
            continue
        if char == "\n":
            if len(delimiter) == 1:  # an unclosed one-line string: the parser will say so
                return j, line
            line += 1
        elif text.startswith(delimiter, j):
            j += len(delimiter)
            if len(delimiter) == 3:  # up to two quotes may end the text before the delimiter
                extra = 0
                while extra < 2 and j < n and text[j] == quote:
                    j, extra = j + 1, extra + 1
            return j, line
        j += 1
    return j, line
