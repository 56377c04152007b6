#!/usr/bin/env bash
# Re-pins the control plane's versions: rewrites go/kube/go.mod (k8s.io/kubernetes, its staging
# modules via replace lines, and etcd at the version that Kubernetes release itself uses) and/or
# go/kwok/go.mod, then runs `go mod tidy` to refresh go.sum. Commit both go.mod and go.sum.
#
#   scripts/control-plane/go/pin.sh --k8s v1.33.13 --kwok v0.7.0
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GO="$(command -v go || echo /usr/local/go/bin/go)"
K8S="" KWOK=""
while (($#)); do
  case "$1" in
    --k8s) K8S="$2"; shift 2 ;;
    --kwok) KWOK="$2"; shift 2 ;;
    *) echo "usage: $0 [--k8s vX.Y.Z] [--kwok vX.Y.Z]" >&2; exit 2 ;;
  esac
done
[[ -n "${K8S}${KWOK}" ]] || { echo "usage: $0 [--k8s vX.Y.Z] [--kwok vX.Y.Z]" >&2; exit 2; }
export GOFLAGS=-mod=mod

if [[ -n "${K8S}" ]]; then
  staging="v0.${K8S#v1.}"
  upstream="$(mktemp)"
  trap 'rm -f "${upstream}"' EXIT
  # k8s.io/kubernetes' own go.mod: the staging module list and the etcd version it builds with.
  "${GO}" mod download -json "k8s.io/kubernetes@${K8S}" >/dev/null
  cp "$("${GO}" env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/${K8S}.mod" "${upstream}"
  etcd="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "${upstream}")"
  [[ -n "${etcd}" ]] || { echo "cannot find the etcd server version in k8s.io/kubernetes@${K8S}'s go.mod" >&2; exit 1; }
  {
    echo "// Wrapper module: builds the Kubernetes control plane (and etcd, at the version that"
    echo "// Kubernetes release itself uses) for simenv's loopback test cluster"
    echo "// (scripts/control-plane/build.sh). The versions here are the only pins; change them with"
    echo "// scripts/control-plane/go/pin.sh."
    echo "module simenv.local/control-plane"
    echo
    echo "go 1.24.0"
    echo
    echo "require ("
    echo "	go.etcd.io/etcd/server/v3 ${etcd}"
    echo "	k8s.io/kubernetes ${K8S}"
    echo ")"
    echo
    echo "// k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local"
    echo "// directories; a consumer must replace them with the published versions."
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "${upstream}" | grep '=>' | awk -v s="${staging}" '{ print "\t" $1 " => " $1 " " s }'
    echo ")"
  } >"${HERE}/kube/go.mod"
  rm -f "${HERE}/kube/go.sum"
  (cd "${HERE}/kube" && "${GO}" mod tidy)
  echo "pinned Kubernetes ${K8S} (staging ${staging}), etcd ${etcd}"
fi

if [[ -n "${KWOK}" ]]; then
  sed -i -E "s#^require sigs.k8s.io/kwok v.*#require sigs.k8s.io/kwok ${KWOK}#" "${HERE}/kwok/go.mod"
  # Drop the indirect requirements so that tidy recomputes them for the new version.
  awk 'BEGIN { skip = 0 } /^require \($/ { skip = 1; next } skip && /^\)$/ { skip = 0; next } !skip' \
    "${HERE}/kwok/go.mod" >"${HERE}/kwok/go.mod.new" && mv "${HERE}/kwok/go.mod.new" "${HERE}/kwok/go.mod"
  rm -f "${HERE}/kwok/go.sum"
  (cd "${HERE}/kwok" && "${GO}" mod tidy)
  echo "pinned kwok ${KWOK}"
fi
