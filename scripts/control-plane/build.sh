#!/usr/bin/env bash
# Builds (or reuses) the loopback control plane's binaries from the Go module proxy:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (go/kube/go.mod)
#   kwok                                                                    (go/kwok/go.mod)
# into ${SIMENV_CACHE_DIR:-$HOME/.cache/simenv}/control-plane/<k8s>-kwok-<ver>/bin/.
# A second run, with every binary present, returns at once. Use --force to rebuild.
#
# Needs Go >= 1.24 (go on PATH or /usr/local/go/bin/go) and a reachable GOPROXY.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
for arg in "$@"; do
  case "${arg}" in
    --force) FORCE=1 ;;
    -h | --help)
      sed -n '2,8p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *) die "unknown argument: ${arg}" ;;
  esac
done

if [[ "${FORCE}" == 0 ]] && have_all_binaries; then
  log "binaries for Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION} are cached in ${BIN_DIR}"
  exit 0
fi

# --- Go toolchain
GO="$(command -v go || true)"
if [[ -z "${GO}" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
[[ -n "${GO}" ]] || die "Go is not installed (need Go >= 1.24 on PATH or at /usr/local/go/bin/go)"
go_ver="$("${GO}" env GOVERSION)"
go_minor="$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"${go_ver}")"
[[ "${go_minor}" =~ ^[0-9]+$ && "${go_minor}" -ge 24 ]] || die "Go ${go_ver} is too old: Kubernetes ${K8S_VERSION} needs Go >= 1.24"

mkdir -p "${BIN_CACHE_ROOT}"
# One build at a time per cache (e.g. a user's `npm run cluster:up` and a test run at once).
exec 9>"${BIN_CACHE_ROOT}/.build.lock"
if ! flock -n 9; then
  log "another build is running (lock ${BIN_CACHE_ROOT}/.build.lock); waiting for it"
  flock 9
  if [[ "${FORCE}" == 0 ]] && have_all_binaries; then
    log "the other build finished: binaries are in ${BIN_DIR}"
    exit 0
  fi
fi

NICE=(nice -n "${SIMENV_BUILD_NICE:-10}")
export GOFLAGS="${GOFLAGS:+${GOFLAGS} }-mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

STAGE="$(mktemp -d "${BIN_CACHE_ROOT}/.stage.XXXXXX")"
trap 'rm -rf "${STAGE}"' EXIT
BUILD_LOG="${BIN_CACHE_ROOT}/build.log"
: >"${BUILD_LOG}"

# Runs `go build -v` in the background and prints a progress line every 30 s.
go_build() { # <module dir> <label> <ldflags> <packages...>
  local dir="$1" label="$2" ldflags="$3"
  shift 3
  local start="${SECONDS}" pid rc
  log "building ${label} (go $("${GO}" env GOVERSION), GOPROXY=$("${GO}" env GOPROXY)); log: ${BUILD_LOG}"
  (cd "${dir}" && exec "${NICE[@]}" "${GO}" build -v -trimpath -ldflags "${ldflags}" -o "${STAGE}/" "$@") >>"${BUILD_LOG}" 2>&1 &
  pid=$!
  while kill -0 "${pid}" 2>/dev/null; do
    for _ in $(seq 1 30); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "${pid}" 2>/dev/null; then
      log "  still building ${label}: $((SECONDS - start))s, $(grep -c . "${BUILD_LOG}") packages compiled so far"
    fi
  done
  rc=0
  wait "${pid}" || rc=$?
  if [[ "${rc}" != 0 ]]; then
    tail -n 40 "${BUILD_LOG}" >&2
    die "building ${label} failed (exit ${rc}); full log: ${BUILD_LOG}"
  fi
  log "built ${label} in $((SECONDS - start))s"
}

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
