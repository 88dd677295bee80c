/* norm.c: layer normalisation over channels, forward and backward.
 *
 * Positions are handled CHUNK at a time: per-position accumulators live in
 * small stack arrays and the channel loop runs over contiguous runs of
 * inner positions, so NCHW and rows share one vectorisable code path and
 * nothing is allocated.  The backward is the usual closed form (llm.c
 * layernorm_backward):
 *   din = rstd (dxhat - mean (dxhat) - xhat mean (dxhat xhat)),
 *   dxhat = dout gamma.
 */
#include "norm.h"

#include <math.h>

#define CHUNK 64

void
ae_layernorm_forward (float *out, float *mean, float *rstd, const float *in,
    const float *gamma, const float *beta, gsize outer, int channels,
    gsize inner, float eps)
{
  gsize o, i0, i, n;
  int c;

  for (o = 0; o < outer; o++) {
    const float *x = in + o * channels * inner;
    float *y = out + o * channels * inner;

    for (i0 = 0; i0 < inner; i0 += CHUNK) {
      float m[CHUNK] = { 0 }, v[CHUNK] = { 0 };

      n = MIN ((gsize) CHUNK, inner - i0);
      for (c = 0; c < channels; c++)
        for (i = 0; i < n; i++)
          m[i] += x[c * inner + i0 + i];
      for (i = 0; i < n; i++)
        m[i] /= channels;
      /* Two passes: the variance of x - mean, not E[x^2] - mean^2, which
       * cancels badly for large offsets. */
      for (c = 0; c < channels; c++)
        for (i = 0; i < n; i++) {
          float d = x[c * inner + i0 + i] - m[i];
          v[i] += d * d;
        }
      for (i = 0; i < n; i++)
        v[i] = 1.0f / sqrtf (v[i] / channels + eps);
      for (c = 0; c < channels; c++)
        for (i = 0; i < n; i++) {
          gsize k = c * inner + i0 + i;
          y[k] = (x[k] - m[i]) * v[i] * gamma[c] + beta[c];
        }
      for (i = 0; i < n; i++) {
        if (mean)
          mean[o * inner + i0 + i] = m[i];
        if (rstd)
          rstd[o * inner + i0 + i] = v[i];
      }
    }
  }
}

void
ae_layernorm_backward (float *din, float *dgamma, float *dbeta,
    const float *dout, const float *in, const float *mean, const float *rstd,
    const float *gamma, gsize outer, int channels, gsize inner)
{
  gsize o, i0, i, n;
  int c;

  for (o = 0; o < outer; o++) {
    const float *x = in + o * channels * inner;
    const float *dy = dout + o * channels * inner;
    const float *m = mean + o * inner;
    const float *rs = rstd + o * inner;
    float *dx = din ? din + o * channels * inner : NULL;

    for (i0 = 0; i0 < inner; i0 += CHUNK) {
      float sum_d[CHUNK] = { 0 }, sum_dx[CHUNK] = { 0 };

      n = MIN ((gsize) CHUNK, inner - i0);
      for (c = 0; c < channels; c++)
        for (i = 0; i < n; i++) {
          gsize k = c * inner + i0 + i;
          float xhat = (x[k] - m[i0 + i]) * rs[i0 + i];
          float dxhat = dy[k] * gamma[c];

          sum_d[i] += dxhat;
          sum_dx[i] += dxhat * xhat;
          if (dbeta)
            dbeta[c] += dy[k];
          if (dgamma)
            dgamma[c] += dy[k] * xhat;
        }
      if (dx == NULL)
        continue;
      for (i = 0; i < n; i++) {
        sum_d[i] /= channels;
        sum_dx[i] /= channels;
      }
      for (c = 0; c < channels; c++)
        for (i = 0; i < n; i++) {
          gsize k = c * inner + i0 + i;
          float xhat = (x[k] - m[i0 + i]) * rs[i0 + i];
          float dxhat = dy[k] * gamma[c];

          dx[k] += rs[i0 + i] * (dxhat - sum_d[i] - xhat * sum_dx[i]);
        }
    }
  }
}
