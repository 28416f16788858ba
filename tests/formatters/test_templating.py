"""Team template overrides: used when valid; a broken one is named and the shipped one used."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from formatters.slack_blocks import SlackRenderer
from formatters.templating import Templates
from tests.support.digests import crafted_digest, crafted_note

DIGEST = crafted_digest([crafted_note(1, title="A <b> & c")])


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_team_template_replaces_the_shipped_one(tmp_path: Path) -> None:
    _write(tmp_path, "slack/entry.j2", "TEAM {{ e.title }} / {{ e.key }}")
    templates = Templates(tmp_path)
    reply = SlackRenderer(templates=templates).render_digest(DIGEST)[1]
    assert reply.blocks[0]["text"]["text"] == "TEAM A &lt;b&gt; &amp; c / 2024-09-20-paper-1"
    assert templates.problems == []


def test_undefined_variable_names_file_and_line_and_falls_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "slack/entry.j2", "line one\n{{ e.title }}\n{{ e.no_such_field }}\n")
    templates = Templates(tmp_path)
    with caplog.at_level(logging.WARNING):
        reply = SlackRenderer(templates=templates).render_digest(DIGEST)[1]
    shipped = SlackRenderer().render_digest(DIGEST)[1]
    assert reply == shipped
    [problem] = templates.problems
    assert (problem.file, problem.line) == (str(path), 3)
    assert f"{path}:3" in caplog.text


def test_syntax_error_names_file_and_line_and_falls_back(tmp_path: Path) -> None:
    path = _write(tmp_path, "slack/footer.j2", "ok\n{% if %}\n")
    templates = Templates(tmp_path)
    header = SlackRenderer(templates=templates).render_digest(DIGEST)[0]
    assert header == SlackRenderer().render_digest(DIGEST)[0]
    assert [(p.file, p.line) for p in templates.problems] == [(str(path), 2)]


def test_escape_filters_are_available_to_team_templates(tmp_path: Path) -> None:
    _write(tmp_path, "slack/footer.j2", "{{ '<!here> & co' | slack }} {{ '*x*' | discord }}")
    header = SlackRenderer(templates=Templates(tmp_path)).render_digest(DIGEST)[0]
    assert header.blocks[-1]["elements"][0]["text"] == "&lt;!here&gt; &amp; co \\*x\\*"


def test_no_override_dir_uses_shipped_templates() -> None:
    assert Templates().render("slack", "footer", {"h": _Hint()}) == "hint"


class _Hint:
    hint = "hint"
    overflow = ""


def test_a_problem_is_reported_once_however_many_notes_use_the_template(tmp_path: Path) -> None:
    _write(tmp_path, "slack/entry.j2", "{{ e.nope }}")
    templates = Templates(tmp_path)
    SlackRenderer(templates=templates).render_digest(
        crafted_digest([crafted_note(1), crafted_note(2)])
    )
    assert len(templates.problems) == 1


def test_templates_are_resolved_once_at_construction(tmp_path: Path) -> None:
    """Rendering reads no file: a team template edited, removed or added after start is not seen
    (the renderer does no filesystem check per fragment)."""
    entry = _write(tmp_path, "slack/entry.j2", "TEAM {{ e.key }}")
    templates = Templates(tmp_path)
    renderer = SlackRenderer(templates=templates)
    before = renderer.render_digest(DIGEST)
    entry.write_text("EDITED {{ e.key }}", encoding="utf-8")
    _write(tmp_path, "slack/footer.j2", "ADDED")
    assert renderer.render_digest(DIGEST) == before
    entry.unlink()
    (tmp_path / "slack" / "footer.j2").unlink()
    assert renderer.render_digest(DIGEST) == before
    assert before[1].blocks[0]["text"]["text"] == "TEAM 2024-09-20-paper-1"
    assert SlackRenderer(templates=Templates(tmp_path)).render_digest(DIGEST) != before
