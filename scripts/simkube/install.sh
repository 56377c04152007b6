#!/usr/bin/env bash
# Installs SimKube's CLI (skctl) and driver (sk-driver) from the crate registry with
#   cargo install --locked <crate> --version <ver> --root <cache>
# into ${SIMENV_CACHE_DIR:-$HOME/.cache/simenv}/simkube/<ver>/bin/. Pinned (SIMKUBE_VERSION
# below, `--locked` uses each crate's own Cargo.lock), idempotent (a second run with both
# binaries present returns at once), one build at a time per cache (file lock).
# Usage: install.sh [--force] [--print-bin-dir]
set -euo pipefail

SIMKUBE_VERSION="2.7.0"
CRATES=(skctl sk-driver)
CACHE="${SIMENV_CACHE_DIR:-${HOME}/.cache/simenv}/simkube"
ROOT="${CACHE}/${SIMKUBE_VERSION}"
BIN_DIR="${ROOT}/bin"

_t0="${SECONDS}"
log() { printf '[simkube %4ss] %s\n' "$((SECONDS - _t0))" "$*"; }
die() { printf '[simkube %4ss] ERROR: %s\n' "$((SECONDS - _t0))" "$*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/../lib/wait-build.sh"

FORCE=0
for arg in "$@"; do
  case "${arg}" in
    --force) FORCE=1 ;;
    --print-bin-dir) echo "${BIN_DIR}"; exit 0 ;;
    -h | --help) sed -n '2,7p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument: ${arg}" ;;
  esac
done

have() { [[ -x "${BIN_DIR}/$1" ]]; }
have_all() { local c; for c in "${CRATES[@]}"; do have "${c}" || return 1; done; }

if [[ "${FORCE}" == 0 ]] && have_all; then
  log "skctl and sk-driver ${SIMKUBE_VERSION} are cached in ${BIN_DIR}"
  exit 0
fi

CARGO="$(command -v cargo || true)"
if [[ -z "${CARGO}" && -x "${HOME}/.cargo/bin/cargo" ]]; then CARGO="${HOME}/.cargo/bin/cargo"; fi
[[ -n "${CARGO}" ]] || die "cargo is not installed: install Rust (https://rustup.rs), then rerun this script"

mkdir -p "${CACHE}"
exec 9>"${CACHE}/.build.lock"
if ! flock -n 9; then
  log "another install is running (lock ${CACHE}/.build.lock); waiting for it"
  flock 9
fi

# A `cargo install --root <same root>` started by hand holds no lock of ours: wait for it
# (bounded) rather than build the same crates twice on a small machine.
waited=0
while pgrep -f -- "cargo install .*--root ${ROOT}( |$)" >/dev/null; do
  ((waited % 300 == 0)) && log "a cargo install into ${ROOT} started elsewhere is running; waiting for it (${waited}s)"
  ((waited >= ${SIMENV_SIMKUBE_WAIT_S:-10800})) && die "still waiting for the other cargo install after ${waited}s"
  sleep 10
  waited=$((waited + 10))
done
if [[ "${FORCE}" == 0 ]] && have_all; then
  log "skctl and sk-driver ${SIMKUBE_VERSION} are cached in ${BIN_DIR}"
  exit 0
fi

NICE=(nice -n "${SIMENV_BUILD_NICE:-10}")
total_start="${SECONDS}"
# One target directory for both crates: they share most dependencies (kube-rs, tokio, sk-core),
# which cargo install would otherwise compile twice in throw-away directories. Removed at the end.
export CARGO_TARGET_DIR="${ROOT}/.target"
for crate in "${CRATES[@]}"; do
  if [[ "${FORCE}" == 0 ]] && have "${crate}"; then
    log "${crate} ${SIMKUBE_VERSION} already in ${BIN_DIR}"
    continue
  fi
  build_log="${ROOT}/${crate}.build.log"
  mkdir -p "${ROOT}"
  log "building ${crate} ${SIMKUBE_VERSION} with $("${CARGO}" --version) (cargo install --locked; a cold build takes 10-20 min on 2 cores); log: ${build_log}"
  start="${SECONDS}"
  force_flag=()
  [[ "${FORCE}" == 1 ]] && force_flag=(--force)
  "${NICE[@]}" "${CARGO}" install --locked "${crate}" --version "${SIMKUBE_VERSION}" --root "${ROOT}" "${force_flag[@]}" >"${build_log}" 2>&1 &
  wait_build "$!" "${crate}" "${start}" "${build_log}" "cargo install ${crate}" Compiling 0 crates
  have "${crate}" || die "cargo install ${crate} succeeded but ${BIN_DIR}/${crate} is missing"
  log "built ${crate} in $((SECONDS - start))s"
done
rm -rf "${CARGO_TARGET_DIR}"
log "SimKube ${SIMKUBE_VERSION} tools ready in $((SECONDS - total_start))s: ${BIN_DIR}/skctl, ${BIN_DIR}/sk-driver"
