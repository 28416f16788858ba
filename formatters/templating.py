"""The text fragments of every message come from jinja2 templates a team can override.

Every template is read and compiled once, when `Templates` is built: the shipped ones (the
package's `templates/`) and the team's (the folder named in config). Rendering touches no file,
so a digest of 50 notes does not stat 150 paths, and a folder edited while the bot runs changes
nothing until the next start. A team template that fails (syntax error, unknown variable) is
reported with its file and line and the shipped template is used instead, so a typo never drops
a digest. Templates render text fragments only; block and embed structure is built in Python.
Data reaches templates already escaped for its platform; the `slack`/`discord` filters exist for
anything else.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import (
    BaseLoader,
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
)

from formatters.text import escape_discord, escape_slack, truncate

__all__ = ["TemplateProblem", "Templates"]

log = logging.getLogger(__name__)

_SUFFIX = ".j2"


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


class _Sources(BaseLoader):
    """Template sources read once, each with the file name errors and tracebacks show."""

    def __init__(self, sources: Mapping[str, tuple[str, str]]) -> None:
        self._sources = dict(sources)

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename = self._sources[template]
        return source, filename, lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self._sources)


def _shipped_sources() -> dict[str, tuple[str, str]]:
    """`platform/name.j2` -> (source, name) for every template shipped with the package."""
    root = resources.files("formatters") / "templates"
    found: dict[str, tuple[str, str]] = {}
    for folder in (f for f in root.iterdir() if f.is_dir()):
        for entry in (e for e in folder.iterdir() if e.name.endswith(_SUFFIX)):
            name = f"{folder.name}/{entry.name}"
            found[name] = (entry.read_text(encoding="utf-8"), name)
    return found


def _team_sources(folder: Path) -> dict[str, tuple[str, str]]:
    """`platform/name.j2` -> (source, file path) for the team's overrides present at start."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob(f"*/*{_SUFFIX}")):
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = (path.read_text("utf-8"), str(path))
    return found


@dataclass(slots=True)
class Templates:
    """Renders `platform/name.j2`, preferring the team's copy; `problems` lists fallbacks.

    Everything is resolved here, at construction: a team file added, edited or removed later
    is not seen until a new `Templates` is built.
    """

    override_dir: Path | None = None
    problems: list[TemplateProblem] = field(default_factory=list)
    _shipped: dict[str, Template] = field(init=False)
    _team: dict[str, Template] = field(init=False)

    def __post_init__(self) -> None:
        shipped = _shipped_sources()
        team = _team_sources(self.override_dir) if self.override_dir is not None else {}
        env = Environment(
            loader=_Sources(
                {f"shipped/{k}": v for k, v in shipped.items()}
                | {f"team/{k}": v for k, v in team.items()}
            ),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        env.filters.update(slack=escape_slack, discord=escape_discord, clip=truncate)
        self._shipped = {path: env.get_template(f"shipped/{path}") for path in shipped}
        self._team = {}
        for path, (_source, filename) in team.items():
            try:
                self._team[path] = env.get_template(f"team/{path}")
            except TemplateError as exc:
                self._report(filename, exc)

    def render(self, platform: str, name: str, context: Mapping[str, object]) -> str:
        """The fragment, without leading or trailing blank lines."""
        path = f"{platform}/{name}{_SUFFIX}"
        team = self._team.get(path)
        if team is not None:
            try:
                return team.render(context).strip("\n")
            except TemplateError as exc:
                self._report(str(team.filename), exc)
        return self._shipped[path].render(context).strip("\n")

    def _report(self, filename: str, exc: TemplateError) -> None:
        problem = TemplateProblem(filename, _error_line(exc, filename), str(exc))
        if problem not in self.problems:  # once per problem, not once per note
            self.problems.append(problem)
            log.warning("template %s; using the shipped template instead", problem)
