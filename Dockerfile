# Rasad image: the `rasad` command (scheduler, one-shot jobs, setup) on Python 3.11.
# Build: docker build -t rasad:0.1.0 .   Run: see docker-compose.yml and docs/deploy.md.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# curl: the compose setup script talks to the Elasticsearch security API and polls Kibana.
# Not pinned: Debian's stable suite only carries the security-patched version of curl.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 rasad \
    && useradd --system --uid 10001 --gid rasad --home-dir /app --shell /usr/sbin/nologin rasad

WORKDIR /src
# Dependencies are pinned in pyproject.toml; the package data (templates, reference article,
# Kibana saved objects) is installed with the package.
COPY pyproject.toml README.md ./
COPY crawler ./crawler
COPY jobs ./jobs
COPY reports ./reports
RUN pip install --no-cache-dir . \
    && rm -rf /src

WORKDIR /app
COPY infra/compose/setup.sh /app/setup.sh
COPY infra/compose/rasad.toml /app/rasad.toml
# Named volumes mounted here start with this ownership, so the non-root user can write.
RUN mkdir -p /app/var /app/reports/out \
    && chown -R rasad:rasad /app/var /app/reports

USER 10001:10001
ENV RASAD_CONFIG=/app/rasad.toml

ENTRYPOINT ["rasad"]
CMD ["schedule"]
