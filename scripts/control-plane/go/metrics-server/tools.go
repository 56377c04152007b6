//go:build tools

// Package tools pins the main package that build.sh compiles (metrics-server), so that
// `go mod tidy` keeps it and everything it imports in go.mod and go.sum.
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
