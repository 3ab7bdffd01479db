"""Reading input files at the edge: bytes to text and JSON with one clear line per failure.

A file given to a command may hold anything: random bytes, Latin-1 text, JSON nested a hundred
thousand levels deep, an integer of thousands of digits. Python answers those with
``UnicodeDecodeError``, ``RecursionError`` or ``ValueError`` from deep inside a parser; these helpers
turn each into the caller's own error class with a message naming the file and, where it can, the
line, so the command exits 2 with that message instead of a traceback. Imports nothing of bastion,
so every layer may use it.
"""

from __future__ import annotations

import json
from pathlib import Path


def decode_utf8(raw: bytes, source: str, error: type[Exception]) -> str:
    """``raw`` as UTF-8 text, or ``error(message)`` naming ``source``, the line and the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        where = f"byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        raise error(f"{source}: line {line}: not UTF-8 text ({where})") from None


def read_utf8(path: str | Path, error: type[Exception]) -> str:
    """The text of ``path``; ``error(message)`` when it cannot be read or is not UTF-8."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    return decode_utf8(raw, str(path), error)


def parse_json(text: str, source: str, error: type[Exception]) -> object:
    """``text`` decoded as JSON; ``error(message)`` naming ``source`` (and the line of a syntax error)
    for text that is not JSON, nests too deeply for the parser, or holds an integer too long to read
    (Python refuses integers of more than 4300 digits)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise error(f"{source}: JSON nested too deeply to read") from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise error(f"{source}: not a usable JSON document ({str(exc).splitlines()[0]})") from None
