/*
 * svdmlp.h: the runtime of networks exported by sklearn-svdmlp (export_c).
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
 * in[i] for i < n_in (standardized first where the step says so, see
 * svdmlp_input), before the activation. One kernel per storage format.
 */
typedef void (*svdmlp_kernel)(const svdmlp_step *step, const float *in, float *out);

struct svdmlp_step {
    svdmlp_kernel kernel;    /* applies weights in their storage format */
    const void *weights;     /* n_in x n_out, row-major, in the kernel's format */
    const float *scales;     /* one per output column, or NULL */
    const void *bias;        /* one per output (float; double for _f64), or NULL */
    const float *in_mean;    /* subtracted from each input first, or NULL */
    const float *in_scale;   /* then each input divided by it, or NULL */
    int n_in;
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
void svdmlp_affine_f64(const svdmlp_step *step, const float *in, float *out);
void svdmlp_affine_f32(const svdmlp_step *step, const float *in, float *out);
void svdmlp_affine_f16(const svdmlp_step *step, const float *in, float *out);
void svdmlp_affine_i8(const svdmlp_step *step, const float *in, float *out);

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

#ifdef __cplusplus
}
#endif

#endif /* SVDMLP_H */
