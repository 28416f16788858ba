"""compose.yaml and the Dockerfile, checked as data: no container engine runs in the tests
(`scripts/container-smoke` builds and runs the image where podman or Docker is at hand)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.healthcheck import health_url
from bot.healthcheck import main as health_check
from bot.settings import CONFIG_FILE, default_database_url
from tests.conftest import REPO_ROOT


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text("utf-8"))
    return loaded


def test_postgres_16_keeps_its_data_in_a_named_volume_and_checks_its_health() -> None:
    compose = _compose()
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    volume, _, target = postgres["volumes"][0].partition(":")
    assert volume == "postgres-data" and volume in compose["volumes"]
    assert target == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_the_bot_waits_for_a_healthy_postgres_and_points_database_url_at_it() -> None:
    compose = _compose()
    bot, postgres = compose["services"]["paperbot"], compose["services"]["postgres"]
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    url = bot["environment"]["DATABASE_URL"]
    assert re.fullmatch(
        r"postgresql://paperbot:\$\{POSTGRES_PASSWORD:-\w+\}@postgres:5432/paperbot", url
    )
    assert postgres["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-paperbot}"
    assert bot["environment"]["PAPERBOT_HTTP"] == "0.0.0.0:8080"


def test_secrets_come_from_an_env_file_and_the_notes_folder_is_mounted() -> None:
    bot = _compose()["services"]["paperbot"]
    assert bot["env_file"] == [{"path": ".env", "required": False}]
    mounts = {m.rsplit(":", 2)[1]: m for m in bot["volumes"]}
    assert mounts["/srv/paperbot/notes"] == "${PAPERBOT_NOTES:-./seeds}:/srv/paperbot/notes:ro"
    assert mounts["/srv/paperbot/config"] == "./config:/srv/paperbot/config:ro"
    assert not any(key.startswith(("SLACK_", "DISCORD_")) for key in bot["environment"])


def test_replicas_scale_without_a_host_port_clash_and_stop_within_the_grace() -> None:
    bot = _compose()["services"]["paperbot"]
    assert bot["ports"] == ["8080"]  # a free host port per replica
    assert "container_name" not in bot  # a fixed name would stop --scale
    assert bot["stop_signal"] == "SIGTERM" and bot["stop_grace_period"] == "15s"
    assert bot["init"] is True  # PID 1 forwards a SIGTERM sent before Python loads paperbot
    assert bot["restart"] == "unless-stopped"  # a replica killed by hand stays down


def test_the_dockerfile_is_multi_stage_non_root_and_checks_its_health() -> None:
    text = (REPO_ROOT / "Dockerfile").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "ARG BASE_IMAGE=python:3.12-slim"
    assert lines[1] == "FROM ${BASE_IMAGE} AS builder"
    assert (
        "FROM ${BASE_IMAGE}" in lines
        and "COPY --from=builder /opt/paperbot/venv /opt/paperbot/venv" in lines
    )
    assert "USER paperbot" in lines and 'VOLUME ["/srv/paperbot/data"]' in lines
    assert lines[-1] == 'CMD ["paperbot", "run"]'
    assert "PAPERBOT_HTTP=0.0.0.0:8080" in text and "/healthz" in text
    assert "HEALTHCHECK" in text and "python3" in text and "curl" not in text.replace("no curl", "")
    ignored = (REPO_ROOT / ".dockerignore").read_text("utf-8").splitlines()
    assert ignored[1] == "*" and "config/.env*" in ignored
    for path in ("bot", "adapters", "formatters", "seeds", "config", "pyproject.toml"):
        assert f"!{path}/" in ignored or f"!{path}" in ignored
    assert Path(REPO_ROOT / "seeds").is_dir()


def _runtime_stage() -> list[str]:
    """The Dockerfile's last stage, one instruction a line (continuations joined)."""
    text = (REPO_ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from + 1 :]


