/*
 * svdmlp.h: the runtime of networks exported by sklearn-svdmlp (export_c).
 *
 * Two arithmetics: float (below), and integer-only (further below), for
 * models fitted with integer_only=True, in which nothing uses floating
 * point.
 *
 * A model is a table of steps. Each step applies one weight matrix, stored
 * in its format, to the output of the step before (the first to the input),
 * adds a bias and applies an activation:
 *
 *     out[j] = f(scales[j] * sum_i in[i] * w[i][j] + bias[j]),  j < n_out
 *
 * A dense layer is one step; a layer stored as two thin factors is two,
 * the first with no activation, its output as wide as the rank. The
 * arithmetic is float; nothing is allocated: the caller gives a work buffer
 * of SVDMLP_WORK_FLOATS(widest) floats, where widest is the widest output
 * of any step but the last. C99, needs <math.h> (link with -lm).
 *
 * The model's own file (written by export_c) holds its arrays, its step
 * table and its public functions; compile it with svdmlp.c.
 */
#ifndef SVDMLP_H
#define SVDMLP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The activation a step applies to its output. */
enum svdmlp_activation {
    SVDMLP_IDENTITY = 0,
    SVDMLP_RELU = 1,
    SVDMLP_TANH = 2,
    SVDMLP_LOGISTIC = 3,
    SVDMLP_SOFTMAX = 4,
    SVDMLP_EXP = 5
};

typedef struct svdmlp_step svdmlp_step;

/*
 * A kernel applies one step's weight matrix: out[j] for j < n_out, from
 * the n_in inputs the step reads (standardized first where the step says
 * so, see svdmlp_input), before the activation. One kernel per storage
 * format. A first step may skip inputs (constant on the training data):
 * its runs say which it reads, in order, and its rows are theirs.
 * svdmlp_affine_rows walks them; a format's kernel need only say how it
 * adds one input's row of weights.
 */
typedef void (*svdmlp_kernel)(const svdmlp_step *step, const float *in, float *out);

struct svdmlp_step {
    svdmlp_kernel kernel;    /* applies weights in their storage format */
    const void *weights;     /* n_in rows of n_out, in the kernel's format */
    const float *scales;     /* one per output column, or NULL */
    const float *bias;       /* one per output, or NULL */
    const float *in_mean;    /* subtracted from each input first, or NULL */
    const float *in_scale;   /* then each input divided by it, or NULL */
    const int32_t *runs;     /* n_runs (start, length) pairs of the inputs
                                read, or NULL: inputs 0..n_in-1 */
    int n_runs;
    int n_in;                /* inputs read */
    int n_out;
    int activation;          /* enum svdmlp_activation */
};

typedef struct {
    const svdmlp_step *steps;
    int n_steps;
    int n_inputs;
    int n_outputs;
} svdmlp_model;

/* Floats of work buffer a model whose widest inner step output is widest needs. */
#define SVDMLP_WORK_FLOATS(widest) (2 * (widest))

/* Input i of a step, standardized as a StandardScaler before the model would. */
static inline float svdmlp_input(const svdmlp_step *step, const float *in, int i)
{
    float x = in[i];
    if (step->in_mean) {
        x -= step->in_mean[i];
    }
    if (step->in_scale) {
        x /= step->in_scale[i];
    }
    return x;
}

/* The kernels of the storage formats the runtime ships. */
void svdmlp_affine_f32(const svdmlp_step *step, const float *in, float *out);
void svdmlp_affine_f16(const svdmlp_step *step, const float *in, float *out);
void svdmlp_affine_i8(const svdmlp_step *step, const float *in, float *out);
void svdmlp_affine_i4(const svdmlp_step *step, const float *in, float *out);

/* out[j] += x * w[j] for j < n, w one input's row of weights in a format. */
typedef void (*svdmlp_axpy)(float *out, float x, const void *row, int n);

/*
 * A float kernel from the row function of a format: out[j] = sum over the
 * inputs the step reads (its runs) of in'[i] * w[i][j], in the order of i,
 * an input of 0 skipped, then svdmlp_scale_and_shift. Rows are row_bytes
 * apart.
 */
void svdmlp_affine_rows(const svdmlp_step *step, const float *in, float *out,
                        svdmlp_axpy axpy, long row_bytes);

