package netprobe_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/quirkcheck/quirk/netprobe"
)

// A server whose port no other socket can join or shadow: use
// netprobe.Listen where you would use net.Listen.
func ExampleListen() {
	ln, err := netprobe.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Println("serving on", ln.Addr().Network())
	// Output: serving on tcp
}
