"""`python3 -m bot.healthcheck`: the container's HEALTHCHECK, asking `/healthz` where `paperbot
run` serves it.

The address is read as the service reads it (`bot.settings.load_settings`): `PAPERBOT_HTTP`,
else the config file's `[service] http` (`PAPERBOT_CONFIG`, else `<home>/config/paperbot.toml`
when present), else the default, so a mounted `paperbot.toml` with `-e PAPERBOT_HTTP=` is
asked where it serves. A wildcard host is asked on loopback (`0.0.0.0` as `127.0.0.1`, `::` as
`::1`); with `off`, or port 0 (any free one), there is nothing to ask and the check passes,
saying so. Exit 0: healthy (or nothing to ask); 1: no 200 from `/healthz`, or settings the
service would refuse too. Slim images have no curl: only the standard library and the settings.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

from bot.errors import ConfigProblems
from bot.settings import http_address, load_settings

__all__ = ["health_url", "main"]

TIMEOUT_SECONDS = 4
"""Below the HEALTHCHECK's own `--timeout=5s`."""

_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def health_url(http: str) -> str | None:
    """The `/healthz` URL to ask for the setting `http` (`HOST:PORT`, `:PORT`, `[::1]:PORT`);
    None when it serves nothing there (`off`, or port 0).

    Raises:
        ValueError: `http` is not such an address (the settings refuse it first).
    """
    address = http_address(http)
    if address is None or address[1] == 0:
        return None
    host, port = address
    host = _LOOPBACK.get(host, host)
    return f"http://[{host}]:{port}/healthz" if ":" in host else f"http://{host}:{port}/healthz"


def main(environ: Mapping[str, str] | None = None) -> int:
    """Ask `/healthz` once; print what was asked and how it answered (`docker inspect` shows
    it), and return the exit status."""
    env = os.environ if environ is None else environ
    try:
        settings, path, data = load_settings(env)
    except ConfigProblems as exc:
        _say("paperbot's settings are refused:", *exc.problems)
        return 1
    url = health_url(settings.http)
    if url is None:
        _say(
            f"http={settings.http.strip()} ({_source(env, path, data)}): no health endpoint to ask"
        )
        return 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, timed out, unreachable
        _say(f"{url} ({_source(env, path, data)}): {exc}")
        return 1
    _say(f"{url}: {status}")
    return 0 if status == 200 else 1


def _say(*lines: str) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def _source(env: Mapping[str, str], path: object, data: Mapping[str, object]) -> str:
    """Which setting gave the address: the variable, the config file's key, or the default."""
    if env.get("PAPERBOT_HTTP", "").strip():
        return "PAPERBOT_HTTP"
    service = data.get("service")
    if isinstance(service, dict) and "http" in service:
        return f"{path}: service.http"
    return "the default"


if __name__ == "__main__":
    sys.exit(main())