def test_the_image_keeps_notes_config_and_data_where_paperbot_looks_for_them() -> None:
    """Installed (no checkout), paperbot's home is `$XDG_DATA_HOME/paperbot`: the image puts its
    notes, config and SQLite volume there, as the unprivileged uid 10001."""
    stage = _runtime_stage()
    (env_line,) = [line for line in stage if line.startswith("ENV ")]
    env = dict(pair.split("=", 1) for pair in env_line.removeprefix("ENV ").split())
    home = Path(env["XDG_DATA_HOME"]) / "paperbot"
    assert home == Path("/srv/paperbot") and f"WORKDIR {home}" in stage
    copies = {line.split()[-2]: line.split()[-1] for line in stage if line.startswith("COPY ")}
    assert copies["seeds"] == env["PAPERBOT_NOTES_DIR"] == str(home / "notes")
    assert copies["config"] == str(home / CONFIG_FILE.parent)  # config/paperbot.toml is read
    assert env["DATABASE_URL"] == default_database_url(home)
    assert f'VOLUME ["{home / "data"}"]' in stage
    assert [line for line in stage if "--from=" in line] == [
        "COPY --from=builder /opt/paperbot/venv /opt/paperbot/venv"
    ]  # the virtual environment is all the runtime stage takes from the builder
    (user,) = [line for line in stage if line.startswith("RUN groupadd")]
    assert "--gid 10001 paperbot" in user and "--uid 10001 --gid paperbot" in user
    assert "USER paperbot" in stage
    ignored = (REPO_ROOT / ".dockerignore").read_text("utf-8").splitlines()
    assert "!README.md" in ignored  # the builder copies it (pyproject.toml names it)


