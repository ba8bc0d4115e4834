/*
 * svdmlp.c: the runtime of networks exported by sklearn-svdmlp; see svdmlp.h.
 */
#include "svdmlp.h"

#include <math.h>
#include <string.h>

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#endif

/* Four bytes read as a word, alignment aside: a single load where the
   compiler knows memcpy (even with -ffreestanding, for GCC and Clang). */
#if defined(__GNUC__)
#define SVDMLP_COPY4(target, source) __builtin_memcpy(target, source, 4)
#define SVDMLP_INLINE inline __attribute__((always_inline))
#else
#define SVDMLP_COPY4(target, source) memcpy(target, source, 4)
#define SVDMLP_INLINE inline
#endif

/* Whether a float is +0 or -0, by its bits: no floating-point operation
   (a software routine on a core without an FPU). */
static int svdmlp_is_zero(float value)
{
    uint32_t bits;
    SVDMLP_COPY4(&bits, &value);
    return (bits << 1) == 0;
}

/* The first input of run r of a step, and its end (no runs: one of all). */
#define SVDMLP_RUN_START(step, r) ((step)->runs ? (step)->runs[2 * (r)] : 0)
#define SVDMLP_RUN_STOP(step, r) \
    (SVDMLP_RUN_START(step, r) + ((step)->runs ? (step)->runs[2 * (r) + 1] : (step)->n_in))

/*
 * The float kernels differ only in the type of their weights and how one is
 * read as a float: out[j] = sum_i in'[i] * w[i][j] over the inputs the step
 * reads (its runs), accumulated in float in the order of i, then scaled and
 * shifted. An input of 0 (a ReLU's, often; an image's background) adds
 * nothing: its row is skipped.
 */
#define SVDMLP_FLOAT_KERNEL(name, weight_type, value_of)                      \
    void name(const svdmlp_step *step, const float *in, float *out)           \
    {                                                                         \
        const weight_type *row = (const weight_type *)step->weights;          \
        const int n_out = step->n_out;                                        \
        const int n_runs = step->runs ? step->n_runs : 1;                     \
        int i, j, r;                                                          \
        for (j = 0; j < n_out; j++) {                                         \
            out[j] = 0.0f;                                                    \
        }                                                                     \
        for (r = 0; r < n_runs; r++) {                                        \
            const int stop = SVDMLP_RUN_STOP(step, r);                        \
            for (i = SVDMLP_RUN_START(step, r); i < stop; i++, row += n_out) {\
                const float xi = svdmlp_input(step, in, i);                   \
                if (svdmlp_is_zero(xi)) {                                     \
                    continue;                                                 \
                }                                                             \
                for (j = 0; j < n_out; j++) {                                 \
                    out[j] += xi * value_of(row[j]);                          \
                }                                                             \
            }                                                                 \
        }                                                                     \
        svdmlp_scale_and_shift(step, out);                                    \
    }

#define SVDMLP_AS_FLOAT(value) ((float)(value))

void svdmlp_affine_rows(const svdmlp_step *step, const float *in, float *out,
                        svdmlp_axpy axpy, long row_bytes)
{
    const unsigned char *row = (const unsigned char *)step->weights;
    const int n_runs = step->runs ? step->n_runs : 1;
    int i, j, r;
    for (j = 0; j < step->n_out; j++) {
        out[j] = 0.0f;
    }
    for (r = 0; r < n_runs; r++) {
        const int stop = SVDMLP_RUN_STOP(step, r);
        for (i = SVDMLP_RUN_START(step, r); i < stop; i++, row += row_bytes) {
            const float xi = svdmlp_input(step, in, i);
            if (!svdmlp_is_zero(xi)) {
                axpy(out, xi, row, step->n_out);
            }
        }
    }
    svdmlp_scale_and_shift(step, out);
}

void svdmlp_scale_and_shift(const svdmlp_step *step, float *out)
{
    int j;
    for (j = 0; j < step->n_out; j++) {
        if (step->scales) {
            out[j] *= step->scales[j];
        }
        if (step->bias) {
            out[j] += step->bias[j];
        }
    }
}

float svdmlp_half(unsigned short bits)
{
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    float value;
    if (exponent == 0) {
        value = ldexpf((float)mantissa, -24);
    } else if (exponent == 31) {
        value = mantissa ? NAN : INFINITY;
    } else {
        value = ldexpf((float)(mantissa + 1024), exponent - 25);
    }
    return (bits & 0x8000) ? -value : value;
}

SVDMLP_FLOAT_KERNEL(svdmlp_affine_f32, float, SVDMLP_AS_FLOAT)
SVDMLP_FLOAT_KERNEL(svdmlp_affine_f16, unsigned short, svdmlp_half)
SVDMLP_FLOAT_KERNEL(svdmlp_affine_i8, signed char, SVDMLP_AS_FLOAT)

/* A signed 4-bit integer, from the low four bits of v (two's complement). */
#define SVDMLP_NIBBLE(v) ((((v) & 15) ^ 8) - 8)

/* out[j] += x * w[j] over a row of n int4 weights, column 2k in the low four
   bits of byte k. */
static void svdmlp_axpy_i4(float *out, float x, const void *row, int n)
{
    const unsigned char *w = (const unsigned char *)row;
    int j;
    for (j = 0; j + 1 < n; j += 2) {
        const int pair = w[j >> 1];
        out[j] += x * (float)SVDMLP_NIBBLE(pair);
        out[j + 1] += x * (float)SVDMLP_NIBBLE(pair >> 4);
    }
    if (j < n) {
        out[j] += x * (float)SVDMLP_NIBBLE(w[j >> 1]);
    }
}

/* int4: rows of (n_out + 1) / 2 bytes, read by svdmlp_affine_rows. */
void svdmlp_affine_i4(const svdmlp_step *step, const float *in, float *out)
{
    svdmlp_affine_rows(step, in, out, svdmlp_axpy_i4, (step->n_out + 1L) / 2);
}

static void svdmlp_softmax(float *z, int n)
{
    int j;
    float largest = z[0], total = 0.0f;
    for (j = 1; j < n; j++) {
        if (z[j] > largest) {
            largest = z[j];
        }
    }
    for (j = 0; j < n; j++) {
        z[j] = expf(z[j] - largest);
        total += z[j];
    }
    for (j = 0; j < n; j++) {
        z[j] /= total;
    }
}

