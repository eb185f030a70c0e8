#!/usr/bin/env bash
# Proves the Dockerfile builds and its image serves, on a machine with no
# Docker engine: buildah builds it (chroot isolation, vfs storage, no daemon).
#
# The base image (python:3.11-slim) cannot be pulled here, so a stand-in is
# made from Debian's packages: bookworm's python3 is 3.11, with pip and venv,
# linked where the official image has them (/usr/local/bin) and without the
# EXTERNALLY-MANAGED marker (the official image has none). Its rootfs tarball
# is cached in $CACHE, so only the first run pays for debootstrap.
#
# Then: build the real Dockerfile, start its entrypoint (`screening serve`)
# in a container, wait until the image's own HEALTHCHECK command passes, and
# screen one call through gRPC from inside the container.
#
#   bash scripts/container-check.sh        (root: apt-get, debootstrap, buildah)
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${SCREENING_CONTAINER_CACHE:-/var/cache/screening-container-check}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=python3,python3-venv,python3-pip,passwd,ca-certificates
BASE=python:3.11-slim # the Dockerfile's PYTHON_IMAGE
IMAGE=localhost/screening:container-check

stage_started=$SECONDS
stage() { # the time of the stage that ends, then the name of the next
    [[ -n ${stage_name:-} ]] && echo "container-check: ${stage_name}: $((SECONDS - stage_started)) s"
    stage_name=$1 stage_started=$SECONDS
    [[ $1 == done ]] || echo "container-check: ${stage_name} ..."
}

work=$(mktemp -d /tmp/screening-container-check.XXXXXX)
# A private buildah store: nothing is left in /var/lib/containers, and
# removing $work removes every image and container made here.
store=(--root "$work/storage" --runroot "$work/run" --storage-driver vfs)
buildah() { command buildah "${store[@]}" "$@"; }
container='' server=''
cleanup() {
    local status=$?
    set +e # every step of the clean-up runs, whatever failed before
    [[ -n $server ]] && { kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
    [[ -n $container ]] && buildah rm "$container" >/dev/null 2>&1
    buildah rmi --all --force >/dev/null 2>&1
    rm -rf "$work"
    ((status == 0)) || echo "container-check: FAILED in stage: ${stage_name:-start}" >&2
    exit "$status"
}
trap cleanup EXIT

stage "tools"
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends buildah debootstrap >/dev/null \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends buildah debootstrap >/dev/null; }
fi
command buildah --version

stage "base rootfs"
# Keyed by what goes into it: a new package list makes a new tarball.
tarball="$CACHE/rootfs-bookworm-$(echo "$PACKAGES" | sha256sum | cut -c1-12).tar"
if [[ ! -s $tarball ]]; then
    mkdir -p "$CACHE"
    rootfs="$work/rootfs"
    debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"
    ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.partial.$$" .
    mv "$tarball.partial.$$" "$tarball" # only a whole tarball is ever cached
    rm -rf "$rootfs"
else
    echo "cached: $tarball"
fi

stage "base image"
mkdir "$work/base"
ln "$tarball" "$work/base/rootfs.tar" 2>/dev/null || cp "$tarball" "$work/base/rootfs.tar"
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["python3"]\n' >"$work/base/Containerfile"
buildah bud --isolation chroot --quiet -t "$BASE" -f "$work/base/Containerfile" "$work/base" >/dev/null
# Short names resolve to either, depending on registries.conf.
buildah tag "localhost/$BASE" "docker.io/library/$BASE"

stage "image build"
# docker format: the OCI format has no HEALTHCHECK, buildah would drop it.
buildah bud --isolation chroot --pull=never --format docker -v /etc/ssl/certs:/etc/ssl/certs:ro \
    -t "$IMAGE" -f Dockerfile . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
tail -n 3 "$work/build.log"
healthcheck=$(buildah inspect --type image --format '{{.Docker.Config.Healthcheck.Test}}' "$IMAGE")
echo "HEALTHCHECK: $healthcheck"
[[ $healthcheck == '[CMD screening health]' ]] || { echo "no HEALTHCHECK CMD screening health" >&2; exit 1; }

stage "serve"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
container=$(buildah from --pull=never "$IMAGE")
# The host's network (chroot isolation): the image's wildcard listen address
# on a free port, so that `screening health` must turn it into loopback.
# No clients configured in this throwaway check: serving unauthenticated must be said.
run=(run --isolation chroot --env "SCREENING_LISTEN=0.0.0.0:$port" --env SCREENING_METRICS_LISTEN=
     --env SCREENING_ALLOW_UNAUTHENTICATED=true "$container" --)
run() { buildah "${run[@]}" "$@"; }
# exec: $server is buildah itself, which passes SIGTERM on to the server.
(exec buildah "${store[@]}" "${run[@]}" screening serve) >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
    run screening health >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "the server exited" >&2; exit 1; }
    sleep 1
done
run screening health || { cat "$work/serve.log" >&2; exit 1; }

stage "screen a call"
run python - "$port" <<'EOF'
import sys

import grpc

from screening.v1 import screening_pb2 as pb, screening_pb2_grpc

with grpc.insecure_channel(f"127.0.0.1:{sys.argv[1]}") as channel:
    stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
    request = pb.ScreenCallRequest(call_id="container-check-1", facility_id="LP-CHECK", inmate_id="A-1",
                                   dialed_number="+628123456789")
    decision = stub.ScreenCall(request, timeout=10)
    assert decision.call_id == "container-check-1", decision
print("screened through the image:", pb.Decision.Name(decision.decision), decision.normalized_number)
EOF

stage "stop"
# SIGTERM to buildah itself kills the server (SIGKILL): the image's
# STOPSIGNAL goes to the server's own process, found among buildah's
# descendants (chroot isolation shares the host's PID namespace).
descendants() { local child; for child in $(ps -o pid= --ppid "$1"); do echo "$child"; descendants "$child"; done; }
for pid in $(descendants "$server"); do
    [[ $(ps -o args= -p "$pid") == *python*"screening serve"* ]] && kill -TERM "$pid"
done
wait "$server" || { cat "$work/serve.log" >&2; echo "the server did not stop cleanly" >&2; exit 1; }
server=''
grep -q '"msg": "stopped"' "$work/serve.log" || { cat "$work/serve.log" >&2; echo "no stop in the log" >&2; exit 1; }
stage "done"
echo "container-check: passed in ${SECONDS} s"
