"""Load and validate scenario files (TOML) and the built-in scenarios.

Every problem in a file becomes one line ``FILE:LINE: field.path: what is wrong (expected ...)``;
all problems are reported at once in a :class:`ScenarioError`, which the CLI turns into exit code 2.
A file may build on a shared layout with ``include = "PATH"`` (:mod:`bastion.scenario.include`).
"""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from dataclasses import dataclass, is_dataclass
from pathlib import Path

from pydantic import BaseModel, TypeAdapter, ValidationError

from bastion.files import read_utf8
from bastion.scenario.errors import ScenarioError
from bastion.scenario.include import Expanded, builtin_folder, expand
from bastion.scenario.locate import key_lines, line_of
from bastion.scenario.schema import Scenario, cross_reference_problems

_UNION_TAGS = {"radar", "adsb", "arrival", "departure", "recorded"}


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from and the SHA-256 of its text."""

    model: Scenario
    source: str  # path or "builtin:NAME"
    directory: Path | None  # for relative paths inside the file (None for built-ins)
    sha256: str
    text: str


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with bastion."""
    return sorted(p.name.removesuffix(".toml") for p in builtin_folder().iterdir() if p.name.endswith(".toml"))


def _builtin_file(name: str) -> str:
    return (builtin_folder() / f"{name}.toml").read_text("utf-8")


def builtin_text(name: str) -> str:
    """A built-in scenario's text, its includes spliced in (a self-contained scenario file)."""
    return expand(_builtin_file(name), f"builtin:{name}", None).text


def load(name_or_path: str | Path) -> LoadedScenario:
    """Load a built-in scenario by name, or a TOML file by path; raise :class:`ScenarioError`."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError([f"{path}: no such scenario file"])
        text = read_utf8(path, lambda message: ScenarioError([message]))  # TOML is UTF-8 by definition
        return parse(text, str(path), path.resolve().parent)
    if str(name_or_path) in builtin_names():
        return parse(_builtin_file(str(name_or_path)), f"builtin:{name_or_path}", None)
    raise ScenarioError(
        [f"{name_or_path}: neither a scenario file nor a built-in scenario (built-ins: {', '.join(builtin_names())})"]
    )


def validate_toml(
    text: str, source: str, model_class: type[BaseModel], directory: Path | None = None
) -> tuple[BaseModel, dict, Expanded]:
    """Parse TOML ``text`` (its include spliced in, relative to ``directory``) and validate it as
    ``model_class``: (model, key-line map of the expanded text, the expanded text); every problem
    becomes a ``FILE:LINE: field: message`` line of a :class:`ScenarioError`, naming the file and line
    where the text was written (``Expanded.at``)."""
    doc = expand(text, source, directory)
    text = doc.text
    try:
        data = tomllib.loads(text)
        lines = key_lines(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{source}: TOML syntax error: {exc}"]) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or inline tables
        raise ScenarioError([f"{source}: arrays or tables nested too deeply to read"]) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ScenarioError([f"{source}: not a usable TOML document ({str(exc).splitlines()[0]})"]) from None
    try:
        return model_class.model_validate(data), lines, doc
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, doc, lines, model_class)) from None
    except RecursionError:
        raise ScenarioError([f"{source}: values nested too deeply to check"]) from None


def where(doc: Expanded, loc: tuple[str | int, ...], lines: dict) -> str:
    """``FILE:LINE`` where the value at ``loc`` of an expanded document was written (``FILE:?`` if unknown)."""
    line = line_of(loc, lines)
    return doc.at(line) if line else f"{doc.source}:?"


def parse(text: str, source: str = "<string>", directory: Path | None = None) -> LoadedScenario:
    """Validate the TOML ``text`` of a scenario; ``source`` names it in error messages. The loaded
    scenario's text is the expanded one (its include spliced in: self-contained)."""
    model, lines, doc = validate_toml(text, source, Scenario, directory)
    problems = [f"{where(doc, loc, lines)}: {_dotted(loc)}: {msg}" for loc, msg in cross_reference_problems(model)]
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(model, source, directory, hashlib.sha256(doc.text.encode()).hexdigest(), doc.text)


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and ("[" in part or (part in _UNION_TAGS and i > 0 and isinstance(loc[i - 1], int))):
            continue
        out.append(part)
    return tuple(out)


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _model_at(loc: tuple[str | int, ...], root: type[BaseModel] = Scenario) -> type | None:
    """The pydantic model (or validated dataclass) that owns the last key of ``loc`` (for 'did you mean')."""
    model: type | None = root
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = _first_model(field.annotation)
    return model


def _keys_of(model: type | None) -> list[str]:
    """The keys a model (or a dataclass read by pydantic, such as the site's ``Origin``) accepts."""
    if model is None:
        return []
    if issubclass(model, BaseModel):
        return list(model.model_fields)
    return list(TypeAdapter(model).json_schema(by_alias=True).get("properties", {}))


def _first_model(annotation) -> type | None:
    if isinstance(annotation, type) and (issubclass(annotation, BaseModel) or is_dataclass(annotation)):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _describe(exc: ValidationError, doc: Expanded, lines: dict, root: type[BaseModel] = Scenario) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]))
        where = doc.at(line_of(loc, lines))
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):  # (the latter: a dataclass's)
            key = str(loc[-1])
            known = _keys_of(_model_at(loc, root))
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            expected = f"; expected one of: {', '.join(known)}" if known else ""
            out.append(f"{where}: {_dotted(loc)}: unknown field {key!r}{hint}{expected}")
        elif err["type"] == "missing":
            out.append(f"{where}: {_dotted(loc)}: required field is missing")
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) else f", got {got!r}"
            msg = err["msg"].removeprefix("Value error, ")
            out.append(f"{where}: {_dotted(loc)}: {msg}{shown}")
    return out
