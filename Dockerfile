# syntax=docker/dockerfile:1
#
# Production image for the screening gRPC service.
#
#   docker build -t screening:dev .            (or: buildah bud -t screening:dev .)
#   docker run --rm -p 50051:50051 -p 9464:9464 \
#       -v screening-data:/var/lib/screening screening:dev
#   docker run --rm -v screening-data:/var/lib/screening screening:dev \
#       blocklist add +15555550100 --reason "fraud report 123"
#
# For reproducible production builds pin the base image by digest, e.g.
#   --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest>

ARG PYTHON_IMAGE=python:3.11-slim
ARG VERSION=0.1.0

# ---------------------------------------------------------------------------
# Builder: build the project wheel plus wheels for every dependency.
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# The context is trimmed by .dockerignore (no .git, tests, venvs, *.db).
COPY . .

# All runtime dependencies (grpcio, protobuf, ...) ship manylinux wheels for
# CPython 3.11, so no compiler is needed; --only-binary makes that explicit.
RUN python -m pip wheel --wheel-dir /wheels --only-binary=:all: .

# ---------------------------------------------------------------------------
# Runtime: a venv with the wheel installed, no build tools, non-root user.
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG VERSION
ARG UID=10001
ARG GID=10001

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    SCREENING_DATABASE=/var/lib/screening/screening.db \
    SCREENING_LISTEN=0.0.0.0:50051 \
    SCREENING_METRICS_LISTEN=0.0.0.0:9464

# Fixed UID/GID so volume ownership and Kubernetes securityContext
# (runAsUser/runAsNonRoot/fsGroup) are predictable.
RUN groupadd --system --gid "${GID}" screening \
 && useradd --system --uid "${UID}" --gid "${GID}" \
        --home-dir /var/lib/screening --no-create-home \
        --shell /usr/sbin/nologin screening \
 && install -d -o "${UID}" -g "${GID}" -m 0700 /var/lib/screening

# Install from the builder's wheelhouse only (no network, no compilers). The
# wheels are bind-mounted, so they never end up in an image layer, and the
# base image's pip installs into the venv (--python), so pip and setuptools
# never enter it. The base interpreter is named by its absolute path: PATH
# finds the venv's python first, and that one has no pip. The venv is
# root-owned, hence read-only for the service user; bytecode is compiled at
# install time.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    /usr/local/bin/python -m venv --without-pip "${VIRTUAL_ENV}" \
 && /usr/local/bin/python -m pip --python "${VIRTUAL_ENV}/bin/python" install \
        --no-index --find-links=/wheels screening \
 && screening --version

# Must come after the directory is created and chowned, or the ownership and
# mode would be lost for anonymous volumes.
VOLUME ["/var/lib/screening"]
WORKDIR /var/lib/screening

# Numeric so runAsNonRoot can verify it without /etc/passwd.
USER ${UID}:${GID}

# 50051: gRPC (screening.v1 + grpc.health.v1 + reflection); 9464: Prometheus /metrics
EXPOSE 50051 9464

# Docker and Podman run `screening health` (grpc.health.v1 Check on the
# listen address, a wildcard host as loopback): exit 0 only when SERVING.
# The image needs no probe binary. A TLS listener needs --tls-ca (and, with
# client certificates required, --tls-cert/--tls-key) added here.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 CMD ["screening", "health"]
# Kubernetes ignores HEALTHCHECK: use its native gRPC probe (1.24+), e.g.
#   livenessProbe:  { grpc: { port: 50051 }, periodSeconds: 10 }
#   readinessProbe: { grpc: { port: 50051 }, periodSeconds: 5 }
# The server drains in-flight calls on SIGTERM (grace_seconds, default 5s).
STOPSIGNAL SIGTERM

# `serve` refuses to start until it knows who may call: [clients.NAME] in a
# mounted config (SCREENING_CONFIG), or SCREENING_ALLOW_UNAUTHENTICATED=true
# on a network only the phone system reaches (README, "Who may call").
ENTRYPOINT ["screening"]
CMD ["serve"]

LABEL org.opencontainers.image.title="screening" \
      org.opencontainers.image.description="Call screening for inmate phone systems: may inmate X call this number, now?" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11-slim"