void svdmlp_activate(float *z, int n, int activation)
{
    int j;
    switch (activation) {
    case SVDMLP_RELU:
        for (j = 0; j < n; j++) {
            z[j] = z[j] > 0.0f ? z[j] : 0.0f;
        }
        break;
    case SVDMLP_TANH:
        for (j = 0; j < n; j++) {
            z[j] = tanhf(z[j]);
        }
        break;
    case SVDMLP_LOGISTIC:
        for (j = 0; j < n; j++) {
            z[j] = 1.0f / (1.0f + expf(-z[j]));
        }
        break;
    case SVDMLP_SOFTMAX:
        svdmlp_softmax(z, n);
        break;
    case SVDMLP_EXP:
        for (j = 0; j < n; j++) {
            z[j] = expf(z[j]);
        }
        break;
    default: /* SVDMLP_IDENTITY */
        break;
    }
}

void svdmlp_forward(const svdmlp_model *model, const float *x, float *out, float *work)
{
    const float *in = x;
    int k, widest = 1;
    for (k = 0; k + 1 < model->n_steps; k++) {
        if (model->steps[k].n_out > widest) {
            widest = model->steps[k].n_out;
        }
    }
    for (k = 0; k < model->n_steps; k++) {
        const svdmlp_step *step = &model->steps[k];
        /* Inner steps alternate between the two halves of work; the last
           writes the output. */
        float *result = k + 1 == model->n_steps ? out : work + (k % 2) * widest;
        step->kernel(step, in, result);
        svdmlp_activate(result, step->n_out, step->activation);
        in = result;
    }
}

int svdmlp_argmax(const float *z, int n)
{
    int j, best = 0;
    for (j = 1; j < n; j++) {
        if (z[j] > z[best]) {
            best = j;
        }
    }
    return best;
}

/* ---------------------------------------------------------------- int8 */

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* Bytes 1 and 3 of v as two int16 (SXTB16 of v rotated by 8), and their
   sum with the two of h (SXTAB16): one instruction each, the rotation
   folded in, which GCC does not do from C. */
static SVDMLP_INLINE int32_t svdmlp_odd_bytes(uint32_t v)
{
    int32_t pair;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(pair) : "r"(v));
    return pair;
}

static SVDMLP_INLINE uint32_t svdmlp_add_odd_bytes(uint32_t h, uint32_t v)
{
    __asm__("sxtab16 %0, %0, %1, ror #8" : "+r"(h) : "r"(v));
    return h;
}

/* Four int8 products a step, two by two, with the dual 16-bit
   multiply-accumulate of Cortex-M4 and up (as CMSIS-NN does). */
int32_t svdmlp_int8_dot(const int8_t *x, const int8_t *w, int n)
{
    int32_t acc = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t xs, ws;
        SVDMLP_COPY4(&xs, x + i);
        SVDMLP_COPY4(&ws, w + i);
        /* Bytes 0 and 2, then (rotated by 8) bytes 1 and 3, as int16 pairs. */
        acc = __smlad(__sxtb16((int32_t)xs), __sxtb16((int32_t)ws), acc);
        acc = __smlad(svdmlp_odd_bytes(xs), svdmlp_odd_bytes(ws), acc);
    }
    for (; i < n; i++) {
        acc += x[i] * w[i];
    }
    return acc;
}
#elif defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__clang__)
/* ARMv6-M (Cortex-M0, M0+) loads a signed byte only at a register offset:
   one index, counting up to 0, serves both arrays, two pairs a turn, and
   its increment sets the flag the loop tests (5 instructions a product,
   where GCC's own code for the same loop takes 7.5). */
int32_t svdmlp_int8_dot(const int8_t *x, const int8_t *w, int n)
{
    int32_t acc = 0, a, b;
    int i = -n;
    x += n;
    w += n;
    if (n & 1) {
        acc = x[i] * w[i];
        i++;
    }
    if (i != 0) {
        /* In unified syntax; GCC reads inline assembly for Thumb-1 in
           divided syntax, and expects it back. */
        __asm__(".syntax unified\n"
                "1:\n\t"
                "ldrsb %[a], [%[x], %[i]]\n\t"
                "ldrsb %[b], [%[w], %[i]]\n\t"
                "muls %[a], %[b]\n\t"
                "adds %[acc], %[acc], %[a]\n\t"
                "adds %[i], %[i], #1\n\t"
                "ldrsb %[a], [%[x], %[i]]\n\t"
                "ldrsb %[b], [%[w], %[i]]\n\t"
                "muls %[a], %[b]\n\t"
                "adds %[acc], %[acc], %[a]\n\t"
                "adds %[i], %[i], #1\n\t"
                "bne 1b\n\t"
                ".syntax divided"
                : [acc] "+l"(acc), [i] "+l"(i), [a] "=&l"(a), [b] "=&l"(b)
                : [x] "l"(x), [w] "l"(w)
                : "cc", "memory");
    }
    return acc;
}
#else
int32_t svdmlp_int8_dot(const int8_t *x, const int8_t *w, int n)
{
    int32_t acc = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        acc += x[i] * w[i] + x[i + 1] * w[i + 1] + x[i + 2] * w[i + 2]
               + x[i + 3] * w[i + 3];
    }
    for (; i < n; i++) {
        acc += x[i] * w[i];
    }
    return acc;
}
#endif

/* ---------------------------------------------------------------- int4 */

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
/* A group of 8: its word masked two ways is the low and the high weights,
   each times 16, as four int8 lanes (as int8 weights are for
   svdmlp_int8_dot); the sum of those products, a multiple of 16, is
   divided once at the end (exactly). */
