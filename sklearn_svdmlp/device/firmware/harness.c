/*
 * The main() of sklearn_svdmlp.device's firmware. It predicts each row of
 * rows.h (written for the model by sklearn_svdmlp.device) and prints the
 * outputs over semihosting, one line per row, each prediction between two
 * calls of mark() that the instruction counter finds in QEMU's trace; then
 * the stack one prediction used, by painting.
 *
 * -DBASELINE: the same firmware with no prediction (what the model and the
 *   runtime add to flash and RAM is the difference);
 * -DCOUNTED_ROWS=n: only the first n rows, no painting (instruction counts).
 */
#include <stdint.h>

#include "rows.h"

void put(const char *text);
void put_int(long value);
void mark(void);
int main(void);

extern uint32_t __bss_end;

#ifdef COUNTED_ROWS
#define RUN_ROWS COUNTED_ROWS
#else
#define RUN_ROWS N_ROWS
#endif

/* Painting: up to 64 KB below the caller, never into static data. */
#define PAINT 0xA5A5A5A5u
#define PAINT_WORDS 16384u
#define MARGIN_WORDS 16

static void predict(const row_t *x, output_t *y)
{
#ifdef BASELINE
    int j;
    __asm__ volatile("" : : "r"(x) : "memory"); /* the rows stay linked */
    for (j = 0; j < N_OUTPUTS; j++) {
        y[j] = 0;
    }
#else
    PREDICT(x, y);
#endif
}

static void put_output(const output_t *y)
{
#if OUTPUT_IS_FLOAT
    int32_t bits; /* the float's bits, printed exactly */
    __builtin_memcpy(&bits, y, sizeof bits);
    put_int(bits);
#else
    put_int(*y);
#endif
}

#ifndef COUNTED_ROWS
/* The bytes below this frame one prediction wrote; -1 past the painting. */
static long used_stack(void)
{
    output_t y[N_OUTPUTS];
    uint32_t *sp, *p, *bottom;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    bottom = &__bss_end;
    if ((uintptr_t)sp - (uintptr_t)bottom > 4 * PAINT_WORDS) {
        bottom = sp - PAINT_WORDS;
    }
    for (p = bottom; p < sp - MARGIN_WORDS; p++) {
        *p = PAINT;
    }
    predict(rows[0], y);
    for (p = bottom; p < sp - MARGIN_WORDS && *p == PAINT; p++) {
    }
    return p == bottom ? -1 : (long)((sp - p) * 4);
}
#endif

int main(void)
{
    output_t y[N_OUTPUTS];
    int r, j;
    mark();
    mark();
    for (r = 0; r < RUN_ROWS; r++) {
        mark();
        predict(rows[r], y);
        mark();
        for (j = 0; j < N_OUTPUTS; j++) {
            put_output(&y[j]);
            put(" ");
        }
        put("\n");
    }
#ifndef COUNTED_ROWS
    put("stack ");
    put_int(used_stack());
    put("\n");
#endif
    return 0;
}
