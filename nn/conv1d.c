/* conv1d.c: causal 1-D convolution, channels last, forward and backward.
 *
 * Each kernel tap is one GEMM: rows t*stride + k*dilation of the input
 * times W[k] (C_in x C_out), accumulated into the output rows.  For the one
 * or two rows of a streaming step the BLAS call overhead dominates, so a
 * direct axpy loop (which GCC vectorises) takes over below a row count.
 */
#include "conv1d.h"
#include "tensor.h"

#include <cblas.h>
#include <string.h>

static int sgemm_min_rows = 4;

void
ae_conv1d_set_sgemm_min_rows (int rows)
{
  sgemm_min_rows = rows;
}

int
ae_conv1d_t_out (const AeConv1dShape * s)
{
  int span = (s->kernel - 1) * s->dilation + 1;

  if (s->t_in < span)
    return 0;
  return (s->t_in - span) / s->stride + 1;
}

static inline int
in_ld (const AeConv1dShape * s)
{
  return s->in_ld ? s->in_ld : s->c_in;
}

static inline int
out_ld (const AeConv1dShape * s)
{
  return s->out_ld ? s->out_ld : s->c_out;
}

static inline gsize
in_seq_floats (const AeConv1dShape * s)
{
  return (gsize) (s->in_seq_rows ? s->in_seq_rows : s->t_in) * in_ld (s);
}

static inline gsize
out_seq_floats (const AeConv1dShape * s)
{
  return (gsize) (s->out_seq_rows ? s->out_seq_rows : ae_conv1d_t_out (s))
      * out_ld (s);
}

static void
fill_bias (float *out, const float *bias, int t_out, int c_out, int ld)
{
  int t;

  for (t = 0; t < t_out; t++) {
    if (bias)
      memcpy (out + (gsize) t * ld, bias, sizeof (float) * c_out);
    else
      memset (out + (gsize) t * ld, 0, sizeof (float) * c_out);
  }
}

/* out_row (c_out) += x (c_in) . w (c_in x c_out).  Sizes in locals and
 * restrict pointers, so GCC vectorises the inner loop without alias checks
 * (the build uses -fno-strict-aliasing); an AVX2+FMA clone is picked at
 * run time on CPUs that have it, never by -march=native at build time. */
AE_TARGET_CLONES static void
row_times_matrix (float *restrict out_row, const float *restrict x,
    const float *restrict w, int c_in, int c_out)
{
  int ci, co;

  for (ci = 0; ci < c_in; ci++) {
    const float xv = x[ci];
    const float *restrict wr = w + (gsize) ci * c_out;
    for (co = 0; co < c_out; co++)
      out_row[co] += xv * wr[co];
  }
}

void
ae_conv1d_forward_naive (float *out, const float *in, const float *weight,
    const float *bias, const AeConv1dShape * s)
{
  const int t_out = ae_conv1d_t_out (s), c_in = s->c_in, c_out = s->c_out;
  const int ild = in_ld (s), old = out_ld (s);
  const gsize in_seq = in_seq_floats (s), out_seq = out_seq_floats (s);
  int b, t, k;

  for (b = 0; b < s->n; b++) {
    const float *x = in + b * in_seq;
    float *y = out + b * out_seq;

    fill_bias (y, bias, t_out, c_out, old);
    for (t = 0; t < t_out; t++)
      for (k = 0; k < s->kernel; k++)
        row_times_matrix (y + (gsize) t * old,
            x + (gsize) (t * s->stride + k * s->dilation) * ild,
            weight + (gsize) k * c_in * c_out, c_in, c_out);
  }
}

void
ae_conv1d_forward (float *out, const float *in, const float *weight,
    const float *bias, const AeConv1dShape * s)
{
  int t_out = ae_conv1d_t_out (s);
  int b, k;

  if (t_out < sgemm_min_rows) {
    ae_conv1d_forward_naive (out, in, weight, bias, s);
    return;
  }
  for (b = 0; b < s->n; b++) {
    const float *x = in + b * in_seq_floats (s);
    float *y = out + b * out_seq_floats (s);

    fill_bias (y, bias, t_out, s->c_out, out_ld (s));
    for (k = 0; k < s->kernel; k++)
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
          t_out, s->c_out, s->c_in, 1.0f,
          x + (gsize) k * s->dilation * in_ld (s), s->stride * in_ld (s),
          weight + (gsize) k * s->c_in * s->c_out, s->c_out,
          1.0f, y, out_ld (s));
  }
}

void
ae_conv1d_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConv1dShape * s)
{
  int t_out = ae_conv1d_t_out (s);
  int b, k, t, co;

  if (t_out == 0)
    return;
  for (b = 0; b < s->n; b++) {
    const float *x = in + b * in_seq_floats (s);
    const float *dy = dout + b * out_seq_floats (s);

    if (dbias)
      for (t = 0; t < t_out; t++)
        for (co = 0; co < s->c_out; co++)
          dbias[co] += dy[(gsize) t * out_ld (s) + co];

    for (k = 0; k < s->kernel; k++) {
      gsize row0 = (gsize) k * s->dilation * in_ld (s);
      gsize w_off = (gsize) k * s->c_in * s->c_out;

      /* dW[k] (C_in x C_out) += X_k^T (C_in x T_out) . dY (T_out x C_out) */
      if (dweight)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
            s->c_in, s->c_out, t_out, 1.0f,
            x + row0, s->stride * in_ld (s),
            dy, out_ld (s), 1.0f, dweight + w_off, s->c_out);
      /* dX_k (T_out x C_in) += dY (T_out x C_out) . W[k]^T */
      if (din)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
            t_out, s->c_in, s->c_out, 1.0f,
            dy, out_ld (s), weight + w_off, s->c_out,
            1.0f, din + b * in_seq_floats (s) + row0, s->stride * in_ld (s));
    }
  }
}
