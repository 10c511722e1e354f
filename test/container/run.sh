#!/usr/bin/env bash
# The container image, built and run for real: builds the Dockerfile, runs the image as its non-root user
# with DATA_DIR on a volume, and checks /healthz, /readyz, a signed webhook stored, the data surviving a
# container restart, and the HEALTHCHECK; reports the image size. Ends with `N passed, N failed`.
#
# Uses podman (daemonless, what Debian ships); installs podman, runc and mmdebstrap with apt-get when they
# are missing and it may. Where no image registry can be reached (this project's machines), the two base
# images are made from Debian packages (mmdebstrap → podman import) and kept by tag, so only the first run
# on a machine pays for them. HOOKPORT_BASES=public uses the Dockerfile's defaults (node:22-bookworm-slim,
# debian:bookworm-slim) instead. Run by .ci/run; by hand: bash test/container/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
say() { printf '[container] %s\n' "$*"; }
check() { # check <what> <command…>
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); say "ok: $what"; else failed=$((failed + 1)); say "FAILED: $what"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v mmdebstrap >/dev/null; then
  say "installing podman, runc, mmdebstrap (apt-get)"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc mmdebstrap uidmap; } >/dev/null 2>&1
fi
if ! command -v podman >/dev/null; then
  say "skipped: no container engine here and podman could not be installed (apt-get as root is needed)"
  finish
fi

# podman 4.3 as Debian ships it, on hosts like this one: crun fails on the cgroup layout and runc works;
# the default ulimits are refused; journald may be absent. A config file of our own, not the machine's.
work=$(mktemp -d)
if [ -z "${CONTAINERS_CONF:-}" ]; then
  export CONTAINERS_CONF=$work/containers.conf
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

image=localhost/hookport:test
name=hookport-test-$$
volume=hookport-test-data-$$
cleanup() {
  podman rm -f -t 0 "$name" >/dev/null 2>&1
  podman volume rm -f "$volume" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# base <tag> <packages>: an image of Debian bookworm (minbase) with these packages, made once per machine.
base() {
  local tag=$1 packages=$2 started=$SECONDS
  if podman image exists "$tag"; then
    say "base image $tag: cached"
    return 0
  fi
  say "base image $tag: mmdebstrap bookworm${packages:+ + $packages}…"
  # Without manuals, docs and translations, as Debian's own slim images are made.
  mmdebstrap --variant=minbase --quiet ${packages:+--include=$packages} \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm - | podman import - "$tag" >/dev/null || return 1
  say "base image $tag: made in $((SECONDS - started)) s"
}

build_args=()
if [ "${HOOKPORT_BASES:-local}" != public ]; then
  runtime_base=localhost/hookport-base/debian:bookworm-slim
  build_base=localhost/hookport-base/node:bookworm-debian
  # Both at once: each mostly waits on downloads and dpkg.
  base "$runtime_base" "" >"$work/runtime-base.log" 2>&1 &
  runtime_pid=$!
  check "build base image from Debian packages (nodejs, npm)" base "$build_base" "nodejs,npm,ca-certificates"
  wait "$runtime_pid"
  runtime_ok=$?
  cat "$work/runtime-base.log"
  check "runtime base image from Debian packages" test "$runtime_ok" = 0
  build_args=(--build-arg "RUNTIME_BASE=$runtime_base" --build-arg "BUILD_BASE=$build_base")
fi

started=$SECONDS
# --format docker keeps the HEALTHCHECK (OCI images have none); npm ci inside reaches the registry through
# the host's network and trusts what the host trusts.
build() {
  podman build --format docker --network host --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    "${build_args[@]}" -t "$image" . >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; return 1; }
}
check "the Dockerfile builds" build
say "build took $((SECONDS - started)) s"
podman image exists "$image" || finish
size=$(podman image inspect --format '{{.Size}}' "$image")
say "image size: $((size / 1000000)) MB ($image)"

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
token=container-test-admin-token-0123456789
secrets=(-e STRIPE_WEBHOOK_SECRET=whsec_container_test_secret_0123456789 -e GITHUB_WEBHOOK_SECRET=container-test-github -e ADMIN_TOKEN=$token)
# Host networking: the rootful bridge needs an iptables this kind of machine may not allow; PORT moves it.
podman volume create "$volume" >/dev/null
# Without systemd, podman cannot schedule the HEALTHCHECK's timer and says so on every start: kept out of
# the way (and shown if the start fails). `podman healthcheck run` below runs the check itself.
quiet() { "$@" >/dev/null 2>"$work/podman.err" || { cat "$work/podman.err"; return 1; }; }
quiet podman run -d --name "$name" --network host -e PORT="$port" "${secrets[@]}" -v "$volume:/data" "$image"

get() { node -e 'fetch(process.argv[1], { headers: { authorization: `Bearer ${process.argv[2]}` } }).then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.log(e.message); process.exit(1); })' "$1" "$token"; }
ready() {
  for _ in $(seq 1 120); do
    get "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  podman logs "$name" | tail -20
  return 1
}
check "the container becomes ready" ready
check "it runs as the non-root user hookport (uid 10001)" test "$(podman exec "$name" id -u)" = 10001
check "/healthz answers 200" get "http://127.0.0.1:$port/healthz"
check "/readyz answers 200" get "http://127.0.0.1:$port/readyz"
# The image's own `hookport send` signs with the Stripe SDK and, without --url, finds the service on PORT.
sent=$(podman exec "$name" /app/hookport send stripe checkout.session.completed)
say "send: $sent"
event=$(printf '%s' "$sent" | sed -n 's/^200 .*"id":"\([^"]*\)".*/\1/p')
check "a signed webhook is acknowledged" test -n "$event"
check "the event is in the store on the volume" podman exec "$name" test -f /data/PG_VERSION
stored() { get "http://127.0.0.1:$port/admin/api/webhooks?q=$event" | grep -q "\"eventId\":\"$event\""; }
check "the admin API lists the stored event" stored
check "the HEALTHCHECK is in the image" test -n "$(podman image inspect --format '{{.Config.Healthcheck}}' "$image" | grep -v '^<nil>$')"
check "podman healthcheck run: healthy" quiet podman healthcheck run "$name"

quiet podman restart -t 15 "$name"
check "after a container restart it is ready again" ready
check "after a container restart the event is still stored" stored
finish
