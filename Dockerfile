# Oppfølging as a container image: `docker build -t oppfolging:0.2.0 .`
#
# Two stages: the first builds a virtual environment with the package installed from this
# repository (a real install, not editable: the image holds no source tree); the second copies only
# that environment onto a fresh slim Python and runs it as an unprivileged user. Configuration is
# the environment documented in README.md ("Configuration"); secrets come as NAME_FILE, e.g.
# SLACK_BOT_TOKEN_FILE=/run/secrets/slack_bot_token (compose.yaml shows all of them).
#
# Not built in CI (the CI machine cannot pull base images); tests/test_ops_container.py runs this
# file's entry command and health check in a clean virtual environment instead, with this file's ENV.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check /src \
    && /opt/venv/bin/oppfolging --version

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 oppfolging \
    && useradd --system --uid 10001 --gid oppfolging --home-dir /srv/oppfolging --shell /usr/sbin/nologin oppfolging \
    && mkdir -p /srv/oppfolging/data \
    && chown -R oppfolging:oppfolging /srv/oppfolging
COPY --from=build /opt/venv /opt/venv
# MALLOC_ARENA_MAX: glibc reads it at start, before `serve` could set it (bot/allocator.py).
# SQLITE_CACHE_KIB: the page cache of each SQLite connection when no DATABASE_URL is given.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3978 \
    LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2 \
    SQLITE_CACHE_KIB=512
# Without DATABASE_URL the bot uses SQLite in ./data, i.e. the volume below.
WORKDIR /srv/oppfolging
VOLUME ["/srv/oppfolging/data"]
USER 10001:10001
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/opt/venv/bin/oppfolging", "healthcheck"]
ENTRYPOINT ["/opt/venv/bin/oppfolging"]
CMD ["serve"]
