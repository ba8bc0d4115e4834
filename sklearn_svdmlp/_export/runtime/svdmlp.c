/*
 * svdmlp.c: the runtime of networks exported by sklearn-svdmlp; see svdmlp.h.
 */
#include "svdmlp.h"

#include <math.h>

/*
 * The float kernels differ only in the type of their weights, how one is
 * read as a float, and the type of their biases: out[j] = sum_i in'[i] *
 * w[i][j], accumulated in float in the order of i, then scaled and shifted.
 */
#define SVDMLP_FLOAT_KERNEL(name, weight_type, value_of, scale_and_shift)     \
    void name(const svdmlp_step *step, const float *in, float *out)           \
    {                                                                         \
        const weight_type *w = (const weight_type *)step->weights;            \
        const int n_out = step->n_out;                                        \
        int i, j;                                                             \
        for (j = 0; j < n_out; j++) {                                         \
            out[j] = 0.0f;                                                    \
        }                                                                     \
        for (i = 0; i < step->n_in; i++) {                                    \
            const float xi = svdmlp_input(step, in, i);                       \
            const weight_type *row = w + (long)i * n_out;                     \
            for (j = 0; j < n_out; j++) {                                     \
                out[j] += xi * value_of(row[j]);                              \
            }                                                                 \
        }                                                                     \
        scale_and_shift(step, out);                                           \
    }

#define SVDMLP_AS_FLOAT(value) ((float)(value))

/* Per-column scales, then a bias of bias_type read as a float. */
#define SVDMLP_SCALE_AND_SHIFT(name, bias_type)                               \
    void name(const svdmlp_step *step, float *out)                            \
    {                                                                         \
        const bias_type *b = (const bias_type *)step->bias;                   \
        int j;                                                                \
        for (j = 0; j < step->n_out; j++) {                                   \
            if (step->scales) {                                               \
                out[j] *= step->scales[j];                                    \
            }                                                                 \
            if (b) {                                                          \
                out[j] += (float)b[j];                                        \
            }                                                                 \
        }                                                                     \
    }

SVDMLP_SCALE_AND_SHIFT(svdmlp_scale_and_shift, float)

/* float64 biases, beside float64 weights. */
static SVDMLP_SCALE_AND_SHIFT(svdmlp_scale_and_shift_f64, double)

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

SVDMLP_FLOAT_KERNEL(svdmlp_affine_f64, double, SVDMLP_AS_FLOAT, svdmlp_scale_and_shift_f64)
SVDMLP_FLOAT_KERNEL(svdmlp_affine_f32, float, SVDMLP_AS_FLOAT, svdmlp_scale_and_shift)
SVDMLP_FLOAT_KERNEL(svdmlp_affine_f16, unsigned short, svdmlp_half, svdmlp_scale_and_shift)
SVDMLP_FLOAT_KERNEL(svdmlp_affine_i8, signed char, SVDMLP_AS_FLOAT, svdmlp_scale_and_shift)

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
