/*
 * tempest's frozen clock: an LD_PRELOAD library for the pinned time-skipping test server. Its wall clock
 * (clock_gettime on CLOCK_REALTIME, gettimeofday, time) always answers one instant, TEMPEST_FROZEN_EPOCH_MS
 * (default 2026-01-01T00:00:00Z), so the server's virtual clock never runs with real time while time skipping is
 * locked: it moves only when tempest unlocks it, and then jumps exactly to the server's next timer task.
 * Monotonic clocks stay real, so timed waits and gRPC deadlines still work.
 *
 * `tempest setup` compiles it with the machine's C compiler: cc -O2 -shared -fPIC -o frozen-clock.so frozen-clock.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long frozen_ms = 1767225600000LL;
static int (*real_clock_gettime)(clockid_t, struct timespec *);

__attribute__((constructor)) static void init(void) {
  const char *at = getenv("TEMPEST_FROZEN_EPOCH_MS");
  if (at && *at) frozen_ms = atoll(at);
  real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
    ts->tv_sec = frozen_ms / 1000;
    ts->tv_nsec = (frozen_ms % 1000) * 1000000L;
    return 0;
  }
  return real_clock_gettime(id, ts);
}

int gettimeofday(struct timeval *tv, void *tz) {
  (void)tz;
  if (tv) {
    tv->tv_sec = frozen_ms / 1000;
    tv->tv_usec = (frozen_ms % 1000) * 1000L;
  }
  return 0;
}

time_t time(time_t *t) {
  time_t now = (time_t)(frozen_ms / 1000);
  if (t) *t = now;
  return now;
}
