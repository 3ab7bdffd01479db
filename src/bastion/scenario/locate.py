"""Map a location in a parsed TOML document (a pydantic error ``loc``) to its line in the file.

``tomllib`` parses but keeps no positions, and no maintained TOML library exposes them, so this
small scanner walks the text once: table headers (``[a.b]``, ``[[a]]`` with their running
indices), keys (dotted keys too) and the keys of one-line inline tables. An error location is
reported at the longest prefix of it that the scanner saw, so an error deep inside a multi-line
array is reported at the key that starts the array.
"""

from __future__ import annotations

import re

_KEY = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_KEY})\s*=")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(_KEY, dotted)]


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Every table and key location in a TOML text, mapped to its 1-based line number."""
    lines: dict[tuple[str | int, ...], int] = {}
    array_index: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    in_multiline_string = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.count('"""') % 2 == 1 or raw.count("'''") % 2 == 1:
            in_multiline_string = not in_multiline_string
            continue
        if in_multiline_string:
            continue
        line = raw.split("#", 1)[0] if '"' not in raw and "'" not in raw else raw
        m = _HEADER.match(line)
        if m:
            path: list[str | int] = []
            for part in _parts(m.group(2)):
                path.append(part)
                key = tuple(path)
                if key in array_index and key != tuple(_parts(m.group(2))):
                    path.append(array_index[key])
            key = tuple(path)
            if m.group(1) == "[[":
                array_index[key] = array_index.get(key, -1) + 1
                lines.setdefault(key, number)
                key = (*key, array_index[key])
            table = key
            lines[key] = number
            continue
        m = _ASSIGN.match(line)
        if m:
            key = (*table, *_parts(m.group(1)))
            lines.setdefault(key, number)
            rest = line[m.end() :]
            if rest.lstrip().startswith("{"):
                for sub in _INLINE_KEY.findall(rest):
                    lines.setdefault((*key, sub.strip("\"'")), number)
    return lines


def line_of(loc: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    """Line of the longest prefix of ``loc`` found in ``lines`` (None if not even the first key)."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None
