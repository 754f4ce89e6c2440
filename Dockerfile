# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# git pushes the initial commits; Debian's security updates keep it current, so it is not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 landingzone
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY templates ./templates
ENV LZ_TEMPLATES_DIR=/app/templates \
    LZ_DATABASE_URL=sqlite:////app/var/landingzone.sqlite \
    LZ_WORKSPACE_DIR=/app/var/workspaces \
    PYTHONUNBUFFERED=1
RUN mkdir -p /app/var && chown 10001 /app/var
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["landingzone", "serve", "--host", "0.0.0.0", "--port", "8000"]
