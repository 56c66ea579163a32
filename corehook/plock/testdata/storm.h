// The storm test's shared state, after the mutex's 64-byte slot (Go: stormState in the tests).
#include <stdint.h>
#define STORM_STATE 64
#define STORM_SPIN 2000
struct storm {
	uint64_t counter;
	uint64_t recoveries;
	uint64_t inflight; // worker+1 while a section is half done
	uint64_t saved_counter;
	uint64_t saved_done;
	uint64_t pad[3];
	uint64_t done[64];
};
