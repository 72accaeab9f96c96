/*
 * enospc.c: an LD_PRELOAD library for tests.  Once the process has
 * written ENOSPC_AFTER bytes (environment) to regular files, write(2)
 * fails with ENOSPC, as on a file system that has filled up.
 *
 *	cc -shared -fPIC -o enospc.so enospc.c -ldl
 *	ENOSPC_AFTER=4096 LD_PRELOAD=./enospc.so prog ...
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static long long written;

ssize_t
write(int fd, const void *p, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *lim = getenv("ENOSPC_AFTER");
	struct stat st;

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))
		    dlsym(RTLD_NEXT, "write");
	if (lim != NULL && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		long long max = atoll(lim);

		if (written >= max) {
			errno = ENOSPC;
			return -1;
		}
		if (written + (long long)n > max)
			n = (size_t)(max - written);
		written += (long long)n;
	}
	return real(fd, p, n);
}
