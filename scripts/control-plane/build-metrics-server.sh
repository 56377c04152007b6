#!/usr/bin/env bash
# Builds (or reuses) metrics-server from the Go module proxy (go/metrics-server/go.mod) into
# ${SIMENV_CACHE_DIR:-$HOME/.cache/simenv}/control-plane/metrics-server-<ver>/bin/. build.sh
# runs it after the control plane's binaries; it has its own lock, so it never waits for (or
# blocks) a Kubernetes build. A second run returns at once. Use --force to rebuild.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_flag_args FORCE --force 2,6 "$@"

if [[ "${FORCE}" == 0 ]] && have_metrics_server; then
  log "metrics-server ${METRICS_SERVER_VERSION} is cached in ${METRICS_SERVER_BIN_DIR}"
  exit 0
fi

source "${CP_DIR}/go-build.sh"
find_go 24

mkdir -p "${BIN_CACHE_ROOT}"
exec 9>"${BIN_CACHE_ROOT}/.build-metrics-server.lock"
if ! flock -n 9; then
  log "another metrics-server build is running (lock ${BIN_CACHE_ROOT}/.build-metrics-server.lock); waiting for it"
  flock 9
  if [[ "${FORCE}" == 0 ]] && have_metrics_server; then
    log "the other build finished: metrics-server is in ${METRICS_SERVER_BIN_DIR}"
    exit 0
  fi
fi

STAGE="$(mktemp -d "${BIN_CACHE_ROOT}/.stage-ms.XXXXXX")"
trap 'rm -rf "${STAGE}"' EXIT
BUILD_LOG="${BIN_CACHE_ROOT}/build-metrics-server.log"
: >"${BUILD_LOG}"

build_start="${SECONDS}"
log "first build of metrics-server ${METRICS_SERVER_VERSION}: ~900 Go packages, about 3 minutes on an idle 2-core machine (later runs reuse ${METRICS_SERVER_BIN_DIR})"
go_build "${GO_METRICS_SERVER_MOD}" "metrics-server ${METRICS_SERVER_VERSION}" \
  "-s -w -X k8s.io/client-go/pkg/version.gitVersion=${METRICS_SERVER_VERSION} -X k8s.io/client-go/pkg/version.buildDate=1970-01-01T00:00:00Z" \
  sigs.k8s.io/metrics-server/cmd/metrics-server

[[ -x "${STAGE}/metrics-server" ]] || die "the build did not produce metrics-server"
mkdir -p "${METRICS_SERVER_BIN_DIR}"
mv -f "${STAGE}/metrics-server" "${METRICS_SERVER_BIN_DIR}/metrics-server"
printf 'metrics-server %s\ngo %s\n' "${METRICS_SERVER_VERSION}" "${go_ver}" >"${METRICS_SERVER_BIN_DIR}/.complete"
log "built metrics-server in $((SECONDS - build_start))s: ${METRICS_SERVER_BIN_DIR}/metrics-server ($(du -m "${METRICS_SERVER_BIN_DIR}/metrics-server" | cut -f1) MB)"