/* What every float kernel does after its sum: per-column scales, then a float bias. */
void svdmlp_scale_and_shift(const svdmlp_step *step, float *out);

/* An IEEE half-precision number, from its 16 bits. */
float svdmlp_half(unsigned short bits);

/* Apply an activation to z[0..n-1] in place. */
void svdmlp_activate(float *z, int n, int activation);

/*
 * Run every step of the model on x, writing its n_outputs outputs to out.
 * work holds SVDMLP_WORK_FLOATS(widest) floats (see above); out may not
 * overlap x or work.
 */
void svdmlp_forward(const svdmlp_model *model, const float *x, float *out, float *work);

/* Index of the largest of z[0..n-1] (the first, on ties). */
int svdmlp_argmax(const float *z, int n);

/*
 * Integer-only inference. Tensors between steps are int8, real = scale *
 * (q - zero_point). A step sums in int32 over the inputs it reads,
 *
 *     acc = bias[j] + sum_i in[i] * w[j][i]
 *
 * (the input's zero point is folded into the bias), rescales the sum with
 * a fixed-point multiplier, floor((acc * multiplier[j] + 2^(shift[j] - 1))
 * / 2^shift[j]), adds the output's zero point, clamps to [low, high] (a
 * ReLU is the clamp at the zero point) and, with a table, looks the result
 * up at table[result + 128] (logistic, tanh). The last step writes int16
 * logits, zero point 0. No floating point anywhere.
 *
 * The weights are laid out for the kernels when the model is written
 * (_int8_layout.py): rows in blocks of four, one uint32_t word per input
 * (int4: per two inputs), so that an input read serves four outputs. In an
 * int8 word, byte k is row k's weight at the input, rows 0 and 2 plus 128
 * (as unsigned bytes), rows 1 and 3 as they are; in an int4 word, the first
 * input's rows are nibbles 0, 3, 4, 7 and the second's 2, 5, 6, 1, rows 0
 * and 2 plus 8. The n_out % 4 last rows are plain rows of n_in int8 weights
 * (int4: SVDMLP_INT4_BYTES(n_in) bytes each, see svdmlp_int4_dot).
 *
 * A block of int8 words is written four inputs at a time as SVDMLP_LO(a, c),
 * SVDMLP_LO(b, d), SVDMLP_HI(a, c), SVDMLP_HI(b, d) of the four words a, b,
 * c, d (the n_in % 4 last as they are): a, b, c, d again, except on cores
 * with the dual 16-bit multiply-add (SVDMLP_DSP_BLOCKS: Cortex-M4, M7),
 * where the preprocessor swaps their 16-bit halves so that a word holds one
 * pair of rows at two inputs (i and i + 2), for SMLAD (svdmlp_block8).
 */
#if defined(__GNUC__) && defined(__ARM_ARCH_7EM__) && defined(__ARM_FEATURE_DSP) \
    && __ARM_FEATURE_DSP
#define SVDMLP_DSP_BLOCKS 1
#define SVDMLP_LO(a, c) (((uint32_t)(a) & 0xFFFFu) | ((uint32_t)(c) << 16))
#define SVDMLP_HI(a, c) (((uint32_t)(a) >> 16) | ((uint32_t)(c) & 0xFFFF0000u))
#else
#define SVDMLP_LO(a, c) (a)
#define SVDMLP_HI(a, c) (c)
#endif
typedef struct svdmlp_int8_step svdmlp_int8_step;

/*
 * The kernel of a weight format: sets s to the sums of rows j.. of a step
 * (the four of a block, or one plain row) over in, whose n_in values sum to
 * in_sum; returns how many.
 */
typedef int (*svdmlp_int8_sums)(const svdmlp_int8_step *step, const int8_t *in,
                                int32_t in_sum, int j, uint32_t *s);

struct svdmlp_int8_step {
    const uint32_t *blocks;     /* n_out / 4 blocks of n_in words (int4:
                                   (n_in + 1) / 2), see above */
    const int8_t *rows;         /* the n_out % 4 last rows, or NULL */
    const int32_t *bias;        /* n_out */
    const int32_t *multiplier;  /* n_out */
    const int8_t *shift;        /* n_out, in 1..62 */
    const int8_t *table;        /* 256 entries, or NULL */
    const int32_t *runs;        /* n_runs (start, length) pairs of the inputs
                                   read, or NULL: inputs 0..n_in-1 */
    int n_runs;
    int n_in;                   /* inputs read */
    int n_out;
    int zero_point;
    int low;
    int high;
    svdmlp_int8_sums sums;      /* svdmlp_int8_sums8, or (int4) _sums4 */
};

