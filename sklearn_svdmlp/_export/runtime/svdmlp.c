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
#else
#define SVDMLP_COPY4(target, source) memcpy(target, source, 4)
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
        acc = __smlad(__sxtb16((int32_t)((xs >> 8) | (xs << 24))),
                      __sxtb16((int32_t)((ws >> 8) | (ws << 24))), acc);
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
        acc = __smlad(__sxtb16((int32_t)((xs >> 8) | (xs << 24))),
                      __sxtb16((int32_t)((low >> 8) | (low << 24))), acc);
        SVDMLP_COPY4(&xs, x + 4);
        acc = __smlad(__sxtb16((int32_t)xs), __sxtb16((int32_t)high), acc);
        acc = __smlad(__sxtb16((int32_t)((xs >> 8) | (xs << 24))),
                      __sxtb16((int32_t)((high >> 8) | (high << 24))), acc);
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

/* sum over a run of n inputs, its weights from *w on, which it moves past. */
static inline int32_t svdmlp_run_dot(const svdmlp_int8_step *step, const int8_t *x,
                              const int8_t **w, int n)
{
    int32_t acc;
    if (step->bits == 4) {
        acc = svdmlp_int4_dot(x, (const uint8_t *)*w, n);
        *w += SVDMLP_INT4_BYTES(n);
    } else {
        acc = svdmlp_int8_dot(x, *w, n);
        *w += n;
    }
    return acc;
}

/* floor(value / 2^shift), without right-shifting a negative number (whose
   result C leaves to the implementation). */
static int64_t svdmlp_floor_shift(int64_t value, int shift)
{
    return value >= 0 ? value >> shift : ~((~value) >> shift);
}

void svdmlp_int8_step_run(const svdmlp_int8_step *step, const int8_t *in,
                          int8_t *out8, int16_t *out16)
{
    const int8_t *w = step->weights;
    int j, r;
    for (j = 0; j < step->n_out; j++) {
        int32_t acc = step->bias[j];
        int64_t value;
        int shift = step->shift[j];
        if (step->runs) {
            for (r = 0; r < step->n_runs; r++) {
                const int length = step->runs[2 * r + 1];
                acc += svdmlp_run_dot(step, in + step->runs[2 * r], &w, length);
            }
        } else {
            acc += svdmlp_run_dot(step, in, &w, step->n_in);
        }
        value = (int64_t)acc * step->multiplier[j] + ((int64_t)1 << (shift - 1));
        value = svdmlp_floor_shift(value, shift) + step->zero_point;
        if (value < step->low) {
            value = step->low;
        } else if (value > step->high) {
            value = step->high;
        }
        if (step->table) {
            value = step->table[value + 128];
        }
        if (out8) {
            out8[j] = (int8_t)value;
        } else {
            out16[j] = (int16_t)value;
        }
    }
}

void svdmlp_int8_forward(const svdmlp_int8_model *model, const int8_t *x,
                         int16_t *logits, int8_t *work)
{
    const int8_t *in = x;
    int k, widest = 1;
    for (k = 0; k + 1 < model->n_steps; k++) {
        if (model->steps[k].n_out > widest) {
            widest = model->steps[k].n_out;
        }
    }
    for (k = 0; k + 1 < model->n_steps; k++) {
        int8_t *result = work + (k % 2) * widest;
        svdmlp_int8_step_run(&model->steps[k], in, result, 0);
        in = result;
    }
    svdmlp_int8_step_run(&model->steps[model->n_steps - 1], in, 0, logits);
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
