/*
 * Bare-metal start-up for QEMU's Cortex-M boards (sklearn_svdmlp.device):
 * the vector table, a reset handler that sets up memory (and the FPU where
 * there is one) and calls main(), and semihosting to print and to exit
 * with main()'s status. No floating point here.
 */
#include <stdint.h>

extern uint32_t __stack_top, __data_load, __data_start, __data_end;
extern uint32_t __bss_start, __bss_end;

int main(void);
void put(const char *text);
void put_int(long value);
void mark(void);

/* One ARM semihosting call: op in r0, its argument block in r1. */
static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void put(const char *text)
{
    semihost(0x04, text); /* SYS_WRITE0 */
}

void put_int(long value)
{
    char text[24];
    char *end = text + sizeof text - 1;
    unsigned long magnitude = value < 0 ? 0UL - (unsigned long)value : (unsigned long)value;
    *end = '\0';
    do {
        *--end = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0) {
        *--end = '-';
    }
    put(end);
}

/* A call the instruction counter finds in the trace: around each prediction. */
__attribute__((noinline)) void mark(void)
{
    __asm__ volatile("" ::: "memory");
}

static void stop(int status)
{
    uint32_t block[2] = {0x20026, (uint32_t)status}; /* ApplicationExit */
    semihost(0x20, block);                           /* SYS_EXIT_EXTENDED */
    for (;;) {
    }
}

void Reset_Handler(void);
void Reset_Handler(void)
{
    uint32_t *source = &__data_load, *target = &__data_start;
    while (target < &__data_end) {
        *target++ = *source++;
    }
    for (target = &__bss_start; target < &__bss_end;) {
        *target++ = 0;
    }
#ifdef __ARM_FP
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20; /* CPACR: CP10, CP11 on */
    __asm__ volatile("dsb\n\tisb");
#endif
    stop(main());
}

static void Fault_Handler(void)
{
    put("fault\n");
    stop(3);
}

__attribute__((section(".vectors"), used)) static void *const vectors[16] = {
    &__stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0,
    Fault_Handler, Fault_Handler,
};