static inline int32_t svdmlp_int4_groups(const int8_t *x, const uint8_t *w, int n_groups)
{
    int32_t acc = 0;
    int g;
    for (g = 0; g < n_groups; g++, x += 8, w += 4) {
        uint32_t xs, ws, low, high;
        SVDMLP_COPY4(&ws, w);
        low = (ws << 4) & 0xF0F0F0F0u;
        high = ws & 0xF0F0F0F0u;
        SVDMLP_COPY4(&xs, x);
        acc = __smlad(__sxtb16((int32_t)xs), __sxtb16((int32_t)low), acc);
        acc = __smlad(svdmlp_odd_bytes(xs), svdmlp_odd_bytes(low), acc);
        SVDMLP_COPY4(&xs, x + 4);
        acc = __smlad(__sxtb16((int32_t)xs), __sxtb16((int32_t)high), acc);
        acc = __smlad(svdmlp_odd_bytes(xs), svdmlp_odd_bytes(high), acc);
    }
    return acc / 16;
}
#else
static inline int32_t svdmlp_int4_groups(const int8_t *x, const uint8_t *w, int n_groups)
{
    int32_t acc = 0;
    int g, k;
    for (g = 0; g < n_groups; g++, x += 8, w += 4) {
        for (k = 0; k < 4; k++) {
            acc += x[k] * SVDMLP_NIBBLE(w[k]) + x[k + 4] * SVDMLP_NIBBLE(w[k] >> 4);
        }
    }
    return acc;
}
#endif

int32_t svdmlp_int4_dot(const int8_t *x, const uint8_t *w, int n)
{
    const int n_groups = n / 8;
    int32_t acc = svdmlp_int4_groups(x, w, n_groups);
    int i = 8 * n_groups;
    w += 4 * n_groups;
    for (; i + 2 <= n; i += 2, w++) {
        acc += x[i] * SVDMLP_NIBBLE(*w) + x[i + 1] * SVDMLP_NIBBLE(*w >> 4);
    }
    if (i < n) {
        acc += x[i] * SVDMLP_NIBBLE(*w);
    }
    return acc;
}

/* ------------------------------------------------ blocks of four rows */

/*
 * A block (see svdmlp.h) holds rows 0 and 2 with an offset (+128, int4: +8)
 * and rows 1 and 3 as they are; svdmlp_block8 (int4: svdmlp_block4) sets s[k] to the sum of
 * row k's stored weights times the inputs, modulo 2^32: the offset's share,
 * offset * sum(x), is taken off by the caller.
 */

/* A value modulo 2^32 as the int32_t it stands for (whatever C's conversion). */
static int32_t svdmlp_int32(uint32_t value)
{
    return value <= 0x7FFFFFFFu ? (int32_t)value : -(int32_t)(~value) - 1;
}

#if (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)) && defined(__GNUC__)
/*
 * ARMv7-M (Cortex-M3, M4, M7; int8 on the M3 only, see SVDMLP_DSP_BLOCKS
 * for the M4 and M7): one SMLAL sums two rows at once. Masked
 * with 0xFF0000FF (int4: 0xF000000F), a word is a row's offset weight at
 * the bottom and another's signed weight at the top, 24 (28) bits up; its
 * product with an input adds to both lanes of a 64-bit sum. The bottom
 * lane stays below 2^23 in size over 256 inputs (|x * w| <= 128 * 255), so
 * the lanes are split every 256 inputs (int4: 128 * 15 a product, below
 * 2^27 over the 69,000 inputs a step can read, see _int8_layout.py), the
 * bottom's borrow given back to the top.
 */
/* The two 64-bit sums of lanes as 32-bit words, (p0, p1) and (q0, q1):
   no 64-bit variable (or array), which GCC keeps in the FPU's registers on a
   Cortex-M4F (moves, but floating-point instructions all the same). */
typedef struct {
    uint32_t p0, p1, q0, q1;
} svdmlp_lane_sums;

/* Adds a pair's lanes to its two rows' sums: the bottom lane (signed), then
   (sum - bottom) / 2^shift, in 32 bits. */
static SVDMLP_INLINE void svdmlp_split(uint32_t low_word, uint32_t high_word, int shift,
                         uint32_t *low, uint32_t *high)
{
    const uint32_t bottom =
        (uint32_t)((int32_t)(low_word << (32 - shift)) >> (32 - shift));
    const uint32_t top = high_word - (low_word < bottom) + ((int32_t)bottom < 0);
    *low += bottom;
    *high += (top << (32 - shift)) | ((low_word - bottom) >> shift);
}

/* Adds a block's lanes to its four rows' sums. */
static SVDMLP_INLINE void svdmlp_four(uint32_t *s, const svdmlp_lane_sums *l, int shift)
{
    svdmlp_split(l->p0, l->p1, shift, s, s + 3);
    svdmlp_split(l->q0, l->q1, shift, s + 2, s + 1);
}

/* Lanes and sums set to 0 from a register the assembler zeroes: GCC would
   store a known 0 from an FPU register, eight bytes at a time. */
static void svdmlp_zero(svdmlp_lane_sums *l, uint32_t *s)
{
    uint32_t zero;
    __asm__("mov %0, #0" : "=r"(zero));
    l->p0 = l->p1 = l->q0 = l->q1 = zero;
    if (s) {
        s[0] = s[1] = s[2] = s[3] = zero;
    }
}

/* One input's two SMLALs: x times the word's pairs at rotations a and b. */
#define SVDMLP_ASM_LANES(word, x, a, b)                      \
    "and %[t], %[mask], " word ", ror #" a "\n\t"            \
    "smlal %[p0], %[p1], %[t], " x "\n\t"                    \
    "and %[t], %[mask], " word ", ror #" b "\n\t"            \
    "smlal %[q0], %[q1], %[t], " x "\n\t"

#define SVDMLP_ASM_OPERANDS                                              \
    [p0] "+r"(l->p0), [p1] "+r"(l->p1), [q0] "+r"(l->q0), [q1] "+r"(l->q1), \
    [t] "=&r"(t)

/* The lanes of one int8 input (int4: the first of a word's two). */
static void svdmlp_lanes_one(svdmlp_lane_sums *l, uint32_t word, int32_t x, uint32_t mask)
{
    uint32_t t;
    __asm__(SVDMLP_ASM_LANES("%[w]", "%[x]", "0", "16")
            : SVDMLP_ASM_OPERANDS
            : [w] "r"(word), [x] "r"(x), [mask] "r"(mask));
}

