# shellcheck shell=bash
# Shared helpers for scripts/control-plane/{build,up,down}.sh. Source it; do not run it.
#
# Everything here binds to 127.0.0.1 only. Paths and ports can be changed with environment
# variables (see README.md in this directory).

set -euo pipefail

CP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${CP_DIR}/../.." && pwd)"
GO_KUBE_MOD="${CP_DIR}/go/kube"
GO_KWOK_MOD="${CP_DIR}/go/kwok"
GO_METRICS_SERVER_MOD="${CP_DIR}/go/metrics-server"

# --- versions: read from the wrapper go.mod files, which are the only place they are pinned.
_mod_version() { # <go.mod> <module path>
  awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { v = ($1 == "require") ? $3 : $2; print v; exit }' "$1"
}
K8S_VERSION="$(_mod_version "${GO_KUBE_MOD}/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(_mod_version "${GO_KUBE_MOD}/go.mod" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(_mod_version "${GO_KWOK_MOD}/go.mod" sigs.k8s.io/kwok)"
METRICS_SERVER_VERSION="$(_mod_version "${GO_METRICS_SERVER_MOD}/go.mod" sigs.k8s.io/metrics-server)"
if [[ -z "${K8S_VERSION}" || -z "${ETCD_VERSION}" || -z "${KWOK_VERSION}" || -z "${METRICS_SERVER_VERSION}" ]]; then
  echo "control-plane: cannot read pinned versions from ${CP_DIR}/go/*/go.mod" >&2
  exit 1
fi

# --- where things live
SIMENV_CACHE_DIR="${SIMENV_CACHE_DIR:-${HOME}/.cache/simenv}"
BIN_CACHE_ROOT="${SIMENV_CACHE_DIR}/control-plane"
BIN_DIR="${BIN_CACHE_ROOT}/${K8S_VERSION}-kwok-${KWOK_VERSION}/bin"
# metrics-server has its own versioned dir, so re-pinning it never rebuilds Kubernetes.
METRICS_SERVER_BIN_DIR="${BIN_CACHE_ROOT}/metrics-server-${METRICS_SERVER_VERSION}/bin"
CLUSTER_DIR="${SIMENV_CLUSTER_DIR:-${REPO_ROOT}/.cluster}"

# Binaries the cluster needs (kubectl is built too: the scripts use it to create nodes).
CP_BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

# --- ports (all on 127.0.0.1)
APISERVER_PORT="${SIMENV_APISERVER_PORT:-16443}"
ETCD_CLIENT_PORT="${SIMENV_ETCD_CLIENT_PORT:-12379}"
ETCD_PEER_PORT="${SIMENV_ETCD_PEER_PORT:-12380}"
CONTROLLER_MANAGER_PORT="${SIMENV_CONTROLLER_MANAGER_PORT:-10557}"
SCHEDULER_PORT="${SIMENV_SCHEDULER_PORT:-10559}"
KWOK_PORT="${SIMENV_KWOK_PORT:-10547}"
METRICS_SERVER_PORT="${SIMENV_METRICS_SERVER_PORT:-10550}"
NODE_COUNT="${SIMENV_CLUSTER_NODES:-4}"
# Allocation ranges only: nothing routes traffic to them (there is no kube-proxy and no kubelet).
SERVICE_CIDR="${SIMENV_SERVICE_CIDR:-10.96.0.0/16}"
CLUSTER_CIDR="${SIMENV_CLUSTER_CIDR:-10.244.0.0/16}"

# Components, in start order (down.sh stops them in reverse).
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok metrics-server)

# --- output helpers
_t0="${SECONDS}"
log() { printf '[control-plane %4ss] %s\n' "$((SECONDS - _t0))" "$*"; }
warn() { printf '[control-plane %4ss] WARNING: %s\n' "$((SECONDS - _t0))" "$*" >&2; }
die() { printf '[control-plane %4ss] ERROR: %s\n' "$((SECONDS - _t0))" "$*" >&2; exit 1; }

