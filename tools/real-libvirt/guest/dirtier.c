/*
 * The lab guest's workload: hold N MiB of memory and write to it at
 * R MiB/s (one byte in every 4 KiB page, so each write dirties a page),
 * printing a heartbeat line once a second.  R = 0 leaves the memory alone.
 *
 *   dirtier N R
 *
 * With R > 0 the program never sleeps: it polls the clock and writes
 * the pages due for the time it actually ran, catching up at most
 * CATCH_UP seconds after a gap (the vCPU was descheduled or throttled).
 * So it is a CPU-bound writer, which QEMU's auto-converge (throttling the
 * vCPU) slows down.
 *
 * It also checks that no write is lost: round after round it writes the
 * round's stamp into every page, so before each write a page must still
 * hold the previous round's stamp.  A page that holds anything else lost
 * a write (a migration that did not carry the page's last contents): the
 * first few are printed as "dirtier: LOST WRITE ...", and the heartbeat
 * counts them.  With R = 0 the whole area is checked at each heartbeat.
 *
 * The tests read the heartbeat from the serial console to know the guest
 * is alive and intact; "ready" is printed once the memory is allocated
 * and touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define CATCH_UP 0.001
#define REPORTED 5

static unsigned long lost;

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check(volatile unsigned char *mem, unsigned long page,
                  unsigned char want)
{
    unsigned char got = mem[page * PAGE];

    if (got == want)
        return;
    if (++lost <= REPORTED) {
        printf("dirtier: LOST WRITE page %lu holds %u, expected %u\n",
               page, got, want);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    double rate = argc > 2 ? strtod(argv[2], NULL) : 0.0;
    unsigned long npages = (mib << 20) / PAGE;
    volatile unsigned char *mem = malloc(npages * PAGE);
    unsigned long page, written = 0, beat = 0;
    /* Every page holds stamp - 1 until this round writes stamp over it. */
    unsigned char stamp = 1;
    double last, next_beat, owed = 0.0;

    if (mem == NULL || npages == 0) {
        printf("dirtier: cannot hold %lu MiB\n", mib);
        return 1;
    }
    for (page = 0; page < npages; page++)
        mem[page * PAGE] = stamp;
    stamp++;
    page = 0;
    printf("dirtier: ready mib=%lu rate=%.1f\n", mib, rate);
    fflush(stdout);

    last = seconds();
    next_beat = last + 1.0;
    for (;;) {
        double now = seconds();
        double ran = now - last;

        last = now;
        if (rate > 0.0) {
            /* Pages owed for the time since the last tick, capped. */
            owed += (ran < CATCH_UP ? ran : CATCH_UP) * rate * 256.0;
            while (owed >= 1.0) {
                check(mem, page, (unsigned char)(stamp - 1));
                mem[page * PAGE] = stamp;
                if (++page == npages) {
                    page = 0;
                    stamp++;
                }
                written++;
                owed -= 1.0;
            }
        } else {
            usleep(200000);
        }
        if (now >= next_beat) {
            unsigned long p;

            if (rate <= 0.0)
                for (p = 0; p < npages; p++)
                    check(mem, p, (unsigned char)(stamp - 1));
            beat++;
            printf("heartbeat %lu written=%luMiB lost=%lu\n", beat,
                   written / 256, lost);
            fflush(stdout);
            next_beat = now + 1.0;
        }
    }
}
