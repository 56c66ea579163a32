// cpeer: a C process using glibc's robust process-shared pthread mutexes on a file that the
// Go tests map too. Usage: cpeer FILE OFF CMD... ; commands run in order and print results.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storm.h"

static pthread_mutex_t *mu;
static unsigned char *base;

static void init_mutex(pthread_mutex_t *m) {
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	int rc = pthread_mutex_init(m, &a);
	printf("init %d\n", rc);
}

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

// storm runs n critical sections as worker w, SIGKILLing itself inside section killat.
static void storm(int w, int n, int killat) {
	struct storm *s = (struct storm *)(base + STORM_STATE);
	for (int i = 0; i < n; i++) {
		int rc = pthread_mutex_lock(mu);
		if (rc == EOWNERDEAD) {
			s->recoveries++;
			if (s->inflight) { // roll the dead worker's half-done section back
				s->counter = s->saved_counter;
				s->done[s->inflight - 1] = s->saved_done;
				s->inflight = 0;
			}
			pthread_mutex_consistent(mu);
		} else if (rc != 0) {
			printf("lock %d\n", rc);
			exit(1);
		}
		s->saved_counter = s->counter;
		s->saved_done = s->done[w];
		s->inflight = w + 1;
		uint64_t c = s->counter;
		for (volatile int k = 0; k < STORM_SPIN; k++) {
		}
		s->counter = c + 1;
		if (i == killat)
			raise(SIGKILL);
		s->done[w]++;
		s->inflight = 0;
		pthread_mutex_unlock(mu);
	}
	printf("storm done\n");
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: cpeer FILE OFF CMD...\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror("open");
		return 2;
	}
	struct stat st;
	fstat(fd, &st);
	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	mu = (pthread_mutex_t *)(base + atoi(argv[2]));
	for (int i = 3; i < argc; i++) {
		const char *c = argv[i];
		if (!strcmp(c, "init"))
			init_mutex(mu);
		else if (!strcmp(c, "lock"))
			printf("lock %d\n", pthread_mutex_lock(mu));
		else if (!strcmp(c, "trylock"))
			printf("trylock %d\n", pthread_mutex_trylock(mu));
		else if (!strcmp(c, "unlock"))
			printf("unlock %d\n", pthread_mutex_unlock(mu));
		else if (!strcmp(c, "consistent"))
			printf("consistent %d\n", pthread_mutex_consistent(mu));
		else if (!strcmp(c, "owner"))
			printf("owner %d lock %#x\n", mu->__data.__owner, (unsigned)mu->__data.__lock);
		else if (!strcmp(c, "ready"))
			printf("ready %d\n", (int)getpid());
		else if (!strcmp(c, "hold"))
			for (;;)
				pause();
		else if (!strcmp(c, "die"))
			raise(SIGKILL);
		else if (!strcmp(c, "exit"))
			_exit(0);
		else if (!strcmp(c, "storm") && i + 3 < argc) {
			storm(atoi(argv[i + 1]), atoi(argv[i + 2]), atoi(argv[i + 3]));
			i += 3;
		} else if (!strcmp(c, "bench") && i + 1 < argc) {
			long n = atol(argv[++i]);
			uint64_t t0 = now_ns();
			for (long k = 0; k < n; k++) {
				pthread_mutex_lock(mu);
				pthread_mutex_unlock(mu);
			}
			printf("ns/op %.3f\n", (double)(now_ns() - t0) / (double)n);
		} else if (!strcmp(c, "layout")) {
			pthread_mutex_t m;
			init_mutex(&m);
			printf("sizeof %zu align %zu lock %zu count %zu owner %zu nusers %zu kind %zu spins %zu prev %zu next %zu kindval %d\n",
			       sizeof(pthread_mutex_t), _Alignof(pthread_mutex_t),
			       offsetof(pthread_mutex_t, __data.__lock), offsetof(pthread_mutex_t, __data.__count),
			       offsetof(pthread_mutex_t, __data.__owner), offsetof(pthread_mutex_t, __data.__nusers),
			       offsetof(pthread_mutex_t, __data.__kind), offsetof(pthread_mutex_t, __data.__spins),
			       offsetof(pthread_mutex_t, __data.__list.__prev), offsetof(pthread_mutex_t, __data.__list.__next),
			       m.__data.__kind);
		} else {
			fprintf(stderr, "cpeer: unknown command %s\n", c);
			return 2;
		}
	}
	return 0;
}
