# shellcheck shell=bash
# Go build helpers shared by build.sh and build-metrics-server.sh (sourced after lib.sh).
# Every build: `go build -trimpath`, CGO off, GOFLAGS=-mod=mod, the machine's GOPROXY, niced,
# progress every 30 s, full output in a log file.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/wait-build.sh"

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
  local start="${SECONDS}" lines0
  lines0="$(grep -c . "${BUILD_LOG}" || true)"
  log "building ${label} (go $("${GO}" env GOVERSION), GOPROXY=$("${GO}" env GOPROXY)); log: ${BUILD_LOG}"
  (cd "${dir}" && exec "${NICE[@]}" "${GO}" build -v -trimpath -ldflags "${ldflags}" -o "${STAGE}/" "$@") >>"${BUILD_LOG}" 2>&1 &
  # `go build -v` writes one line per package it compiles.
  wait_build "$!" "${label}" "${start}" "${BUILD_LOG}" "building ${label}" . "${lines0}" packages
  log "built ${label} in $((SECONDS - start))s"
}
