# shellcheck shell=bash
# The wait for a background build, shared by scripts/control-plane/go-build.sh and
# scripts/simkube/install.sh. Source it after defining log and die (each script has its own prefix).

# Waits for the build <pid> (a child of this shell). While it runs, every 30 s it logs
# "  still building <label>: <s>s, <n> <unit> compiled so far", where <n> counts the lines of
# <log> matching <pattern>, less <baseline> (the count before the build began). On failure it
# prints the last 40 lines of <log> and dies with "<what> failed (exit <rc>); full log: <log>".
wait_build() { # <pid> <label> <start SECONDS> <log> <what> <pattern> <baseline> <unit>
  local pid="$1" label="$2" start="$3" build_log="$4" what="$5" pattern="$6" baseline="$7" unit="$8"
  local rc
  while kill -0 "${pid}" 2>/dev/null; do
    for _ in $(seq 1 30); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "${pid}" 2>/dev/null; then
      log "  still building ${label}: $((SECONDS - start))s, $(($(grep -c -- "${pattern}" "${build_log}" || true) - baseline)) ${unit} compiled so far"
    fi
  done
  rc=0
  wait "${pid}" || rc=$?
  if [[ "${rc}" != 0 ]]; then
    tail -n 40 "${build_log}" >&2
    die "${what} failed (exit ${rc}); full log: ${build_log}"
  fi
}