/* The lanes of the second input of an int4 word. */
static void svdmlp_lanes_two(svdmlp_lane_sums *l, uint32_t word, int32_t x, uint32_t mask)
{
    uint32_t t;
    __asm__(SVDMLP_ASM_LANES("%[w]", "%[x]", "8", "24")
            : SVDMLP_ASM_OPERANDS
            : [w] "r"(word), [x] "r"(x), [mask] "r"(mask));
}

/* Two inputs' loads, and the lanes of the first; then, after a second
   load of two words for int8 (none for int4), those of the next. */
#define SVDMLP_ASM_TWO_INPUTS           \
    "ldrsb %[xa], [%[x]], #1\n\t"       \
    "ldrsb %[xb], [%[x]], #1\n\t"
#define SVDMLP_ASM_LOOP(second, b1, b2, load, third, fourth, d1, d2) \
    "1:\n\t"                                                         \
    "ldrd %[a], %[b], [%[w]], #8\n\t"                                \
    SVDMLP_ASM_TWO_INPUTS                                            \
    SVDMLP_ASM_LANES("%[a]", "%[xa]", "0", "16")                     \
    SVDMLP_ASM_LANES(second, "%[xb]", b1, b2)                        \
    load                                                             \
    SVDMLP_ASM_TWO_INPUTS                                            \
    SVDMLP_ASM_LANES(third, "%[xa]", "0", "16")                      \
    SVDMLP_ASM_LANES(fourth, "%[xb]", d1, d2)                        \
    "cmp %[x], %[end]\n\t"                                           \
    "bne 1b"
#define SVDMLP_ASM_LOOP_OPERANDS                                               \
    : [w] "+r"(*w), [x] "+r"(x), SVDMLP_ASM_OPERANDS, [a] "=&r"(a), [b] "=&r"(b), \
      [xa] "=&r"(xa), [xb] "=&r"(xb)                                           \
    : [end] "r"(end), [mask] "r"(mask)                                         \
    : "cc", "memory"

static void svdmlp_lanes4(svdmlp_lane_sums *l, const uint32_t **w, const int8_t *x,
                          const int8_t *end)
{
    const uint32_t mask = 0xF000000Fu;
    uint32_t a, b, t, xa, xb;
    if (x != end) {
        __asm__(SVDMLP_ASM_LOOP("%[a]", "8", "24", "", "%[b]", "%[b]", "8", "24")
                SVDMLP_ASM_LOOP_OPERANDS);
    }
}

#if defined(SVDMLP_DSP_BLOCKS)
/* One quad (four inputs) of a block, as svdmlp.h lays it out on these
   cores: inputs (0, 2) and (1, 3) as int16 pairs (SXTB16), and per pair of
   rows two words whose halves are its two rows' weights at two inputs (the
   offset row in the low byte), each taken whole and with its low bytes
   cleared (AND): 17 instructions for 16 multiply-adds, and the loop's 2
   for two quads. */
#define SVDMLP_ASM_ROWS(f, h)                            \
    "ldrd %[a], %[b], [%[w]], #8\n\t"                    \
    "smlad %[" f "], %[a], %[xe], %[" f "]\n\t"          \
    "and %[a], %[a], #0xFF00FF00\n\t"                    \
    "smlad %[" h "], %[a], %[xe], %[" h "]\n\t"          \
    "smlad %[" f "], %[b], %[xo], %[" f "]\n\t"          \
    "and %[b], %[b], #0xFF00FF00\n\t"                    \
    "smlad %[" h "], %[b], %[xo], %[" h "]\n\t"
#define SVDMLP_ASM_QUAD                                  \
    "ldr %[xo], [%[x]], #4\n\t"                          \
    "sxtb16 %[xe], %[xo]\n\t"                            \
    "sxtb16 %[xo], %[xo], ror #8\n\t"                    \
    SVDMLP_ASM_ROWS("f01", "h01") SVDMLP_ASM_ROWS("f23", "h23")

/*
 * Cortex-M4, M7 (SVDMLP_DSP_BLOCKS): a pair of rows, its offset row's
 * weight u in the low byte of a 16-bit half and the other's, v, in the
 * high, is f = sum x (u + 256 v) (one SMLAD for two inputs) and h = sum x
 * 256 v (the same, low bytes cleared): the rows' sums are f - h and h / 256.
 * Over 256 inputs at most, |h| <= 2^30, so h / 256 is exact; the quads'
 * sums are added to s every 256 inputs. The n % 4 last inputs (words as
 * they are: rows 0 and 1 in the low half, 2 and 3 in the high) one by one.
 */
static void svdmlp_block8(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    const int8_t *const end = x + n, *four, *stop;
    svdmlp_lane_sums l; /* f and h of rows 0 and 1 (p0, p1), 2 and 3 (q0, q1) */
    uint32_t a, b, xe, xo;
    for (svdmlp_zero(&l, s); x < end; x = stop) {
        stop = end - x > 256 ? x + 256 : end; /* the bound on h, below */
        four = x + ((stop - x) & ~3);
        svdmlp_zero(&l, 0);
        if (x != four) {
            /* Two quads a turn, entered at the second for an odd count. */
            __asm__("sub %[a], %[four], %[x]\n\t"
                    "tst %[a], #4\n\t"
                    "bne 2f\n"
                    "1:\n\t" SVDMLP_ASM_QUAD
                    "2:\n\t" SVDMLP_ASM_QUAD
                    "cmp %[x], %[four]\n\t"
                    "bne 1b"
                    : [w] "+r"(w), [x] "+r"(x), [f01] "+r"(l.p0), [h01] "+r"(l.p1),
                      [f23] "+r"(l.q0), [h23] "+r"(l.q1), [a] "=&r"(a), [b] "=&r"(b),
                      [xe] "=&r"(xe), [xo] "=&r"(xo)
                    : [four] "r"(four)
                    : "cc", "memory");
        }
        for (; x < stop; x++, w++) {
            const int32_t word = (int32_t)*w, high = (int32_t)(*w & 0xFF00FF00u);
            l.p0 = (uint32_t)__smlabb(*x, word, (int32_t)l.p0);
            l.p1 = (uint32_t)__smlabb(*x, high, (int32_t)l.p1);
            l.q0 = (uint32_t)__smlabt(*x, word, (int32_t)l.q0);
            l.q1 = (uint32_t)__smlabt(*x, high, (int32_t)l.q1);
        }
        s[0] += l.p0 - l.p1;
        s[1] += (uint32_t)((int32_t)l.p1 >> 8);
        s[2] += l.q0 - l.q1;
        s[3] += (uint32_t)((int32_t)l.q1 >> 8);
    }
}
#else
/* The lanes over inputs x .. end, a multiple of 4 apart, words from *w on:
   per four inputs, two LDRDs (int4: one), four LDRSBs, eight ANDs and
   eight SMLALs. */
