# paperbot as a container: `docker build -t paperbot .` then `docker compose up` (see compose.yaml).
# Two stages: the builder installs paperbot and its dependencies into a virtual environment, the
# runtime stage copies only that environment (no compiler, no pip cache, no source tree).
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/paperbot/venv
WORKDIR /build
# The dependencies first, from pyproject.toml alone, so a source change reuses this layer.
COPY pyproject.toml README.md ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/paperbot/venv/bin/pip install --quiet -r requirements.txt
COPY bot ./bot
COPY adapters ./adapters
COPY formatters ./formatters
RUN /opt/paperbot/venv/bin/pip install --quiet --no-deps . \
    && /opt/paperbot/venv/bin/python -m compileall -q /opt/paperbot/venv

FROM ${BASE_IMAGE}

# The paperbot home of an installed package is $XDG_DATA_HOME/paperbot: /srv/paperbot here.
# Every path is also set explicitly, so nothing depends on the working directory:
#   notes/   the notes folder (the sample notes baked in; mount your own over it)
#   config/  paperbot.toml is read when present (the examples baked in; mount your own over it)
#   data/    the SQLite database when DATABASE_URL is not set (a volume)
ENV PATH=/opt/paperbot/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    XDG_DATA_HOME=/srv \
    PAPERBOT_NOTES_DIR=/srv/paperbot/notes \
    DATABASE_URL=sqlite:////srv/paperbot/data/paperbot.sqlite3 \
    PAPERBOT_HTTP=0.0.0.0:8080

RUN groupadd --system --gid 10001 paperbot \
    && useradd --system --uid 10001 --gid paperbot --home-dir /srv/paperbot --no-create-home \
       --shell /usr/sbin/nologin paperbot \
    && mkdir -p /srv/paperbot/data \
    && chown paperbot:paperbot /srv/paperbot/data
COPY --from=builder /opt/paperbot/venv /opt/paperbot/venv
COPY --chown=root:root seeds /srv/paperbot/notes
COPY --chown=root:root config /srv/paperbot/config

USER paperbot
WORKDIR /srv/paperbot
VOLUME ["/srv/paperbot/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM

# Slim images have no curl: Python asks /healthz (the event loop answers) where `paperbot run`
# serves, read as the service reads it (bot/healthcheck.py): PAPERBOT_HTTP, else a mounted
# paperbot.toml's [service] http, else the default; 127.0.0.1 for 0.0.0.0 or no host, ::1 for ::.
# With `off`, or port 0 (any free one), there is nothing to ask: the check passes and says so.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-m", "bot.healthcheck"]

# `paperbot run` applies the database migrations itself before it serves.
CMD ["paperbot", "run"]
