#!/usr/bin/env bash
# Starts (or reuses) a real Kubernetes control plane on 127.0.0.1, with KWOK virtual nodes:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, metrics-server
# (registered as the aggregated API v1beta1.metrics.k8s.io, so `kubectl top` and the HPA work).
# Builds the binaries first if they are not cached (see build.sh). Idempotent: when the
# control plane is already running and healthy it says so and exits at once; stale state from
# a crash is cleaned up and the cluster started fresh.
#
# Environment: SIMENV_CLUSTER_DIR (state dir, default <repo>/.cluster), SIMENV_CACHE_DIR,
# SIMENV_CLUSTER_NODES (default 4), SIMENV_APISERVER_PORT (default 16443), and the other ports
# in lib.sh. Options: --fresh (stop and wipe a running cluster first).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "${CP_DIR}/pki.sh"

parse_flag_args FRESH --fresh 2,11 "$@"

START_TIMEOUT="${SIMENV_CLUSTER_START_TIMEOUT:-120}"
KUBECONFIG_PATH="${CLUSTER_DIR}/kubeconfig"

print_usage_hint() {
  log "kubeconfig: ${KUBECONFIG_PATH} (kubectl: ${BIN_DIR}/kubectl)"
  echo "    export KUBECONFIG=${KUBECONFIG_PATH}"
}

# --- process start/wait helpers
start_component() { # <name> <args...>
  local name="$1"
  shift
  local bin="${BIN_DIR}/${name}" pf lf
  [[ "${name}" != metrics-server ]] || bin="${METRICS_SERVER_BIN_DIR}/${name}"
  pf="$(pid_file "${name}")"
  lf="$(log_file "${name}")"
  echo "=== $(date -u +%FT%TZ) starting ${name}: ${bin} $*" >>"${lf}"
  # setsid: the component outlives this script and the terminal or test runner that ran it.
  # The lock descriptors (8, 9) are closed so a running cluster never holds the up/down lock.
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "${pf}" "${bin}" "$@" \
    </dev/null >>"${lf}" 2>&1 8>&- 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "${pf}" ]] && break
    sleep 0.1
  done
  log "started ${name} (pid $(cat "${pf}" 2>/dev/null || echo '?'), log ${lf})"
}

# <name> <description> <check command...>: polls until the check passes, the process dies,
# or START_TIMEOUT passes.
wait_for() {
  local name="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + START_TIMEOUT)) start="${SECONDS}"
  until "$@" >/dev/null 2>&1; do
    if ! component_pid "${name}" >/dev/null; then
      tail_log "${name}"
      die "${name} exited while waiting for ${what}; its log: $(log_file "${name}")"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "${name}"
      die "timed out after ${START_TIMEOUT}s waiting for ${name}: ${what}; its log: $(log_file "${name}")"
    fi
    sleep 0.25
  done
  log "${name}: ${what} ($((SECONDS - start))s)"
}

http_ok() { [[ "$(curl -sS --max-time 3 "$1" 2>/dev/null)" == "$2" ]]; }
https_ok() { [[ "$(curl -sSk --max-time 3 "$1" 2>/dev/null)" == "ok" ]]; }

KUBECTL=("${BIN_DIR}/kubectl" --kubeconfig "${KUBECONFIG_PATH}" --cache-dir "${CLUSTER_DIR}/kubectl-cache" --request-timeout=20s)

# --- virtual nodes (kwok-node-0..N-1), in SimKube's shape: annotation kwok.x-k8s.io/node=fake
# (kwok manages them), label type=virtual, taint kwok-provider=true:NoSchedule.
ensure_nodes() {
  local nodes_yaml="${CLUSTER_DIR}/config/nodes.yaml" i
  : >"${nodes_yaml}"
  for ((i = 0; i < NODE_COUNT; i++)); do
    cat >>"${nodes_yaml}" <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-${i}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
    metrics.k8s.io/resource-metrics-path: /metrics/nodes/kwok-node-${i}/metrics/resource
  labels:
    type: virtual
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-${i}
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
spec:
  taints:
  - key: kwok-provider
    value: "true"
    effect: NoSchedule
status:
  capacity:
    cpu: "36"
    memory: 72Gi
    pods: "110"
  allocatable:
    cpu: "35"
    memory: 71Gi
    pods: "110"
EOF
  done
  "${KUBECTL[@]}" apply -f "${nodes_yaml}" >>"$(log_file kubectl)" 2>&1 ||
    { tail -n 20 "$(log_file kubectl)" >&2; die "creating the virtual nodes failed (see $(log_file kubectl))"; }
  log "applied ${NODE_COUNT} virtual node(s) kwok-node-0..$((NODE_COUNT - 1))"
}

