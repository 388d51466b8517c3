# The dashboard, built with Node.js from the committed lock file; only its output (dist/) goes
# into the image. The web sources sit at the same place as in the repository, next to openapi/.
FROM node:20-slim AS web
WORKDIR /build/services/web
COPY services/web/package.json services/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY openapi /build/openapi
COPY services/web ./
RUN npm run build

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

# The dashboard served at `/`, where OBSERVATOIRE_WEB_DIST says (its default, next to the code).
COPY --from=web /build/services/web/dist ./services/web/dist
ENV OBSERVATOIRE_WEB_DIST=/app/services/web/dist

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
