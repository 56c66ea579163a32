// Command quirk finds and proves Unix behaviours that surprise careful people.
//
// It is one binary with a flat set of subcommands; see Main.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
