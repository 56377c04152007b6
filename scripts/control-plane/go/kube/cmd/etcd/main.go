// Command etcd is the etcd server, built from go.etcd.io/etcd/server/v3 at the version pinned
// in ../../go.mod. It is the same program as etcd's own main.go (which lives in the root
// go.etcd.io/etcd/v3 module, not published in a form that `go build` can consume easily).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
