# One image for every role: `serve` (default), `migrate`, `worker`, `seed-demo`, `openapi`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a change to the code does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY services ./services
COPY alembic.ini ./
COPY migrations ./migrations
RUN pip install -c constraints.txt .

# `migrate` finds alembic.ini and migrations/ next to the `services` package it runs from,
# and the wheel holds neither: run the code from /app, where they sit side by side.
ENV PYTHONPATH=/app

# Non-root; /app/var is where the default SQLite database goes when DATABASE_URL is unset.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin observatoire \
    && mkdir -p /app/var \
    && chown observatoire /app/var
USER observatoire

EXPOSE 8000

# No curl in slim images: ask Python. PORT is the port `serve` binds when --port is not given.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/v1/health' % os.environ.get('PORT', '8000'), timeout=4)"]

ENTRYPOINT ["observatoire"]
CMD ["serve", "--host", "0.0.0.0"]
