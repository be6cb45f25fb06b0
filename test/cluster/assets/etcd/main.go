// Command etcd is upstream's etcd entry point (the same two lines as the
// etcd repository's main.go), built from the published server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
