"""``include = "PATH"``: a scenario (or live configuration) built on a shared layout file.

A file may name one other TOML file with a top-level ``include`` key (before its first table, as
TOML requires of top-level keys). The included file's tables come first, as if written where the
including file's first table starts: the including file adds tables of its own and entries to arrays
of tables (``[[sensors]]``: the included entries first, then its own), but may not give again a
table or key the included file gives (an error naming both files and lines: edit the shared file,
or write the table in a file of your own). Includes nest, up to :data:`MAX_DEPTH` deep, without cycles.

``PATH`` is relative to the including file's folder. Built-in scenarios include from the built-in
folder (``include = "sites/biap.toml"``), and any file can name a built-in layout as
``include = "builtin:sites/biap.toml"``.

The result is one self-contained document, the includes spliced in (:class:`Expanded`): it is what
a loaded scenario's ``text`` holds, what a run stores and what a sweep edits, so it loads again
without the files it came from. Problems name the file and line where the text was written
(:meth:`Expanded.at`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from bastion.files import read_utf8
from bastion.scenario.errors import ScenarioError
from bastion.scenario.locate import key_lines

MAX_DEPTH = 8
BUILTIN = "builtin:"
_TABLE_HEADER = re.compile(r"^\s*\[")


@dataclass(frozen=True)
class Expanded:
    """A TOML document with its includes spliced in, and where each of its lines was written."""

    text: str
    origins: tuple[tuple[str, int] | None, ...]  # (file, line) of each line of ``text``; None: a marker
    source: str  # the file the document was read as

    def at(self, line: int | None) -> str:
        """``FILE:LINE`` of a line of :attr:`text` (1-based) as written; the source alone if unknown."""
        if not line:
            return self.source
        origin = self.origins[line - 1] if line <= len(self.origins) else None
        return f"{origin[0]}:{origin[1]}" if origin else f"{self.source}:{line}"


def builtin_folder():
    """The folder of the built-in scenarios and layouts (a package resource)."""
    return resources.files("bastion.scenario") / "builtin"


def expand(text: str, source: str, directory: Path | None, _chain: tuple[str, ...] = ()) -> Expanded:
    """``text`` (read as ``source``, relative paths from ``directory``) with its include spliced in;
    :class:`ScenarioError` naming the file and line of a bad include. A document that TOML cannot read is
    returned as it is (its reader reports the syntax error)."""
    lines = text.splitlines()
    plain = Expanded(text, tuple((source, n) for n in range(1, len(lines) + 1)), source)
    if "include" not in text:  # the usual case: no key of that name, nothing to read twice
        return plain
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return plain
    if "include" not in data:
        return plain
    own_lines = key_lines(text)
    include_line = own_lines.get(("include",))
    where = f"{source}:{include_line or '?'}: include"
    name = data.pop("include")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError([f"{where}: expected the name of a TOML file, got {name!r}"])
    inc_text, inc_source, inc_dir = _read(name.strip(), source, directory, where)
    chain = (*_chain, source)
    if inc_source in chain:
        raise ScenarioError([f"{where}: {inc_source} includes itself ({' -> '.join((*chain, inc_source))})"])
    if len(chain) > MAX_DEPTH:
        raise ScenarioError([f"{where}: includes nested more than {MAX_DEPTH} deep"])
    inner = expand(inc_text, inc_source, inc_dir, chain)
    try:
        included = tomllib.loads(inner.text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{inc_source}: TOML syntax error: {exc} (included from {where})"]) from None
    inner_lines = key_lines(inner.text)
    clashes = [
        f"{source}:{own_lines.get((k,), '?')}: {k}: already given by the included "
        f"{inner.at(inner_lines.get((k,)))} (an included table or key cannot be given again)"
        for k in data
        if k in included and not (_table_array(data[k]) and _table_array(included[k]))
    ]
    if clashes:
        raise ScenarioError(clashes)
    # splice the included document in where this file's first table starts (its top-level keys stay top-level)
    first = next((i for i, raw in enumerate(lines) if _TABLE_HEADER.match(raw)), len(lines))
    out: list[str] = []
    origins: list[tuple[str, int] | None] = []
    for i in range(first):
        out.append(f"# {lines[i].strip()}  (spliced in below)" if i + 1 == include_line else lines[i])
        origins.append((source, i + 1))
    out.append(f"# ---- {inc_source} " + "-" * max(4, 90 - len(inc_source)))
    origins.append(None)
    out += inner.text.splitlines()
    origins += inner.origins
    out.append(f"# ---- end of {inc_source} " + "-" * max(4, 83 - len(inc_source)))
    origins.append(None)
    out += lines[first:]
    origins += [(source, i + 1) for i in range(first, len(lines))]
    expanded = Expanded("\n".join(out) + "\n", tuple(origins), source)
    merged = {**included, **{k: included[k] + v if k in included else v for k, v in data.items()}}
    try:
        combined = tomllib.loads(expanded.text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{where}: {inc_source} and this file cannot be combined ({exc})"]) from None
    if combined != merged:  # e.g. an array of tables written inline on one side, as [[...]] on the other
        raise ScenarioError([f"{where}: {inc_source} and this file cannot be combined: write arrays as [[tables]]"])
    return expanded


def _table_array(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _read(name: str, source: str, directory: Path | None, where: str) -> tuple[str, str, Path | None]:
    """(text, source name, folder for its own includes) of the file an include names."""
    if name.startswith(BUILTIN) or source.startswith(BUILTIN):
        rel = PurePosixPath(name.removeprefix(BUILTIN))
        if not name.startswith(BUILTIN):  # a built-in's include: relative to its own folder
            rel = PurePosixPath(source.removeprefix(BUILTIN)).parent / rel
        if rel.is_absolute() or ".." in rel.parts:
            raise ScenarioError([f"{where}: a built-in layout is named from the built-in folder, without '..'"])
        try:
            text = builtin_folder().joinpath(*rel.parts).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            known = ", ".join(sorted(f"sites/{p.name}" for p in builtin_folder().joinpath("sites").iterdir()))
            raise ScenarioError([f"{where}: no built-in file {str(rel)!r} (built-in layouts: {known})"]) from None
        return text, f"{BUILTIN}{rel}", None
    path = Path(name).expanduser()
    if not path.is_absolute():
        if directory is None:
            raise ScenarioError([f"{where}: {name!r} is relative and this text has no folder: give an absolute path"])
        path = directory / path
    if not path.is_file():
        raise ScenarioError([f"{where}: no such file {str(path)!r}"])
    return read_utf8(path, lambda message: ScenarioError([f"{where}: {message}"])), str(path), path.resolve().parent
