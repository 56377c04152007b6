#!/usr/bin/env bash
# Stops the loopback control plane started by up.sh (kwok, kube-scheduler,
# kube-controller-manager, kube-apiserver, etcd: TERM, then KILL after a bounded wait) and
# removes its state dir (${SIMENV_CLUSTER_DIR:-<repo>/.cluster}) unless --keep is given.
# Safe to run when nothing is running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_flag_args KEEP --keep 2,5 "$@"

lock_cluster
if any_component_state; then
  stop_all "${SIMENV_CLUSTER_STOP_TIMEOUT:-15}"
else
  log "no control plane running for ${CLUSTER_DIR}"
fi

left="$(stray_pids)"
[[ -z "${left}" ]] || die "processes still running after stop: ${left}"

if [[ "${KEEP}" == 1 ]]; then
  log "kept ${CLUSTER_DIR} (--keep): logs in ${CLUSTER_DIR}/logs"
elif [[ -d "${CLUSTER_DIR}" ]]; then
  remove_state_dir
  log "removed ${CLUSTER_DIR}"
fi