nodes_ready() {
  local n
  n="$("${KUBECTL[@]}" get nodes -l type=virtual \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c '^True$' || true)"
  [[ "${n}" -ge "${NODE_COUNT}" ]]
}

lock_cluster

# --- already running?
if [[ "${FRESH}" == 0 ]] && all_components_alive && apiserver_ready; then
  if ! nodes_ready; then
    log "control plane running, but fewer than ${NODE_COUNT} virtual nodes are Ready: re-applying them"
    ensure_nodes
    wait_for kwok "${NODE_COUNT} virtual node(s) Ready" nodes_ready
  fi
  log "control plane already running and healthy in ${CLUSTER_DIR} (apiserver https://127.0.0.1:${APISERVER_PORT})"
  print_usage_hint
  exit 0
fi

# --- host tools (a fresh Debian machine may lack them)
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v flock >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing tools: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})"
  fi
fi

# --- binaries
if have_all_binaries && have_metrics_server; then built_now=0; else built_now=1; fi
bash "${CP_DIR}/build.sh"

up_start="${SECONDS}"

# --- stale state from an earlier run
if any_component_state || [[ -d "${CLUSTER_DIR}" ]]; then
  if [[ "${FRESH}" == 1 ]]; then
    log "--fresh: stopping the running control plane and wiping ${CLUSTER_DIR}"
  else
    log "found stale state in ${CLUSTER_DIR} (not all components running/healthy); cleaning it up and starting fresh"
  fi
  stop_all 10
  remove_state_dir
  up_start="${SECONDS}"
fi

# --- ports must be free (another cluster, another tool)
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "${APISERVER_PORT}" "${ETCD_CLIENT_PORT}" "${ETCD_PEER_PORT}" "${CONTROLLER_MANAGER_PORT}" "${SCHEDULER_PORT}" "${KWOK_PORT}" "${METRICS_SERVER_PORT}"; do
  if port_in_use "${port}"; then
    die "port 127.0.0.1:${port} is already in use (another control plane? run 'npm run cluster:down', or choose other ports: see scripts/control-plane/README.md)"
  fi
done

# On failure from here on, stop whatever was started but keep the state dir for its logs (the
# next up.sh cleans it up).
on_exit() {
  local rc=$?
  if [[ "${rc}" != 0 ]]; then
    warn "start-up failed; stopping the components started so far (logs kept in ${CLUSTER_DIR}/logs)"
    stop_all 10 || true
  fi
  exit "${rc}"
}
trap on_exit EXIT

mkdir -p "${CLUSTER_DIR}"/{run,logs,etcd,config,flexvolume}
chmod 700 "${CLUSTER_DIR}" "${CLUSTER_DIR}/etcd"
echo "state dir of scripts/control-plane/up.sh (${REPO_ROOT}); down.sh deletes it" >"${CLUSTER_DIR}/${STATE_MARKER}"

log "generating certificates and kubeconfigs in ${CLUSTER_DIR}/pki"
generate_pki
write_kubeconfig "${KUBECONFIG_PATH}" simenv-admin admin
write_kubeconfig "${CLUSTER_DIR}/config/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
write_kubeconfig "${CLUSTER_DIR}/config/scheduler.kubeconfig" system:kube-scheduler scheduler
write_kubeconfig "${CLUSTER_DIR}/config/kwok.kubeconfig" kwok-controller kwok
write_kubeconfig "${CLUSTER_DIR}/config/metrics-server.kubeconfig" metrics-server metrics-server-client

# --- etcd
# A throwaway test cluster does not need fsync; it makes every write several times faster on
# small VMs. SIMENV_ETCD_FSYNC=1 turns fsync back on.
etcd_extra=()
[[ "${SIMENV_ETCD_FSYNC:-0}" == 1 ]] || etcd_extra+=(--unsafe-no-fsync)
start_component etcd \
  --name simenv \
  --data-dir "${CLUSTER_DIR}/etcd" \
  --listen-client-urls "http://127.0.0.1:${ETCD_CLIENT_PORT}" \
  --advertise-client-urls "http://127.0.0.1:${ETCD_CLIENT_PORT}" \
  --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-cluster "simenv=http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-cluster-state new \
  --quota-backend-bytes $((2 * 1024 * 1024 * 1024)) \
  "${etcd_extra[@]}" \
  --log-level warn
