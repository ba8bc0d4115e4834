/*
 * The stack the C library's routines that a model and the runtime may call
 * take, painted on an emulated core (sklearn_svdmlp.device._stack_frames):
 * each group of routines on a few inputs, its deepest printed by name.
 */
#include <stdint.h>
#include <math.h>
#include <string.h>
void put(const char *text);
void put_int(long value);
void mark(void);
int main(void);
volatile float sink_f;
volatile int sink_i;
static char block[256];
static const float inputs[] = {0.0f, 0.5f, -0.5f, 1.0f, -3.0f, 9.5f, -9.5f,
                               30.0f, -30.0f, 88.5f, -104.0f, 1e-30f, 1e30f};
volatile int64_t sink_l;
__attribute__((noinline)) static void math(float x)
{
    sink_f = expf(x);
    sink_f = tanhf(x);
    sink_f = ldexpf(x, 7);
    sink_f = ldexpf(x, -30);
}
__attribute__((noinline)) static void arithmetic(float x)
{
    volatile float y = x * 0.75f + 0.25f;
    sink_f = x * y + x / y - (x - y);
    sink_i = (int)x + (x < y) + (x == y) + (x > y) + (x != x);
    sink_f = (float)sink_i + (float)(unsigned)sink_i;
}
__attribute__((noinline)) static void wide(float x)
{
    volatile int64_t a = (int64_t)sink_i * 977 + 3, b = 1 + (sink_i & 7);
    (void)x;
    sink_l = a * b + (a >> (b & 31)) + (a << (b & 31));
    sink_l += (int64_t)((uint64_t)a >> (b & 31));
}
__attribute__((noinline)) static void division(float x)
{
    volatile int64_t a = (int64_t)sink_i * 977 + 3, b = 1 + (sink_i & 7);
    volatile int32_t c = 1 + (sink_i & 15);
    (void)x;
    sink_l = a / b + a % b + (int64_t)((uint64_t)a / (uint64_t)b);
    sink_i = sink_i / c + sink_i % c + (int)((unsigned)sink_i / (unsigned)c);
}
__attribute__((noinline)) static void memory(float x)
{
    memset(block, (int)x, sizeof block);
}
__attribute__((noinline)) static long painted(void (*routine)(float), float x)
{
    uint32_t *sp, *p;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (p = sp - 2048; p < sp - 16; p++) {
        *p = 0xA5A5A5A5u;
    }
    routine(x);
    for (p = sp - 2048; p < sp - 16 && *p == 0xA5A5A5A5u; p++) {
    }
    return (long)((sp - p) * 4);
}
static void measure(const char *name, void (*routine)(float))
{
    long most = 0;
    unsigned i;
    for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        long used = painted(routine, inputs[i]);
        most = used > most ? used : most;
    }
    put(name);
    put(" ");
    put_int(most);
    put("\n");
}
int main(void)
{
    measure("math", math);
    measure("arithmetic", arithmetic);
    measure("wide", wide);
    measure("division", division);
    measure("memory", memory);
    return 0;
}
