/* dense.c: fully connected layer, forward and backward.
 *
 * Three GEMMs (out = X W, dW += X^T dY, dX += dY W^T) with a direct loop
 * for the few-row case, where the BLAS call costs more than the work.
 */
#include "dense.h"

#include <cblas.h>
#include <string.h>

static int sgemm_min_rows = 4;

void
ae_dense_set_sgemm_min_rows (int rows)
{
  sgemm_min_rows = rows;
}

static void
fill_bias (float *out, const float *bias, int rows, int c_out)
{
  int r;

  for (r = 0; r < rows; r++) {
    if (bias)
      memcpy (out + (gsize) r * c_out, bias, sizeof (float) * c_out);
    else
      memset (out + (gsize) r * c_out, 0, sizeof (float) * c_out);
  }
}

void
ae_dense_forward_naive (float *out, const float *in, const float *weight,
    const float *bias, int rows, int c_in, int c_out)
{
  int r, ci, co;

  fill_bias (out, bias, rows, c_out);
  for (r = 0; r < rows; r++) {
    const float *x = in + (gsize) r * c_in;
    float *y = out + (gsize) r * c_out;
    for (ci = 0; ci < c_in; ci++) {
      const float xv = x[ci];
      const float *w = weight + (gsize) ci * c_out;
      for (co = 0; co < c_out; co++)
        y[co] += xv * w[co];
    }
  }
}

void
ae_dense_forward (float *out, const float *in, const float *weight,
    const float *bias, int rows, int c_in, int c_out)
{
  if (rows < sgemm_min_rows) {
    ae_dense_forward_naive (out, in, weight, bias, rows, c_in, c_out);
    return;
  }
  fill_bias (out, bias, rows, c_out);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, c_out, c_in,
      1.0f, in, c_in, weight, c_out, 1.0f, out, c_out);
}

static void
backward_bias (float *dbias, const float *dout, int rows, int c_out)
{
  int r, co;

  for (r = 0; r < rows; r++)
    for (co = 0; co < c_out; co++)
      dbias[co] += dout[(gsize) r * c_out + co];
}

void
ae_dense_backward_naive (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    int rows, int c_in, int c_out)
{
  int r, ci, co;

  if (dbias)
    backward_bias (dbias, dout, rows, c_out);
  for (r = 0; r < rows; r++) {
    const float *x = in + (gsize) r * c_in;
    const float *dy = dout + (gsize) r * c_out;
    for (ci = 0; ci < c_in; ci++) {
      const float *w = weight + (gsize) ci * c_out;
      if (dweight) {
        float *dw = dweight + (gsize) ci * c_out;
        for (co = 0; co < c_out; co++)
          dw[co] += x[ci] * dy[co];
      }
      if (din) {
        float acc = 0.0f;
        for (co = 0; co < c_out; co++)
          acc += dy[co] * w[co];
        din[(gsize) r * c_in + ci] += acc;
      }
    }
  }
}

void
ae_dense_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    int rows, int c_in, int c_out)
{
  if (rows < sgemm_min_rows) {
    ae_dense_backward_naive (din, dweight, dbias, dout, in, weight, rows,
        c_in, c_out);
    return;
  }
  if (dbias)
    backward_bias (dbias, dout, rows, c_out);
  /* dW (C_in x C_out) += X^T (C_in x rows) . dY (rows x C_out) */
  if (dweight)
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, c_in, c_out, rows,
        1.0f, in, c_in, dout, c_out, 1.0f, dweight, c_out);
  /* dX (rows x C_in) += dY (rows x C_out) . W^T (C_out x C_in) */
  if (din)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, c_in, c_out,
        1.0f, dout, c_out, weight, c_out, 1.0f, din, c_in);
}
