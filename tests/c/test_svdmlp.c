/*
 * Unit tests of the C runtime (svdmlp.h, svdmlp.c) on its own: each kernel,
 * the activations and the forward pass, on small hand-computed cases.
 * Built and run by tests/test_c_runtime.py; prints "ok" and exits 0 when
 * every check holds, names the first that fails otherwise.
 */
#include <math.h>
#include <stdio.h>

#include "svdmlp.h"

static int failures = 0;

static void check(int holds, const char *what)
{
    if (!holds) {
        printf("FAILED: %s\n", what);
        failures++;
    }
}

static int close_to(float a, float b)
{
    return fabsf(a - b) <= 1e-6f * (1.0f + fabsf(b));
}

/* in = (1, 2), w = [[1, 2, 3], [4, 5, 6]]: in @ w = (9, 12, 15). */
static const float w_f32[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
/* 1, 2, 3, 4, 5, 6 as IEEE half-precision bits. */
static const unsigned short w_f16[6] = {0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600};
static const signed char w_i8[6] = {1, 2, 3, 4, 5, 6};
static const float scales[3] = {0.5f, 1.0f, 2.0f};
static const float bias[3] = {1.0f, -1.0f, 0.0f};
static const float in[2] = {1.0f, 2.0f};

static void test_kernels(void)
{
    const svdmlp_step f32 = {svdmlp_affine_f32, w_f32, 0, bias, 0, 0, 0, 0, 2, 3, 0};
    const svdmlp_step f16 = {svdmlp_affine_f16, w_f16, 0, bias, 0, 0, 0, 0, 2, 3, 0};
    const svdmlp_step i8 = {svdmlp_affine_i8, w_i8, scales, bias, 0, 0, 0, 0, 2, 3, 0};
    const svdmlp_step *plain[2] = {&f32, &f16};
    const float expected[3] = {10.0f, 11.0f, 15.0f};
    const float scaled[3] = {5.5f, 11.0f, 30.0f};
    float out[3];
    int k, j;
    for (k = 0; k < 2; k++) {
        plain[k]->kernel(plain[k], in, out);
        for (j = 0; j < 3; j++) {
            check(close_to(out[j], expected[j]), "float kernel: in @ w + b");
        }
    }
    i8.kernel(&i8, in, out);
    for (j = 0; j < 3; j++) {
        check(close_to(out[j], scaled[j]), "int8 kernel: (in @ q) * scales + b");
    }
}

/* int4, two a byte, column 2k low: [[1, -2, 3], [4, 5, -6]] (odd: a pad). */
static const unsigned char w_i4[4] = {0xE1, 0x03, 0x54, 0x0A};

static void test_int4_kernel(void)
{
    const svdmlp_step i4 = {svdmlp_affine_i4, w_i4, scales, bias, 0, 0, 0, 0, 2, 3, 0};
    /* in @ q = (9, 8, -9); * (0.5, 1, 2) + (1, -1, 0). */
    const float expected[3] = {5.5f, 7.0f, -18.0f};
    float out[3];
    int j;
    i4.kernel(&i4, in, out);
    for (j = 0; j < 3; j++) {
        check(close_to(out[j], expected[j]), "int4 kernel: nibbles, sign, pad");
    }
}

static void test_int4_dot(void)
{
    /* 1, 2, 3, 4, 5, 6, 7, -1 as a group (byte k: k low, k + 4 high), then
       -2, 3 and -7 two to a byte, a zero nibble after the last. */
    static const uint8_t w[6] = {0x51, 0x62, 0x73, 0xF4, 0x3E, 0x09};
    static const int8_t x[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -128};
    /* 1 + 4 + 9 + 16 + 25 + 36 + 49 - 8 - 18 + 30 + 896 */
    check(svdmlp_int4_dot(x, w, 11) == 1040, "int4 dot: a group and a tail");
    check(svdmlp_int4_dot(x, w, 8) == 132, "int4 dot: one group");
    check(svdmlp_int4_dot(x + 8, w + 4, 3) == 908, "int4 dot: a tail alone");
    check(SVDMLP_INT4_BYTES(11) == 6 && SVDMLP_INT4_BYTES(8) == 4
              && SVDMLP_INT4_BYTES(1) == 1,
          "int4 bytes of a run");
}

static void test_runs(void)
{
    /* Inputs 0 and 2 of three are read (input 1 constant in training). */
    static const int32_t runs[4] = {0, 1, 2, 1};
    static const float wide_in[3] = {1.0f, 99.0f, 2.0f};
    static const float mean[3] = {0.0f, 50.0f, 1.0f};
    static const float scale[3] = {1.0f, 7.0f, 0.5f};
    const svdmlp_step step = {svdmlp_affine_f32, w_f32, 0, bias, 0, 0, runs, 2, 2, 3, 0};
    /* Standardized by the input's own index: (1, (2 - 1) / 0.5) = (1, 2). */
    const svdmlp_step scaled_step = {svdmlp_affine_i8, w_i8, 0, 0, mean, scale, runs, 2, 2, 3, 0};
    const float expected[3] = {10.0f, 11.0f, 15.0f};
    float out[3];
    int j;
    step.kernel(&step, wide_in, out);
    for (j = 0; j < 3; j++) {
        check(close_to(out[j], expected[j]), "runs: the inputs read, rows in order");
    }
    scaled_step.kernel(&scaled_step, wide_in, out);
    for (j = 0; j < 3; j++) {
        check(close_to(out[j], expected[j] - bias[j]), "runs: standardized by index");
    }
}

static void test_standardized_input(void)
{
    static const float mean[2] = {1.0f, 0.0f};
    static const float scale[2] = {1.0f, 4.0f};
    /* ((1 - 1) / 1, (2 - 0) / 4) = (0, 0.5): @ w = (2, 2.5, 3). */
    const svdmlp_step step = {svdmlp_affine_f32, w_f32, 0, 0, mean, scale, 0, 0, 2, 3, 0};
    float out[3];
    step.kernel(&step, in, out);
    check(close_to(out[0], 2.0f) && close_to(out[1], 2.5f) && close_to(out[2], 3.0f),
          "input standardized as it is read");
}

static void test_half(void)
{
    check(svdmlp_half(0x3c00) == 1.0f, "half 1");
    check(svdmlp_half(0xc000) == -2.0f, "half -2");
    check(svdmlp_half(0x0001) == ldexpf(1.0f, -24), "half smallest subnormal");
    check(svdmlp_half(0x7bff) == 65504.0f, "half largest");
    check(isinf(svdmlp_half(0x7c00)), "half infinity");
    check(isnan(svdmlp_half(0x7e00)), "half NaN");
}

static void test_activations(void)
{
    float z[3] = {-1.0f, 0.0f, 2.0f};
    float total;
    svdmlp_activate(z, 3, SVDMLP_RELU);
    check(z[0] == 0.0f && z[1] == 0.0f && z[2] == 2.0f, "relu");
    z[0] = 0.0f;
    svdmlp_activate(z, 1, SVDMLP_LOGISTIC);
    check(close_to(z[0], 0.5f), "logistic(0)");
    z[0] = 1.0f;
    z[1] = 2.0f;
    z[2] = 3.0f;
    svdmlp_activate(z, 3, SVDMLP_SOFTMAX);
    total = z[0] + z[1] + z[2];
    check(close_to(total, 1.0f) && z[2] > z[1] && z[1] > z[0], "softmax");
    check(close_to(z[0], expf(-2.0f) / (1.0f + expf(-1.0f) + expf(-2.0f))),
          "softmax value");
    z[0] = 0.5f;
    svdmlp_activate(z, 1, SVDMLP_TANH);
    check(close_to(z[0], tanhf(0.5f)), "tanh");
    z[0] = 1.0f;
    svdmlp_activate(z, 1, SVDMLP_EXP);
    check(close_to(z[0], expf(1.0f)), "exp");
    z[0] = -3.0f;
    svdmlp_activate(z, 1, SVDMLP_IDENTITY);
    check(z[0] == -3.0f, "identity");
    check(svdmlp_argmax(z + 0, 1) == 0, "argmax of one");
}

static void test_forward(void)
{
    /* A factored layer (2 -> 1 -> 3, relu) then a dense one (3 -> 2). */
    static const float left[2] = {1.0f, -1.0f};
    static const float right[3] = {1.0f, 2.0f, -1.0f};
    static const float dense[6] = {1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f};
    static const float dense_bias[2] = {0.0f, 0.5f};
    static const svdmlp_step steps[3] = {
        {svdmlp_affine_f32, left, 0, 0, 0, 0, 0, 0, 2, 1, SVDMLP_IDENTITY},
        {svdmlp_affine_f32, right, 0, 0, 0, 0, 0, 0, 1, 3, SVDMLP_RELU},
        {svdmlp_affine_f32, dense, 0, dense_bias, 0, 0, 0, 0, 3, 2, SVDMLP_IDENTITY},
    };
    static const svdmlp_model model = {steps, 3, 2, 2};
    /* Inner outputs are at most 3 wide; a guard after the buffer must stay. */
    float work[SVDMLP_WORK_FLOATS(3) + 1];
    const float x[2] = {-2.0f, 1.0f};
    float out[2];
    work[SVDMLP_WORK_FLOATS(3)] = 42.0f;
    /* x @ left = -3; relu((-3, -6, 3)) = (0, 0, 3); @ dense + b = (3, 3.5). */
    svdmlp_forward(&model, x, out, work);
    check(close_to(out[0], 3.0f) && close_to(out[1], 3.5f), "forward");
    check(work[SVDMLP_WORK_FLOATS(3)] == 42.0f, "forward stays in its work buffer");
    check(svdmlp_argmax(out, 2) == 1, "argmax");
}

int main(void)
{
    test_kernels();
    test_int4_kernel();
    test_runs();
    test_int4_dot();
    test_standardized_input();
    test_half();
    test_activations();
    test_forward();
    if (failures) {
        return 1;
    }
    printf("ok\n");
    return 0;
}