wait_for etcd "healthy on 127.0.0.1:${ETCD_CLIENT_PORT}" \
  bash -c "curl -sS --max-time 3 http://127.0.0.1:${ETCD_CLIENT_PORT}/health | grep -q '\"health\":\"true\"'"

# --- kube-apiserver
P="${CLUSTER_DIR}/pki"
start_component kube-apiserver \
  --etcd-servers "http://127.0.0.1:${ETCD_CLIENT_PORT}" \
  --bind-address 127.0.0.1 \
  --secure-port "${APISERVER_PORT}" \
  --advertise-address 127.0.0.1 \
  --endpoint-reconciler-type none \
  --service-cluster-ip-range "${SERVICE_CIDR}" \
  --client-ca-file "${P}/ca.crt" \
  --tls-cert-file "${P}/apiserver.crt" \
  --tls-private-key-file "${P}/apiserver.key" \
  --kubelet-client-certificate "${P}/apiserver-kubelet-client.crt" \
  --kubelet-client-key "${P}/apiserver-kubelet-client.key" \
  --requestheader-client-ca-file "${P}/front-proxy-ca.crt" \
  --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User \
  --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "${P}/front-proxy-client.crt" \
  --proxy-client-key-file "${P}/front-proxy-client.key" \
  --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "${P}/sa.pub" \
  --service-account-signing-key-file "${P}/sa.key" \
  --allow-privileged=true \
  --profiling=false \
  --max-requests-inflight 800 \
  --max-mutating-requests-inflight 400 \
  --event-ttl 15m \
  --v 1
wait_for kube-apiserver "/readyz ok on https://127.0.0.1:${APISERVER_PORT}" apiserver_ready

# --- kube-controller-manager
start_component kube-controller-manager \
  --kubeconfig "${CLUSTER_DIR}/config/controller-manager.kubeconfig" \
  --authentication-kubeconfig "${CLUSTER_DIR}/config/controller-manager.kubeconfig" \
  --authorization-kubeconfig "${CLUSTER_DIR}/config/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 \
  --secure-port "${CONTROLLER_MANAGER_PORT}" \
  --leader-elect=false \
  --controllers '*' \
  --use-service-account-credentials=true \
  --service-account-private-key-file "${P}/sa.key" \
  --root-ca-file "${P}/ca.crt" \
  --cluster-signing-cert-file "${P}/ca.crt" \
  --cluster-signing-key-file "${P}/ca.key" \
  --service-cluster-ip-range "${SERVICE_CIDR}" \
  --cluster-cidr "${CLUSTER_CIDR}" \
  --allocate-node-cidrs=false \
  --flex-volume-plugin-dir "${CLUSTER_DIR}/flexvolume" \
  --horizontal-pod-autoscaler-sync-period 15s \
  --horizontal-pod-autoscaler-downscale-stabilization 5m0s \
  --horizontal-pod-autoscaler-tolerance 0.1 \
  --horizontal-pod-autoscaler-cpu-initialization-period 5m0s \
  --horizontal-pod-autoscaler-initial-readiness-delay 30s \
  --kube-api-qps 100 \
  --kube-api-burst 200 \
  --profiling=false \
  --v 1

# --- kube-scheduler
start_component kube-scheduler \
  --kubeconfig "${CLUSTER_DIR}/config/scheduler.kubeconfig" \
  --authentication-kubeconfig "${CLUSTER_DIR}/config/scheduler.kubeconfig" \
  --authorization-kubeconfig "${CLUSTER_DIR}/config/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 \
  --secure-port "${SCHEDULER_PORT}" \
  --leader-elect=false \
  --kube-api-qps 100 \
  --kube-api-burst 200 \
  --profiling=false \
  --v 1

