"""The error of a scenario or configuration that cannot be loaded (the loader's, the include's)."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