static void svdmlp_lanes8(svdmlp_lane_sums *l, const uint32_t **w, const int8_t *x,
                          const int8_t *end)
{
    const uint32_t mask = 0xFF0000FFu;
    uint32_t a, b, t, xa, xb;
    if (x != end) {
        __asm__(SVDMLP_ASM_LOOP("%[b]", "0", "16", "ldrd %[a], %[b], [%[w]], #8\n\t",
                                "%[a]", "%[b]", "0", "16")
                SVDMLP_ASM_LOOP_OPERANDS);
    }
}

static void svdmlp_block8(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    const int8_t *const end = x + n;
    svdmlp_lane_sums l;
    svdmlp_zero(&l, s);
    while (x < end) {
        const int8_t *const stop = end - x > 256 ? x + 256 : end;
        const int8_t *const four = x + ((stop - x) & ~3);
        svdmlp_zero(&l, 0);
        svdmlp_lanes8(&l, &w, x, four);
        for (x = four; x < stop; x++, w++) {
            svdmlp_lanes_one(&l, *w, *x, 0xFF0000FFu);
        }
        svdmlp_four(s, &l, 24);
    }
}

#endif

static void svdmlp_block4(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    const int8_t *const end = x + n;
    const int8_t *const four = x + (n & ~3);
    svdmlp_lane_sums l;
    svdmlp_zero(&l, s);
    /* 28-bit lanes: |sum| < 2^27 for up to 69,000 inputs. */
    svdmlp_lanes4(&l, &w, x, four);
    for (x = four; x + 2 <= end; x += 2, w++) {
        svdmlp_lanes_one(&l, *w, x[0], 0xF000000Fu);
        svdmlp_lanes_two(&l, *w, x[1], 0xF000000Fu);
    }
    if (x < end) {
        svdmlp_lanes_one(&l, *w, x[0], 0xF000000Fu);
    }
    svdmlp_four(s, &l, 28);
}
#else
/* Byte k of a word: as stored (rows 0 and 2), or as the int8 it holds. */
#define SVDMLP_UBYTE(word, k) ((int32_t)(((word) >> (8 * (k))) & 0xFFu))
#define SVDMLP_SBYTE(word, k) ((SVDMLP_UBYTE(word, k) ^ 0x80) - 0x80)
/* Nibble k of a word: as stored, or as the int4 it holds. */
#define SVDMLP_UNIB(word, k) ((int32_t)(((word) >> (4 * (k))) & 0xFu))
#define SVDMLP_SNIB(word, k) ((SVDMLP_UNIB(word, k) ^ 8) - 8)

#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__clang__)
/* The four sums in r8-r11: set to 0 (through t), and read into four low
   registers at the end. */
#define SVDMLP_ASM_ZERO_HIGH            \
    ".syntax unified\n\t"               \
    "movs %[t], #0\n\t"                 \
    "mov r8, %[t]\n\t"                  \
    "mov r9, %[t]\n\t"                  \
    "mov r10, %[t]\n\t"                 \
    "mov r11, %[t]\n"
#define SVDMLP_ASM_HIGH_OUT(a, b, c, d) \
    "mov " a ", r8\n\t"                 \
    "mov " b ", r9\n\t"                 \
    "mov " c ", r10\n\t"                \
    "mov " d ", r11\n\t"                \
    ".syntax divided"

/* One input's four products, added to r8-r11. */
#define SVDMLP_ASM_INPUT                  \
    "ldrsb %[x], [%[end], %[i]]\n\t"      \
    "ldrb %[t], [%[w], #0]\n\t"           \
    "muls %[t], %[x]\n\t"                 \
    "add r8, %[t]\n\t"                    \
    "ldrsb %[t], [%[w], %[one]]\n\t"      \
    "muls %[t], %[x]\n\t"                 \
    "add r9, %[t]\n\t"                    \
    "ldrb %[t], [%[w], #2]\n\t"           \
    "muls %[t], %[x]\n\t"                 \
    "add r10, %[t]\n\t"                   \
    "ldrsb %[t], [%[w], %[three]]\n\t"    \
    "muls %[t], %[x]\n\t"                 \
    "add r11, %[t]\n\t"

/*
 * ARMv6-M (Cortex-M0, M0+): four sums in the high registers r8-r11, one
 * input loaded per four products; the offset rows' bytes load unsigned at
 * an immediate offset, the others signed at a register's (ARMv6-M has no
 * other signed byte load): 15.5 instructions for 4 multiply-adds, where
 * GCC's code for the C below takes 27. Seven low registers (r7 may be the
 * frame pointer). Inlined: a call per block would cost 500 instructions.
 */
