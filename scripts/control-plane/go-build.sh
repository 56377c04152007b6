# shellcheck shell=bash
# Go build helpers shared by build.sh and build-metrics-server.sh (sourced after lib.sh).
# Every build: `go build -trimpath`, CGO off, GOFLAGS=-mod=mod, the machine's GOPROXY, niced,
# progress every 30 s, full output in a log file.

# Sets GO to a Go toolchain of at least 1.<$1>, or dies naming what is missing.
find_go() { # <minimum minor version>
  GO="$(command -v go || true)"
  if [[ -z "${GO}" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
  [[ -n "${GO}" ]] || die "Go is not installed (need Go >= 1.$1 on PATH or at /usr/local/go/bin/go)"
  go_ver="$("${GO}" env GOVERSION)"
  local minor
  minor="$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"${go_ver}")"
  [[ "${minor}" =~ ^[0-9]+$ && "${minor}" -ge "$1" ]] || die "Go ${go_ver} is too old: the control plane's modules need Go >= 1.$1"
}

NICE=(nice -n "${SIMENV_BUILD_NICE:-10}")
export GOFLAGS="${GOFLAGS:+${GOFLAGS} }-mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# Runs `go build -v` into ${STAGE} in the background, appending to ${BUILD_LOG}, and prints a
# progress line every 30 s.
go_build() { # <module dir> <label> <ldflags> <packages...>
  local dir="$1" label="$2" ldflags="$3"
  shift 3
  local start="${SECONDS}" pid rc lines0
  lines0="$(grep -c . "${BUILD_LOG}" || true)"
  log "building ${label} (go $("${GO}" env GOVERSION), GOPROXY=$("${GO}" env GOPROXY)); log: ${BUILD_LOG}"
  (cd "${dir}" && exec "${NICE[@]}" "${GO}" build -v -trimpath -ldflags "${ldflags}" -o "${STAGE}/" "$@") >>"${BUILD_LOG}" 2>&1 &
  pid=$!
  while kill -0 "${pid}" 2>/dev/null; do
    for _ in $(seq 1 30); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "${pid}" 2>/dev/null; then
      log "  still building ${label}: $((SECONDS - start))s, $(($(grep -c . "${BUILD_LOG}") - lines0)) packages compiled so far"
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
