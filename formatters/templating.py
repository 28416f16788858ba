"""The text fragments of every message come from jinja2 templates a team can override.

One Environment with two roots: `shipped/` (the package's `templates/`) and `team/` (the folder
named in config). A team template that fails (syntax error, unknown variable) is reported with its
file and line and the shipped template is used instead, so a typo never drops a digest.
Templates render text fragments only; block and embed structure is built in Python. Data reaches
templates already escaped for its platform; the `slack`/`discord` filters exist for anything else.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
)

from formatters.text import escape_discord, escape_slack, truncate

__all__ = ["TemplateProblem", "Templates"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """A team template that failed and was replaced by the shipped one."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def _error_line(exc: TemplateError, filename: str) -> int | None:
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [frame.lineno for frame in frames if frame.filename == filename]
    return lines[-1] if lines else None


@dataclass(slots=True)
class Templates:
    """Renders `platform/name.j2`, preferring the team's copy; `problems` lists fallbacks."""

    override_dir: Path | None = None
    problems: list[TemplateProblem] = field(default_factory=list)
    _env: Environment = field(init=False)

    def __post_init__(self) -> None:
        loaders: dict[str, BaseLoader] = {"shipped": PackageLoader("formatters", "templates")}
        if self.override_dir is not None:
            loaders["team"] = FileSystemLoader(self.override_dir)
        self._env = Environment(
            loader=PrefixLoader(loaders),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(slack=escape_slack, discord=escape_discord, clip=truncate)

    def render(self, platform: str, name: str, context: Mapping[str, object]) -> str:
        """The fragment, without leading or trailing blank lines."""
        path = f"{platform}/{name}.j2"
        if self.override_dir is not None and (self.override_dir / path).is_file():
            try:
                return self._env.get_template(f"team/{path}").render(context).strip("\n")
            except TemplateError as exc:
                self._report(path, exc)
        return self._env.get_template(f"shipped/{path}").render(context).strip("\n")

    def _report(self, path: str, exc: TemplateError) -> None:
        assert self.override_dir is not None
        filename = str(self.override_dir / path)
        problem = TemplateProblem(filename, _error_line(exc, filename), str(exc))
        if problem not in self.problems:  # once per problem, not once per note
            self.problems.append(problem)
            log.warning("template %s; using the shipped template instead", problem)