static SVDMLP_INLINE void svdmlp_block8(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    const int8_t *end = x + (n & ~1);
    int32_t i = -(n & ~1), xi = 0, t = 0, s1 = 1, s3 = 3;
    s[0] = s[1] = s[2] = s[3] = 0;
    if (n & 1) { /* the last input, in C */
        const uint32_t word = w[n - 1], last = (uint32_t)(int32_t)x[n - 1];
        s[0] = last * (uint32_t)SVDMLP_UBYTE(word, 0);
        s[1] = last * (uint32_t)SVDMLP_SBYTE(word, 1);
        s[2] = last * (uint32_t)SVDMLP_UBYTE(word, 2);
        s[3] = last * (uint32_t)SVDMLP_SBYTE(word, 3);
    }
    if (i == 0) {
        return;
    }
    __asm__(SVDMLP_ASM_ZERO_HIGH
            "1:\n\t"
            SVDMLP_ASM_INPUT
            "adds %[i], #1\n\t"
            "adds %[w], #4\n\t"
            SVDMLP_ASM_INPUT
            "adds %[w], #4\n\t"
            "adds %[i], #1\n\t"
            "bne 1b\n\t"
            SVDMLP_ASM_HIGH_OUT("%[x]", "%[t]", "%[one]", "%[three]")
            : [w] "+l"(w), [i] "+l"(i), [x] "+l"(xi), [t] "+l"(t),
              [one] "+l"(s1), [three] "+l"(s3)
            : [end] "l"(end)
            : "r8", "r9", "r10", "r11", "cc", "memory");
    s[0] += (uint32_t)xi;
    s[1] += (uint32_t)t;
    s[2] += (uint32_t)s1;
    s[3] += (uint32_t)s3;
}
#else
/* Portable C: each row's weights read from the word, summed modulo 2^32. */
static void svdmlp_block8(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    int i;
    s[0] = s[1] = s[2] = s[3] = 0;
    for (i = 0; i < n; i++) {
        const uint32_t word = w[i], xi = (uint32_t)(int32_t)x[i];
        s[0] += xi * (uint32_t)SVDMLP_UBYTE(word, 0);
        s[1] += xi * (uint32_t)SVDMLP_SBYTE(word, 1);
        s[2] += xi * (uint32_t)SVDMLP_UBYTE(word, 2);
        s[3] += xi * (uint32_t)SVDMLP_SBYTE(word, 3);
    }
}
#endif

/* int4: two inputs a word, the first's rows at nibbles 0, 3, 4, 7, the
   second's at 2, 5, 6, 1 (see _int8_layout.py); adds words from input i
   (even) on to s. */
static void svdmlp_block4_from(const uint32_t *w, const int8_t *x, int i, int n,
                               uint32_t *s)
{
    for (w += i / 2; i < n; i += 2, w++) { /* an odd last input: b = 0 */
        const uint32_t word = *w, a = (uint32_t)(int32_t)x[i];
        const uint32_t b = i + 1 < n ? (uint32_t)(int32_t)x[i + 1] : 0u;
        s[0] += a * (uint32_t)SVDMLP_UNIB(word, 0) + b * (uint32_t)SVDMLP_UNIB(word, 2);
        s[1] += a * (uint32_t)SVDMLP_SNIB(word, 3) + b * (uint32_t)SVDMLP_SNIB(word, 5);
        s[2] += a * (uint32_t)SVDMLP_UNIB(word, 4) + b * (uint32_t)SVDMLP_UNIB(word, 6);
        s[3] += a * (uint32_t)SVDMLP_SNIB(word, 7) + b * (uint32_t)SVDMLP_SNIB(word, 1);
    }
}

#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__clang__)
/* Nibble k's product with x added to a sum in a high register: the
   nibble's bits moved to the top, then down (unsigned, or signed). */
#define SVDMLP_ASM_NIBBLE(up, down, x, sum) \
    "lsls %[t], %[word], #" up "\n\t"       \
    down " %[t], %[t], #28\n\t"             \
    "muls %[t], " x "\n\t"                  \
    "add " sum ", %[t]\n\t"

/* ARMv6-M: two inputs (a word) a turn, 37 instructions for 8 products. */
static void svdmlp_block4(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    const int8_t *end = x + (n & ~1);
    int32_t i = -(n & ~1), xa = 0, xb = 0, t = 0;
    uint32_t word = 0;
    if (i != 0) {
        __asm__(SVDMLP_ASM_ZERO_HIGH
                "1:\n\t"
                "ldmia %[w]!, {%[word]}\n\t"
                "ldrsb %[xa], [%[end], %[i]]\n\t"
                "adds %[i], #1\n\t"
                "ldrsb %[xb], [%[end], %[i]]\n\t"
                SVDMLP_ASM_NIBBLE("28", "lsrs", "%[xa]", "r8")
                SVDMLP_ASM_NIBBLE("16", "asrs", "%[xa]", "r9")
                SVDMLP_ASM_NIBBLE("12", "lsrs", "%[xa]", "r10")
                "asrs %[t], %[word], #28\n\t"
                "muls %[t], %[xa]\n\t"
                "add r11, %[t]\n\t"
                SVDMLP_ASM_NIBBLE("20", "lsrs", "%[xb]", "r8")
                SVDMLP_ASM_NIBBLE("8", "asrs", "%[xb]", "r9")
                SVDMLP_ASM_NIBBLE("4", "lsrs", "%[xb]", "r10")
                SVDMLP_ASM_NIBBLE("24", "asrs", "%[xb]", "r11")
                "adds %[i], #1\n\t"
                "bne 1b\n\t"
                SVDMLP_ASM_HIGH_OUT("%[xa]", "%[xb]", "%[t]", "%[word]")
                : [w] "+l"(w), [i] "+l"(i), [xa] "+l"(xa), [xb] "+l"(xb),
                  [t] "+l"(t), [word] "+l"(word)
                : [end] "l"(end)
                : "r8", "r9", "r10", "r11", "cc", "memory");
    }
    s[0] = (uint32_t)xa;
    s[1] = (uint32_t)xb;
    s[2] = (uint32_t)t;
    s[3] = word;
    if (n & 1) {
        svdmlp_block4_from(w - (n & ~1) / 2, x, n & ~1, n, s);
    }
}
#else
static void svdmlp_block4(const uint32_t *w, const int8_t *x, int n, uint32_t *s)
{
    s[0] = s[1] = s[2] = s[3] = 0;
    svdmlp_block4_from(w, x, 0, n, s);
}
#endif
#endif

/* floor(value / 2^shift), without right-shifting a negative number (whose
   result C leaves to the implementation). */
static int64_t svdmlp_floor_shift(int64_t value, int shift)
{
    return value >= 0 ? value >> shift : ~((~value) >> shift);
}

/* floor(value / 2^shift) of an int32_t, as svdmlp_floor_shift. */
static int32_t svdmlp_floor_shift32(int32_t value, int shift)
{
    return value >= 0 ? value >> shift : ~((~value) >> shift);
}