# --- kwok: manages nodes annotated kwok.x-k8s.io/node=fake, with SimKube's pod Stages, KWOK's
# default node Stages, and KWOK's resource-usage emulation (ClusterResourceUsage from pod
# annotations, and a Metric serving each node's kubelet-style /metrics/resource), all in
# scripts/control-plane/kwok/*.yml. --node-port puts the kwok server's port into each node's
# status (daemonEndpoints), where metrics-server finds the "kubelet"; it serves TLS with a
# certificate from our CA.
kwok_configs=()
for f in "${CP_DIR}"/kwok/*.yml; do
  kwok_configs+=(--config "${f}")
done
start_component kwok \
  --kubeconfig "${CLUSTER_DIR}/config/kwok.kubeconfig" \
  "${kwok_configs[@]}" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --server-address "127.0.0.1:${KWOK_PORT}" \
  --node-port "${KWOK_PORT}" \
  --tls-cert-file "${P}/kwok-serving.crt" \
  --tls-private-key-file "${P}/kwok-serving.key" \
  --cidr 10.244.0.1/16 \
  --node-ip 127.0.0.1 \
  --node-lease-duration-seconds 40 \
  --v "${SIMENV_KWOK_LOG_LEVEL:-WARN}"

wait_for kube-controller-manager "/healthz ok on 127.0.0.1:${CONTROLLER_MANAGER_PORT}" \
  https_ok "https://127.0.0.1:${CONTROLLER_MANAGER_PORT}/healthz"
wait_for kube-scheduler "/healthz ok on 127.0.0.1:${SCHEDULER_PORT}" \
  https_ok "https://127.0.0.1:${SCHEDULER_PORT}/healthz"
wait_for kwok "/healthz ok on 127.0.0.1:${KWOK_PORT}" \
  http_ok "http://127.0.0.1:${KWOK_PORT}/healthz" ok

# --- virtual nodes, in SimKube's shape
ensure_nodes
wait_for kwok "${NODE_COUNT} virtual node(s) Ready" nodes_ready

# --- metrics-server, as kwokctl's binary runtime runs it: on the host, scraping each node's
# resource-metrics path (node annotation metrics.k8s.io/resource-metrics-path) at the kwok server
# (InternalIP 127.0.0.1, the daemonEndpoints port), every 15 s; registered as the aggregated API
# v1beta1.metrics.k8s.io through an ExternalName Service, verified with our CA (not insecure).
MS_KUBECONFIG="${CLUSTER_DIR}/config/metrics-server.kubeconfig"
start_component metrics-server \
  --kubeconfig "${MS_KUBECONFIG}" \
  --authentication-kubeconfig "${MS_KUBECONFIG}" \
  --authorization-kubeconfig "${MS_KUBECONFIG}" \
  --bind-address 127.0.0.1 \
  --secure-port "${METRICS_SERVER_PORT}" \
  --tls-cert-file "${P}/metrics-server.crt" \
  --tls-private-key-file "${P}/metrics-server.key" \
  --kubelet-preferred-address-types InternalIP \
  --kubelet-use-node-status-port \
  --kubelet-certificate-authority "${P}/ca.crt" \
  --metric-resolution 15s \
  --profiling=false \
  --v 1
wait_for metrics-server "/livez ok on 127.0.0.1:${METRICS_SERVER_PORT}" \
  https_ok "https://127.0.0.1:${METRICS_SERVER_PORT}/livez"
cat >"${CLUSTER_DIR}/config/metrics-apiservice.yaml" <<EOF
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
spec:
  type: ExternalName
  externalName: localhost
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  caBundle: $(base64 -w0 <"${P}/ca.crt")
  service:
    name: metrics-server
    namespace: kube-system
    port: ${METRICS_SERVER_PORT}
EOF
"${KUBECTL[@]}" apply -f "${CLUSTER_DIR}/config/metrics-apiservice.yaml" >>"$(log_file kubectl)" 2>&1 ||
  { tail -n 20 "$(log_file kubectl)" >&2; die "registering the metrics.k8s.io APIService failed (see $(log_file kubectl))"; }
# Available once the aggregator reaches metrics-server; metrics themselves follow one or two
# scrapes (15-30 s) later, which the cluster suite waits for where it needs them.
wait_for metrics-server "APIService v1beta1.metrics.k8s.io Available" \
  "${KUBECTL[@]}" wait --for=condition=Available --timeout=2s apiservice/v1beta1.metrics.k8s.io

# The default ServiceAccount in `default` shows that the controller manager's service-account
# controller runs (pods cannot be created in a namespace before it exists).
wait_for kube-controller-manager "ServiceAccount default/default exists" \
  "${KUBECTL[@]}" get serviceaccount default -n default

if [[ "${built_now}" == 1 ]]; then
  log "control plane up in $((SECONDS - up_start))s after the build ($((SECONDS - _t0))s in all)"
else
  log "warm start took $((SECONDS - up_start))s (binaries were cached)"
fi
log "apiserver https://127.0.0.1:${APISERVER_PORT}; state, logs and pid files in ${CLUSTER_DIR}"
print_usage_hint
trap - EXIT