typedef struct {
    const svdmlp_int8_step *steps;
    int n_steps;
    int n_inputs;
    int n_outputs;
} svdmlp_int8_model;

/*
 * Bytes of work buffer for a model whose widest inner step output is
 * widest, and whose first step reads gathered inputs from it (those it
 * reads, when it skips some; 0 when it reads x as it is).
 */
#define SVDMLP_INT8_WORK_BYTES(widest, gathered) \
    ((widest) + ((gathered) > (widest) ? (gathered) : (widest)))

/* sum_i x[i] * w[i] over n int8 pairs, in int32. */
int32_t svdmlp_int8_dot(const int8_t *x, const int8_t *w, int n);

/*
 * sum_i x[i] * w[i] over n int8 inputs and n int4 weights packed from w:
 * groups of 8 inputs as 4 bytes, byte k holding input k in its low four
 * bits and input k + 4 in its high four (two's complement), then the rest
 * two to a byte, low first: SVDMLP_INT4_BYTES(n) bytes.
 */
int32_t svdmlp_int4_dot(const int8_t *x, const uint8_t *w, int n);
#define SVDMLP_INT4_BYTES(n) (4 * ((n) / 8) + ((n) % 8 + 1) / 2)

/* The kernels of int8 and int4 weights. */
int svdmlp_int8_sums8(const svdmlp_int8_step *step, const int8_t *in, int32_t in_sum,
                      int j, uint32_t *s);
int svdmlp_int8_sums4(const svdmlp_int8_step *step, const int8_t *in, int32_t in_sum,
                      int j, uint32_t *s);

/* sum_i x[i] over n int8 values. */
int32_t svdmlp_int8_sum(const int8_t *x, int n);

/* The inputs a first step reads (its runs), copied from x in order. */
void svdmlp_int8_gather(const svdmlp_int8_step *step, const int8_t *x, int8_t *into);

/*
 * One step on in (in_sum the sum of its n_in values): int8 outputs into
 * out8, or (out8 NULL) int16 logits into out16. Returns the sum of the
 * int8 outputs (what the next step needs as its in_sum).
 */
int32_t svdmlp_int8_step_run(const svdmlp_int8_step *step, const int8_t *in,
                             int32_t in_sum, int8_t *out8, int16_t *out16);

/* The widest int8 output of a step but the last (at least 1). */
int svdmlp_int8_widest(const svdmlp_int8_model *model);

/*
 * Run every step on the int8 input x, writing the n_outputs int16 logits.
 * work holds SVDMLP_INT8_WORK_BYTES(widest, gathered) bytes, gathered the
 * inputs the first step reads if it skips some, else 0.
 */
void svdmlp_int8_forward(const svdmlp_int8_model *model, const int8_t *x,
                         int16_t *logits, int8_t *work);

/*
 * What a float entry point does instead, to need no buffer as wide as the
 * input: it quantizes the inputs the first step reads SVDMLP_INT8_CHUNK at a
 * time into a small buffer (each once: a pass of the kernels reads every
 * input once per four outputs), adds each chunk's share of the first step's
 * sums to acc (n_out of the first step, from 0; chunk holds inputs from ..
 * from + n - 1 of those it reads, from a multiple of SVDMLP_INT8_CHUNK), then
 * runs the rest from the sums (work: SVDMLP_INT8_WORK_BYTES(widest, 0)).
 */
#define SVDMLP_INT8_CHUNK 32
void svdmlp_int8_accumulate(const svdmlp_int8_step *step, const int8_t *chunk,
                            int from, int n, uint32_t *acc);
void svdmlp_int8_forward_sums(const svdmlp_int8_model *model, const uint32_t *acc,
                              int16_t *logits, int8_t *work);

/* Index of the largest of z[0..n-1] (the first, on ties). */
int svdmlp_int16_argmax(const int16_t *z, int n);

#ifdef __cplusplus
}
#endif

#endif /* SVDMLP_H */