#if defined(__ARM_ARCH_6M__) || defined(SVDMLP_HIGH_WORD_32)
/*
 * floor(a * m / 2^32) for 0 <= m < 2^31, with 32-bit products only (ARMv6-M
 * multiplies 32 x 32 -> 32 bits; a 64-bit product is a library call of 40
 * instructions). With a = ah 2^16 + al and m = mh 2^16 + ml (al, ml in
 * [0, 2^16), ah in [-2^15, 2^15), mh in [0, 2^15)),
 *
 *     a m = ah mh 2^32 + (ah ml + al mh) 2^16 + al ml,
 *
 * and floor((X 2^16 + Y) / 2^32) = floor((X + floor(Y / 2^16)) / 2^16) for
 * integers X, Y. Each product fits an int32_t or a uint32_t (|ah ml| and al
 * mh are below 2^31, al ml below 2^32); their sum might not, so each is cut
 * into its floor(/ 2^16) and its remainder, and the three remainders (below
 * 3 * 2^16) are added on their own. Exact for every int32_t a; tested
 * against the 64-bit product over edge values (tests/test_c_integer.py).
 */
static int32_t svdmlp_high_word(int32_t a, int32_t m)
{
    const int32_t ah = svdmlp_floor_shift32(a, 16), mh = m >> 16;
    const uint32_t al = (uint32_t)a & 0xFFFFu, ml = (uint32_t)m & 0xFFFFu;
    const int32_t cross = ah * (int32_t)ml;
    const uint32_t other = al * (uint32_t)mh, low = (al * ml) >> 16;
    const uint32_t rest = ((uint32_t)cross & 0xFFFFu) + (other & 0xFFFFu) + low;
    return ah * mh + svdmlp_floor_shift32(cross, 16) + (int32_t)(other >> 16)
           + (int32_t)(rest >> 16);
}
#else
/* floor(a * m / 2^32): the high word of a 32 x 32 -> 64-bit product. */
static int32_t svdmlp_high_word(int32_t a, int32_t m)
{
    return svdmlp_int32((uint32_t)((uint64_t)((int64_t)a * m) >> 32));
}
#endif

/*
 * Output j of a step from its sum: rescaled, shifted, clamped, looked up.
 * With P = acc * multiplier, floor((P + 2^(s-1)) / 2^s) equals
 * floor((floor(P / 2^(s-1)) + 1) / 2) (write P / 2^(s-1) = t + f, 0 <= f <
 * 1: both are (t + 1) / 2 rounded down), and for s >= 33, floor(P / 2^(s-1))
 * is the high word of P shifted by s - 33: one 32 x 32 -> 64-bit product,
 * no 64-bit addition or shift (the usual case: the rescaling is below 1/2).
 */
static SVDMLP_INLINE int svdmlp_requantize(const svdmlp_int8_step *step, int j, int32_t acc)
{
    const int shift = step->shift[j];
    int32_t value;
    if (shift >= 33) {
        const int32_t high = svdmlp_high_word(acc, step->multiplier[j]);
        value = svdmlp_floor_shift32(svdmlp_floor_shift32(high, shift - 33) + 1, 1);
    } else { /* up to 2^61 in size: clamped to 16 bits first */
        const int64_t product = (int64_t)acc * step->multiplier[j];
        int64_t wide = svdmlp_floor_shift(product + ((int64_t)1 << (shift - 1)), shift);
        value = (int32_t)(wide < -65536 ? -65536 : wide > 65536 ? 65536 : wide);
    }
    /* Clamped before the zero point is added (value + zero_point fits). */
    if (value < step->low - step->zero_point) {
        value = step->low - step->zero_point;
    } else if (value > step->high - step->zero_point) {
        value = step->high - step->zero_point;
    }
    value += step->zero_point;
    return step->table ? step->table[value + 128] : (int)value;
}

int32_t svdmlp_int8_sum(const int8_t *x, int n)
{
    int32_t total = 0;
    int i = 0;
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
    /* Four bytes a word into two 16-bit halves (SXTAB16), 128 words at most
       between two reads of the halves (256 values of at most 128 each). */
    while (n - i >= 4) {
        const int stop = i + 4 * ((n - i) / 4 > 128 ? 128 : (n - i) / 4);
        uint32_t halves = 0, word;
        for (; i < stop; i += 4) {
            SVDMLP_COPY4(&word, x + i);
            halves = (uint32_t)__sxtab16((int32_t)halves, (int32_t)word);
            halves = svdmlp_add_odd_bytes(halves, word);
        }
        total += (int16_t)(halves & 0xFFFFu) + (int16_t)(halves >> 16);
    }
#elif defined(__GNUC__)
    /* Four bytes an aligned word, each plus 128 (XOR), two to a 16-bit half:
       128 words at most between two reads of the halves (each 2 * 255 a
       word). */
    for (; i < n && ((uintptr_t)(x + i) & 3u) != 0; i++) {
        total += x[i];
    }
    while (n - i >= 4) {
        const int count = 4 * ((n - i) / 4 > 128 ? 128 : (n - i) / 4);
        const int stop = i + count;
        uint32_t halves = 0, word;
        for (; i < stop; i += 4) {
            SVDMLP_COPY4(&word, __builtin_assume_aligned(x + i, 4));
            word ^= 0x80808080u;
            halves += (word & 0x00FF00FFu) + ((word >> 8) & 0x00FF00FFu);
        }
        total += (int32_t)((halves & 0xFFFFu) + (halves >> 16)) - 128 * count;
    }
#endif
    for (; i + 4 <= n; i += 4) {
        total += x[i] + x[i + 1] + x[i + 2] + x[i + 3];
    }
    for (; i < n; i++) {
        total += x[i];
    }
    return total;
}

void svdmlp_int8_gather(const svdmlp_int8_step *step, const int8_t *x, int8_t *into)
{
    int r;
    for (r = 0; r < step->n_runs; r++) {
        const int length = step->runs[2 * r + 1];
        memcpy(into, x + step->runs[2 * r], (size_t)length);
        into += length;
    }
}