# The scripts' one argument shape: <flag> sets the variable <var> to 1 (else 0), -h/--help
# prints lines <first,last> of the calling script (its header comment) and exits 0, anything
# else dies naming the argument.
parse_flag_args() { # <var> <flag> <first,last> <args...>
  local var="$1" flag="$2" help_lines="$3" arg
  shift 3
  printf -v "${var}" 0
  for arg in "$@"; do
    case "${arg}" in
      "${flag}") printf -v "${var}" 1 ;;
      -h | --help)
        sed -n "${help_lines}p" "${BASH_SOURCE[1]}"
        exit 0
        ;;
      *) die "unknown argument: ${arg}" ;;
    esac
  done
}

have_all_binaries() {
  local b
  for b in "${CP_BINARIES[@]}"; do
    [[ -x "${BIN_DIR}/${b}" ]] || return 1
  done
  [[ -f "${BIN_DIR}/.complete" ]]
}

have_metrics_server() {
  [[ -x "${METRICS_SERVER_BIN_DIR}/metrics-server" && -f "${METRICS_SERVER_BIN_DIR}/.complete" ]]
}

# --- process helpers
pid_file() { echo "${CLUSTER_DIR}/run/$1.pid"; }
log_file() { echo "${CLUSTER_DIR}/logs/$1.log"; }

# True while a process exists and is not a zombie (kill -0 succeeds on zombies, which stay
# until their parent, here init, reaps them).
proc_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# Prints the pid of a component if its pid file names a live process that is that component.
component_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "${f}" ]] || return 1
  pid="$(cat "${f}" 2>/dev/null || true)"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  # Guard against pid reuse: the process must run a binary named after the component.
  local exe
  exe="$(readlink "/proc/${pid}/exe" 2>/dev/null || true)"
  [[ "${exe}" == */"$1" || "${exe}" == */"$1 (deleted)" ]] || return 1
  echo "${pid}"
}

