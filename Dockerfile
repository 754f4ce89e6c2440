# syntax=docker/dockerfile:1
# The service alone, installed from the production lock. Defaults to production settings:
# without real secrets (see the README's "Image") it refuses to start and names the setting.

# python:3.11.14-slim-bookworm, pinned by the digest of its multi-architecture index: every
# rebuild starts from the same bytes. Move the tag and the digest together.
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS base
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONUNBUFFERED=1

# Every wheel the image gets, made here: the production lock's, each download checked against
# its hash (the two published without wheels, ijson and multi-key-dict, are built by the locked
# setuptools), and the service's own, with the templates setup.py puts inside.
FROM base AS build
WORKDIR /src
COPY requirements/build.txt requirements/production.txt requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/build.txt \
 && pip wheel --no-cache-dir --require-hashes --no-build-isolation \
      --wheel-dir /wheels -r requirements/production.txt
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY service ./service
COPY templates ./templates
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

FROM base
# git pushes the initial commits; Debian's security updates keep it current, so it is not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 landingzone \
 && useradd --create-home --uid 10001 --gid 10001 landingzone
# The checked wheels alone, mounted rather than copied so they leave no layer behind: nothing
# is resolved, downloaded or built in this stage.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --no-deps /wheels/*.whl \
 && pip check
WORKDIR /app
ENV LZ_ENVIRONMENT=production \
    LZ_DATABASE_URL=sqlite:////app/var/landingzone.sqlite \
    LZ_WORKSPACE_DIR=/app/var/workspaces
RUN mkdir -p /app/var && chown 10001:10001 /app/var
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["landingzone", "serve", "--host", "0.0.0.0", "--port", "8000"]