/*
 * The kernels of the two formats: the sums of rows j.. of a step (a block's
 * four, or a plain row's one), offsets taken off; how many. A step names its
 * own, so that a firmware links only the formats its model has.
 */
#define SVDMLP_SUMS(name, block, words, offset, dot, row_bytes)                \
    int name(const svdmlp_int8_step *step, const int8_t *in, int32_t in_sum,   \
             int j, uint32_t *s)                                               \
    {                                                                          \
        const int n_in = step->n_in, n_blocks = step->n_out / 4;               \
        if (j < 4 * n_blocks) {                                                \
            block(step->blocks + (long)(j / 4) * (words), in, n_in, s);        \
            s[0] -= (uint32_t)in_sum * (offset);                               \
            s[2] -= (uint32_t)in_sum * (offset);                               \
            return 4;                                                          \
        }                                                                      \
        s[0] = (uint32_t)dot(in, (const void *)(step->rows + (long)(j - 4 * n_blocks) \
                                                   * (row_bytes)), n_in);      \
        return 1;                                                              \
    }

SVDMLP_SUMS(svdmlp_int8_sums8, svdmlp_block8, n_in, 128u, svdmlp_int8_dot, n_in)
SVDMLP_SUMS(svdmlp_int8_sums4, svdmlp_block4, (n_in + 1) / 2, 8u, svdmlp_int4_dot,
            SVDMLP_INT4_BYTES(n_in))

/* Output j of a step from its sum (the bias aside), written as int8 (what it
   returns) or int16 (0 returned); restrict: the outputs are not the step's
   arrays, which need not be read again after each output written. */
static SVDMLP_INLINE int svdmlp_int8_store(const svdmlp_int8_step *step, int j, uint32_t sum,
                             int8_t *restrict out8, int16_t *restrict out16)
{
    const int value =
        svdmlp_requantize(step, j, svdmlp_int32((uint32_t)step->bias[j] + sum));
    if (out8) {
        out8[j] = (int8_t)value;
        return value;
    }
    out16[j] = (int16_t)value;
    return 0;
}

int32_t svdmlp_int8_step_run(const svdmlp_int8_step *step, const int8_t *in,
                             int32_t in_sum, int8_t *restrict out8,
                             int16_t *restrict out16)
{
    int32_t out_sum = 0;
    int j = 0, k, n_rows;
    while (j < step->n_out) {
        uint32_t s[4]; /* written by the kernel */
        n_rows = step->sums(step, in, in_sum, j, s);
        for (k = 0; k < n_rows; k++, j++) {
            out_sum += svdmlp_int8_store(step, j, s[k], out8, out16);
        }
    }
    return out_sum;
}

void svdmlp_int8_accumulate(const svdmlp_int8_step *step, const int8_t *chunk,
                            int from, int n, uint32_t *acc)
{
    const int n_in = step->n_in, n_blocks = step->n_out / 4;
    const int four = step->sums == svdmlp_int8_sums4;
    const uint32_t offset_sum = (uint32_t)svdmlp_int8_sum(chunk, n) * (four ? 8u : 128u);
    uint32_t s[4];
    int j, k;
    for (j = 0; j < 4 * n_blocks; j += 4) {
        if (four) {
            svdmlp_block4(step->blocks + (long)(j / 4) * ((n_in + 1) / 2) + from / 2,
                          chunk, n, s);
        } else {
            svdmlp_block8(step->blocks + (long)(j / 4) * n_in + from, chunk, n, s);
        }
        for (k = 0; k < 4; k++) {
            acc[j + k] += s[k] - (k % 2 ? 0u : offset_sum);
        }
    }
    for (; j < step->n_out; j++) {
        const int8_t *row = step->rows + (long)(j - 4 * n_blocks)
                                             * (four ? SVDMLP_INT4_BYTES(n_in) : n_in);
        acc[j] += (uint32_t)(four ? svdmlp_int4_dot(chunk, (const uint8_t *)row + 4 * (from / 8), n)
                                  : svdmlp_int8_dot(chunk, row + from, n));
    }
}

/* Steps first.. from the inputs the previous step wrote (the first reads),
   in, whose values sum to sum. */
static void svdmlp_int8_steps(const svdmlp_int8_model *model, const int8_t *in,
                              int32_t sum, int first, int16_t *logits, int8_t *work,
                              int widest)
{
    int k;
    for (k = first; k + 1 < model->n_steps; k++) {
        int8_t *result = work + (k % 2) * widest;
        sum = svdmlp_int8_step_run(&model->steps[k], in, sum, result, 0);
        in = result;
    }
    svdmlp_int8_step_run(&model->steps[model->n_steps - 1], in, sum, 0, logits);
}

int svdmlp_int8_widest(const svdmlp_int8_model *model)
{
    int k, widest = 1;
    for (k = 0; k + 1 < model->n_steps; k++) {
        if (model->steps[k].n_out > widest) {
            widest = model->steps[k].n_out;
        }
    }
    return widest;
}

void svdmlp_int8_forward(const svdmlp_int8_model *model, const int8_t *x,
                         int16_t *logits, int8_t *work)
{
    const int widest = svdmlp_int8_widest(model);
    if (model->steps[0].runs) {
        svdmlp_int8_gather(&model->steps[0], x, work + widest);
        x = work + widest;
    }
    svdmlp_int8_steps(model, x, svdmlp_int8_sum(x, model->steps[0].n_in), 0, logits,
                      work, widest);
}

void svdmlp_int8_forward_sums(const svdmlp_int8_model *model, const uint32_t *acc,
                              int16_t *logits, int8_t *work)
{
    const svdmlp_int8_step *first = &model->steps[0];
    const int last = model->n_steps == 1;
    int32_t sum = 0;
    int j;
    for (j = 0; j < first->n_out; j++) {
        sum += svdmlp_int8_store(first, j, acc[j], last ? 0 : work, logits);
    }
    if (!last) {
        svdmlp_int8_steps(model, work, sum, 1, logits, work, svdmlp_int8_widest(model));
    }
}

int svdmlp_int16_argmax(const int16_t *z, int n)
{
    int j, best = 0;
    for (j = 1; j < n; j++) {
        if (z[j] > z[best]) {
            best = j;
        }
    }
    return best;
}