# Stops components in parallel: TERM, wait up to $1 seconds, then KILL. Usage:
#   stop_components <wait seconds> <name>...
stop_components() {
  local wait_s="$1" name pid i alive
  shift
  local -a names=() pids=()
  for name in "$@"; do
    if pid="$(component_pid "${name}")"; then
      kill -TERM "${pid}" 2>/dev/null || true
      names+=("${name}")
      pids+=("${pid}")
    else
      rm -f "$(pid_file "${name}")"
    fi
  done
  ((${#pids[@]})) || return 0
  for ((i = 0; i < wait_s * 10; i++)); do
    alive=0
    for pid in "${pids[@]}"; do
      if proc_alive "${pid}"; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    pid="${pids[i]}"
    if proc_alive "${pid}"; then
      warn "${names[i]} (pid ${pid}) did not stop within ${wait_s}s of TERM; sending KILL"
      kill -KILL "${pid}" 2>/dev/null || true
    fi
  done
  for i in "${!pids[@]}"; do
    pid="${pids[i]}"
    local j
    # Wait (bounded) for init to reap it too, so that no <defunct> entry lingers in ps/pgrep.
    for ((j = 0; j < 50; j++)); do
      [[ -e "/proc/${pid}" ]] || break
      sleep 0.1
    done
    rm -f "$(pid_file "${names[i]}")"
    log "stopped ${names[i]} (pid ${pid})"
  done
}

# Prints the last lines of a component's log to stderr.
tail_log() {
  local f
  f="$(log_file "$1")"
  if [[ -f "${f}" ]]; then
    echo "----- last ${2:-40} lines of ${f} -----" >&2
    tail -n "${2:-40}" "${f}" >&2
    echo "-----" >&2
  else
    echo "(no log at ${f})" >&2
  fi
}

# curl against the apiserver as admin, with the admin client cert.
api_curl() {
  curl -sS --max-time 5 --cacert "${CLUSTER_DIR}/pki/ca.crt" \
    --cert "${CLUSTER_DIR}/pki/admin.crt" --key "${CLUSTER_DIR}/pki/admin.key" \
    "https://127.0.0.1:${APISERVER_PORT}$1"
}

apiserver_ready() {
  [[ -f "${CLUSTER_DIR}/pki/admin.crt" ]] || return 1
  [[ "$(api_curl /readyz 2>/dev/null || true)" == "ok" ]]
}

# Pids of processes started from our bin dir whose command line names our state dir: strays
# left behind when the pid files were lost (state dir deleted by hand, crash mid-start).
stray_pids() {
  local exe pid
  # One find instead of a readlink per process: /proc/<pid>/exe links to the running binary.
  while IFS= read -r exe; do
    pid="${exe#/proc/}"
    pid="${pid%/exe}"
    if tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF -- "${CLUSTER_DIR}/"; then
      echo "${pid}"
    fi
  done < <(find /proc -mindepth 2 -maxdepth 2 -name exe \( -lname "${BIN_DIR}/*" -o -lname "${METRICS_SERVER_BIN_DIR}/*" \) 2>/dev/null)
}

# Stops every component and any strays: first the API clients (metrics-server, kwok, scheduler,
# controller manager) together, then kube-apiserver, then etcd.
stop_all() {
  local wait_s="${1:-15}" i pid
  stop_components "${wait_s}" metrics-server kwok kube-scheduler kube-controller-manager
  stop_components "${wait_s}" kube-apiserver
  stop_components "${wait_s}" etcd
  local -a strays
  read -r -a strays <<<"$(stray_pids | tr '\n' ' ')"
  ((${#strays[@]})) || return 0
  for pid in "${strays[@]}"; do
    warn "stopping stray process ${pid}: $(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | cut -c1-120)"
    kill -TERM "${pid}" 2>/dev/null || true
  done
  for ((i = 0; i < wait_s * 10; i++)); do
    for pid in "${strays[@]}"; do proc_alive "${pid}" && { sleep 0.1; continue 2; }; done
    break
  done
  for pid in "${strays[@]}"; do
    proc_alive "${pid}" && kill -KILL "${pid}" 2>/dev/null || true
  done
  for ((i = 0; i < 50; i++)); do
    for pid in "${strays[@]}"; do proc_alive "${pid}" && { sleep 0.1; continue 2; }; done
    break
  done
}

# True when every component's pid file names a live process.
all_components_alive() {
  local c
  for c in "${COMPONENTS[@]}"; do
    component_pid "${c}" >/dev/null || return 1
  done
}

any_component_state() {
  local c
  for c in "${COMPONENTS[@]}"; do
    [[ -f "$(pid_file "${c}")" ]] && return 0
  done
  [[ -n "$(stray_pids)" ]]
}

# Serialises up.sh/down.sh runs on the same state dir.
lock_cluster() {
  mkdir -p "${BIN_CACHE_ROOT}"
  local key
  key="$(printf '%s' "${CLUSTER_DIR}" | md5sum | cut -c1-12)"
  exec 8>"${BIN_CACHE_ROOT}/.cluster-${key}.lock"
  if ! flock -n 8; then
    log "another up/down run holds ${BIN_CACHE_ROOT}/.cluster-${key}.lock; waiting for it"
    flock 8
  fi
}

# Removes the state dir, refusing anything that does not look like one (a mistyped
# SIMENV_CLUSTER_DIR must never wipe a home directory or the repo).
STATE_MARKER=".simenv-control-plane"
remove_state_dir() {
  local d="${CLUSTER_DIR}"
  [[ -e "${d}" ]] || return 0
  case "$(cd "${d}" && pwd -P)" in
    / | "${HOME}" | "$(cd "${REPO_ROOT}" && pwd -P)") die "refusing to delete ${d} (SIMENV_CLUSTER_DIR points at a system, home or repo dir)" ;;
  esac
  if [[ -n "$(ls -A "${d}" 2>/dev/null)" && ! -e "${d}/${STATE_MARKER}" ]]; then
    die "refusing to delete ${d}: it is not empty and has no ${STATE_MARKER} marker (not a control-plane state dir?)"
  fi
  rm -rf "${d}" 2>/dev/null || { sleep 1; rm -rf "${d}"; }
}
