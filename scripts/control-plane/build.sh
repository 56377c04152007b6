#!/usr/bin/env bash
# Builds (or reuses) the loopback control plane's binaries from the Go module proxy:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (go/kube/go.mod)
#   kwok                                                                    (go/kwok/go.mod)
# into ${SIMENV_CACHE_DIR:-$HOME/.cache/simenv}/control-plane/<k8s>-kwok-<ver>/bin/, then
# metrics-server (go/metrics-server/go.mod) with build-metrics-server.sh.
# A second run, with every binary present, returns at once. Use --force to rebuild.
#
# Needs Go >= 1.24 (go on PATH or /usr/local/go/bin/go) and a reachable GOPROXY.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_flag_args FORCE --force 2,9 "$@"

if [[ "${FORCE}" == 0 ]] && have_all_binaries; then
  log "binaries for Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION} are cached in ${BIN_DIR}"
  exec bash "${CP_DIR}/build-metrics-server.sh"
fi

source "${CP_DIR}/go-build.sh"
find_go 24

mkdir -p "${BIN_CACHE_ROOT}"
# One build at a time per cache (e.g. a user's `npm run cluster:up` and a test run at once).
exec 9>"${BIN_CACHE_ROOT}/.build.lock"
if ! flock -n 9; then
  log "another build is running (lock ${BIN_CACHE_ROOT}/.build.lock); waiting for it"
  flock 9
  if [[ "${FORCE}" == 0 ]] && have_all_binaries; then
    log "the other build finished: binaries are in ${BIN_DIR}"
    exec 9>&-
    exec bash "${CP_DIR}/build-metrics-server.sh"
  fi
fi

STAGE="$(mktemp -d "${BIN_CACHE_ROOT}/.stage.XXXXXX")"
trap 'rm -rf "${STAGE}"' EXIT
BUILD_LOG="${BIN_CACHE_ROOT}/build.log"
: >"${BUILD_LOG}"

build_start="${SECONDS}"
log "first build of the control plane: Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION}"
log "this compiles ~3,300 Go packages: about 10 minutes on an idle 2-core machine, much longer under load (later runs reuse ${BIN_DIR})"

minor="$(cut -d. -f2 <<<"${K8S_VERSION}")"
kv_ldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kv_ldflags+=" -X ${p}.gitVersion=${K8S_VERSION} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${minor}"
  kv_ldflags+=" -X ${p}.gitTreeState=clean -X ${p}.buildDate=1970-01-01T00:00:00Z"
done
go_build "${GO_KUBE_MOD}" "etcd + Kubernetes" "-s -w${kv_ldflags}" \
  ./cmd/etcd \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl
go_build "${GO_KWOK_MOD}" "kwok" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
  sigs.k8s.io/kwok/cmd/kwok

for b in "${CP_BINARIES[@]}"; do
  [[ -x "${STAGE}/${b}" ]] || die "the build did not produce ${b}"
done
mkdir -p "${BIN_DIR}"
for b in "${CP_BINARIES[@]}"; do
  mv -f "${STAGE}/${b}" "${BIN_DIR}/${b}"
done
printf 'kubernetes %s\netcd %s\nkwok %s\ngo %s\n' "${K8S_VERSION}" "${ETCD_VERSION}" "${KWOK_VERSION}" "${go_ver}" >"${BIN_DIR}/.complete"
log "first build took $((SECONDS - build_start))s; binaries in ${BIN_DIR}:"
(cd "${BIN_DIR}" && ls -l "${CP_BINARIES[@]}" | awk '{printf "    %-26s %6.1f MB\n", $NF, $5 / 1048576}')
# metrics-server has its own module, cache dir and lock (build-metrics-server.sh).
exec 9>&-
bash "${CP_DIR}/build-metrics-server.sh" "$@"
