# shellcheck shell=bash
# Certificates and kubeconfigs for the loopback control plane (sourced by up.sh after lib.sh).
# One self-signed CA signs every serving and client certificate; nothing here is meant to be
# secure beyond "only this machine's users can reach 127.0.0.1 and read the state dir".

PKI_DIR="${CLUSTER_DIR}/pki"
CERT_DAYS=3650

_openssl() {
  openssl "$@" 2>>"${PKI_DIR}/openssl.log" || die "openssl $1 failed; see ${PKI_DIR}/openssl.log"
}

# ECDSA P-256 keys: generated in milliseconds (RSA 2048 takes ~0.5 s each on a small VM) and
# accepted everywhere here (TLS, client certificates, ES256 service-account tokens).
_new_key() { # <name>
  _openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
    -out "${PKI_DIR}/$1.key"
  chmod 600 "${PKI_DIR}/$1.key"
}

# <name> <subject> <extensions (one per line)> [<signing CA name, default ca>]
_sign() {
  local name="$1" subj="$2" ext="$3" ca="${4:-ca}"
  _new_key "${name}"
  _openssl req -new -key "${PKI_DIR}/${name}.key" -subj "${subj}" -out "${PKI_DIR}/${name}.csr"
  printf '%s\n' "${ext}" >"${PKI_DIR}/${name}.ext"
  _openssl x509 -req -in "${PKI_DIR}/${name}.csr" -CA "${PKI_DIR}/${ca}.crt" -CAkey "${PKI_DIR}/${ca}.key" \
    -CAcreateserial -days "${CERT_DAYS}" -sha256 -extfile "${PKI_DIR}/${name}.ext" -out "${PKI_DIR}/${name}.crt"
  rm -f "${PKI_DIR}/${name}.csr" "${PKI_DIR}/${name}.ext"
}

_client_cert() { # <name> <subject> [<signing CA name>]
  _sign "$1" "$2" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth" "${3:-ca}"
}

_self_signed_ca() { # <name> <common name>
  _new_key "$1"
  _openssl req -x509 -new -key "${PKI_DIR}/$1.key" -subj "/CN=$2" -days "${CERT_DAYS}" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${PKI_DIR}/$1.crt"
}

# First IP of the service range: the ClusterIP of the `kubernetes` Service.
_first_service_ip() {
  local base="${SERVICE_CIDR%/*}" a b c d
  IFS=. read -r a b c d <<<"${base}"
  echo "${a}.${b}.${c}.$((d + 1))"
}

generate_pki() {
  mkdir -p "${PKI_DIR}"
  chmod 700 "${PKI_DIR}"
  : >"${PKI_DIR}/openssl.log"

  _self_signed_ca ca simenv-loopback-ca
  # Front-proxy (request-header) CA and the apiserver's aggregator client certificate: the
  # controller manager and scheduler read this CA from kube-system/extension-apiserver-authentication
  # for their delegated authentication, and complain in a loop when it is missing.
  _self_signed_ca front-proxy-ca simenv-loopback-front-proxy-ca
  _client_cert front-proxy-client "/CN=front-proxy-client" front-proxy-ca

  # kube-apiserver serving certificate: loopback names only (plus the in-cluster names that
  # clients inside the cluster would use, which no process here actually dials).
  _sign apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:$(_first_service_ip)"

  # Client certificates. The RBAC bootstrap policy binds system:kube-controller-manager and
  # system:kube-scheduler to their roles; admin and kwok are cluster admins (system:masters).
  _client_cert admin "/O=system:masters/CN=simenv-admin"
  _client_cert controller-manager "/CN=system:kube-controller-manager"
  _client_cert scheduler "/CN=system:kube-scheduler"
  _client_cert kwok "/O=system:masters/CN=kwok-controller"
  # metrics-server: a serving certificate for the aggregated metrics.k8s.io API (the aggregator
  # dials the ExternalName service and checks the name <service>.<namespace>.svc) and a client
  # identity; like kwokctl's binary runtime it acts as a cluster admin (it reads nodes, pods and
  # the request-header configuration in kube-system).
  _sign metrics-server "/CN=metrics-server" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:metrics-server.kube-system.svc,DNS:metrics-server.kube-system.svc.cluster.local"
  _client_cert metrics-server-client "/O=system:masters/CN=metrics-server"
  # kwok's serving certificate: its server is each virtual node's "kubelet" endpoint
  # (127.0.0.1:<kwok port>) that metrics-server scrapes and verifies against the CA.
  _sign kwok-serving "/CN=kwok-kubelet" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  # The apiserver's own client certificate for calls to kubelets (there are none: KWOK nodes).
  _client_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"

  # Service-account token signing key pair (TokenRequest API, bound tokens).
  _new_key sa
  _openssl pkey -in "${PKI_DIR}/sa.key" -pubout -out "${PKI_DIR}/sa.pub"
  rm -f "${PKI_DIR}"/*.srl
}

# <file> <user> <cert name>: a self-contained kubeconfig (certificates embedded).
write_kubeconfig() {
  local file="$1" user="$2" cert="$3"
  local b64=(base64 -w0)
  cat >"${file}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: simenv
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority-data: $("${b64[@]}" <"${PKI_DIR}/ca.crt")
users:
- name: ${user}
  user:
    client-certificate-data: $("${b64[@]}" <"${PKI_DIR}/${cert}.crt")
    client-key-data: $("${b64[@]}" <"${PKI_DIR}/${cert}.key")
contexts:
- name: simenv
  context:
    cluster: simenv
    user: ${user}
    namespace: default
current-context: simenv
preferences: {}
EOF
  chmod 600 "${file}"
}