def _sent_to_the_build(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule for one file: the last pattern matching it or a folder above
    it decides, `!` sending it after all (`*` may cross `/` here: the patterns in use allow it)."""
    parts = path.split("/")
    sent = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        cleaned = pattern.removeprefix("!").strip("/")
        if any(fnmatchcase("/".join(parts[:n]), cleaned) for n in range(1, len(parts) + 1)):
            sent = negated
    return sent


def test_no_local_env_file_or_config_reaches_the_image() -> None:
    """`docker build` sends only what the image needs: `config/.env.example` but no local env
    file of any name (a `config/.env.production` went into the image before)."""
    lines = (REPO_ROOT / ".dockerignore").read_text("utf-8").splitlines()
    patterns = [line for line in lines if line.strip() and not line.startswith("#")]
    sent = ["pyproject.toml", "README.md", "bot/cli.py", "adapters/console.py", "seeds/000.txt",
            "config/.env.example", "config/paperbot.example.toml"]  # fmt: skip
    kept = [".env", "config/.env", "config/.env.production", "config/.env.local",
            "config/paperbot.toml", "data/paperbot.sqlite3", "tests/test_compose.py",
            ".venv/bin/python", "bot/__pycache__/cli.cpython-311.pyc", ".git/config"]  # fmt: skip
    assert [path for path in sent if not _sent_to_the_build(path, patterns)] == []
    assert [path for path in kept if _sent_to_the_build(path, patterns)] == []


def _health_check_command() -> list[str]:
    """The Dockerfile HEALTHCHECK's CMD, its `python3` this interpreter (the image's is the
    virtual environment's, first on PATH)."""
    line = next(ln for ln in _runtime_stage() if ln.startswith("HEALTHCHECK "))
    command: list[str] = json.loads(line[line.index("CMD ") + 4 :])
    assert command[0] == "python3"
    return [sys.executable, *command[1:]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _service_config(tmp_path: Path, http: str, folder: str = "mounted") -> Path:
    path = tmp_path / folder / "paperbot.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'[service]\nhttp = "{http}"\n', "utf-8")
    return path


async def _health_check(env: dict[str, str]) -> tuple[int, str]:
    """The HEALTHCHECK run as a process, as the container runs it, with `env`: exit code and
    what it printed."""
    checked = await asyncio.create_subprocess_exec(
        *_health_check_command(), cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(30):
        out, _ = await checked.communicate()
    assert checked.returncode is not None
    return checked.returncode, out.decode()


async def test_the_health_check_asks_where_a_mounted_toml_says_the_service_serves(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """`-e PAPERBOT_HTTP=` with a mounted paperbot.toml whose `[service] http` names the port:
    the service serves there, and the HEALTHCHECK asked the default 8080 instead (unhealthy
    while it worked). Now it reads the address as the service does: the variable over the file
    over the default. Run as processes against the real `paperbot run`."""
    port, other = _free_port(), _free_port()
    config = _service_config(tmp_path, f"127.0.0.1:{port}")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"PAPERBOT_CONFIG": str(config), "PAPERBOT_HTTP": ""}
    log = tmp_path / "bot.log"
    with open(log, "wb") as stderr:  # a file: a full pipe would block the bot
        service = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--notes-dir", str(seeds_dir),
            "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}", "-v",
            cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        async with asyncio.timeout(90):
            while f"health and metrics on http://127.0.0.1:{port}/" not in log.read_text():
                assert service.returncode is None, log.read_text()[-2000:]
                await asyncio.sleep(0.05)  # polling the child's log file
        url = f"http://127.0.0.1:{port}/healthz"
        assert await _health_check(env) == (0, f"{url}: 200\n")
        wrong = _service_config(
            tmp_path, f"127.0.0.1:{other}", "other"
        )  # the variable wins over it
        overridden = env | {"PAPERBOT_CONFIG": str(wrong), "PAPERBOT_HTTP": f":{port}"}
        assert await _health_check(overridden) == (0, f"{url}: 200\n")
    finally:
        service.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await service.wait()
    assert service.returncode == 0, log.read_text()[-2000:]
    code, said = await _health_check(env | {"PAPERBOT_CONFIG": str(config)})
    assert code == 1 and said.startswith(f"{url} ({config}: service.http): "), said


def test_the_health_check_asks_healthz_on_the_port_paperbot_serves() -> None:
    """`-e PAPERBOT_HTTP=` (empty: the default address) asked port 80 once, so the container
    was unhealthy while /healthz answered on 8080 (seen with podman)."""
    for http, port in (("127.0.0.1:8080", 8080), ("0.0.0.0:8080", 8080),
                       ("0.0.0.0:9090", 9090), (":9091", 9091)):  # fmt: skip
        assert health_url(http) == f"http://127.0.0.1:{port}/healthz", http


def test_the_health_check_asks_the_address_paperbot_listens_on_or_nothing_when_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It asked 127.0.0.1 always: a container serving on `[::1]:8080`, `[::]:8080` (IPv6
    only) or one address of its own stayed unhealthy while it worked, and so did one with
    `PAPERBOT_HTTP=off`, which serves no endpoint. With nothing to ask (`off`, or port 0: any
    free one) the check passes and says why, naming where the address came from."""
    for http, url in (("[::1]:8080", "http://[::1]:8080/healthz"),
                      ("[::]:8080", "http://[::1]:8080/healthz"),
                      ("10.1.2.3:8080", "http://10.1.2.3:8080/healthz"),
                      ("paperbot.internal:9000", "http://paperbot.internal:9000/healthz"),
                      (" localhost:8081 ", "http://localhost:8081/healthz")):  # fmt: skip
        assert health_url(http) == url, http
    for http in ("off", " OFF ", "localhost:0"):
        env = {"PAPERBOT_HTTP": http, "PAPERBOT_CONFIG": str(_service_config(tmp_path, ":1"))}
        assert health_check(env) == 0, http
        said = capsys.readouterr().out
        assert said == f"http={http.strip()} (PAPERBOT_HTTP): no health endpoint to ask\n"
    config = _service_config(tmp_path, "off")
    assert health_check({"PAPERBOT_HTTP": " ", "PAPERBOT_CONFIG": str(config)}) == 0
    said = capsys.readouterr().out
    assert said == f"http=off ({config}: service.http): no health endpoint to ask\n"


def test_the_health_check_fails_on_settings_the_service_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mounted file whose `[service] http` is no address stops the service at start: the
    check says so, naming the key, and fails (it does not guess an address)."""
    config = _service_config(tmp_path, "8080")
    assert health_check({"PAPERBOT_HTTP": "", "PAPERBOT_CONFIG": str(config)}) == 1
    said = capsys.readouterr().out
    assert f"{config}: service.http: '8080' is not HOST:PORT" in said, said


def test_an_env_file_copied_from_the_example_keeps_the_images_paths_and_address() -> None:
    """`cp config/.env.example .env` gives `PAPERBOT_NOTES_DIR=` and the like: an empty value is
    paperbot's default (`<home>/seeds`, `127.0.0.1:8080`), not the image's. Compose sets every
    such variable itself (its `environment` wins over `env_file`); before, the bot read the
    missing /srv/paperbot/seeds instead of the mounted notes (seen with podman-compose)."""
    (env_line,) = [line for line in _runtime_stage() if line.startswith("ENV ")]
    image = dict(pair.split("=", 1) for pair in env_line.removeprefix("ENV ").split())
    example = (REPO_ROOT / "config" / ".env.example").read_text("utf-8").splitlines()
    listed = {line.split("=", 1)[0] for line in example if line and not line.startswith("#")}
    bot = _compose()["services"]["paperbot"]
    assert sorted(set(image) & listed) == ["DATABASE_URL", "PAPERBOT_HTTP", "PAPERBOT_NOTES_DIR"]
    assert set(image) & listed <= set(bot["environment"])
    assert bot["environment"]["PAPERBOT_NOTES_DIR"] == image["PAPERBOT_NOTES_DIR"]
    assert bot["environment"]["PAPERBOT_HTTP"] == image["PAPERBOT_HTTP"]
    mounts = {m.rsplit(":", 2)[1] for m in bot["volumes"]}
    assert image["PAPERBOT_NOTES_DIR"] in mounts
