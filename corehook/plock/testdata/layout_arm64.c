// Compiled with aarch64-linux-gnu-gcc -S only: the constants land in the assembly as "@@@ name #value".
#include <pthread.h>
#include <stddef.h>
#define K(name, v) __asm__ volatile("@@@ " name " %0" ::"i"(v))
void layout(void) {
	K("sizeof", sizeof(pthread_mutex_t));
	K("align", _Alignof(pthread_mutex_t));
	K("lock", offsetof(pthread_mutex_t, __data.__lock));
	K("count", offsetof(pthread_mutex_t, __data.__count));
	K("owner", offsetof(pthread_mutex_t, __data.__owner));
	K("nusers", offsetof(pthread_mutex_t, __data.__nusers));
	K("kind", offsetof(pthread_mutex_t, __data.__kind));
	K("spins", offsetof(pthread_mutex_t, __data.__spins));
	K("prev", offsetof(pthread_mutex_t, __data.__list.__prev));
	K("next", offsetof(pthread_mutex_t, __data.__list.__next));
	K("robust", PTHREAD_MUTEX_ROBUST);
}
