/* resample2d.c: pixel shuffle/unshuffle and transposed convolution.
 *
 * Shuffle and unshuffle are one index map walked in two directions; the
 * backward of each is the other, adding.  The transposed convolution
 * borrows conv2d: its forward is conv2d's input gradient, its input
 * gradient is conv2d's forward (added), and its weight gradient is
 * conv2d's weight gradient with the roles of input and output swapped.
 */
#include "resample2d.h"

/* The one index map between low (N, C r r, H, W) and high (N, C, H r,
 * W r).  TO_HIGH writes (or adds to) dst = high from src = low; TO_LOW
 * writes dst = low from src = high.  A low row is contiguous; its pixels
 * sit r apart in the high row. */
typedef enum
{
  TO_HIGH,
  TO_LOW,
} Direction;

static void
shuffle (float *dst, const float *src, int n, int c, int h, int w, int r,
    Direction dir, gboolean add)
{
  gsize hw = (gsize) h * w, hw_high = hw * r * r;
  gsize dst_step = dir == TO_HIGH ? (gsize) r : 1;
  gsize src_step = dir == TO_HIGH ? 1 : (gsize) r;
  int b, ch, i, j, y, x;

  for (b = 0; b < n; b++)
    for (ch = 0; ch < c; ch++)
      for (i = 0; i < r; i++)
        for (j = 0; j < r; j++)
          for (y = 0; y < h; y++) {
            gsize high = ((gsize) b * c + ch) * hw_high
                + ((gsize) y * r + i) * w * r + j;
            gsize low = (((gsize) b * c + ch) * r * r + i * r + j) * hw
                + (gsize) y * w;
            float *d = dst + (dir == TO_HIGH ? high : low);
            const float *sr = src + (dir == TO_HIGH ? low : high);

            if (add)
              for (x = 0; x < w; x++)
                d[x * dst_step] += sr[x * src_step];
            else
              for (x = 0; x < w; x++)
                d[x * dst_step] = sr[x * src_step];
          }
}

void
ae_pixel_shuffle_forward (float *out, const float *in, int n, int c, int h,
    int w, int r)
{
  shuffle (out, in, n, c, h, w, r, TO_HIGH, FALSE);
}

void
ae_pixel_shuffle_backward (float *din, const float *dout, int n, int c,
    int h, int w, int r)
{
  shuffle (din, dout, n, c, h, w, r, TO_LOW, TRUE);
}

void
ae_pixel_unshuffle_forward (float *out, const float *in, int n, int c,
    int h, int w, int r)
{
  g_return_if_fail (r > 0 && h % r == 0 && w % r == 0);
  shuffle (out, in, n, c, h / r, w / r, r, TO_LOW, FALSE);
}

void
ae_pixel_unshuffle_backward (float *din, const float *dout, int n, int c,
    int h, int w, int r)
{
  g_return_if_fail (r > 0 && h % r == 0 && w % r == 0);
  shuffle (din, dout, n, c, h / r, w / r, r, TO_HIGH, TRUE);
}

static inline int
or_one (int v)
{
  return v ? v : 1;
}

int
ae_conv_transpose2d_h_out (const AeConvTranspose2dShape * s)
{
  return (s->h_in - 1) * or_one (s->stride_h) - 2 * s->pad_h
      + or_one (s->dilation_h) * (s->kernel_h - 1) + s->output_pad_h + 1;
}

int
ae_conv_transpose2d_w_out (const AeConvTranspose2dShape * s)
{
  return (s->w_in - 1) * or_one (s->stride_w) - 2 * s->pad_w
      + or_one (s->dilation_w) * (s->kernel_w - 1) + s->output_pad_w + 1;
}

gboolean
ae_conv_transpose2d_as_conv2d (const AeConvTranspose2dShape * s,
    AeConv2dShape * conv)
{
  AeConv2dShape c = {
    .n = s->n,
    .c_in = s->c_out,
    .h_in = ae_conv_transpose2d_h_out (s),
    .w_in = ae_conv_transpose2d_w_out (s),
    .c_out = s->c_in,
    .kernel_h = s->kernel_h,
    .kernel_w = s->kernel_w,
    .stride_h = s->stride_h,
    .stride_w = s->stride_w,
    .pad_h = s->pad_h,
    .pad_w = s->pad_w,
    .dilation_h = s->dilation_h,
    .dilation_w = s->dilation_w,
    .groups = s->groups,
  };

  *conv = c;
  /* output_pad beyond the stride would add rows no input reaches and make
   * the conv2d's output size disagree with our input size. */
  return s->h_in > 0 && s->w_in > 0 && c.h_in > 0 && c.w_in > 0
      && s->output_pad_h >= 0 && s->output_pad_w >= 0
      && ae_conv2d_h_out (&c) == s->h_in && ae_conv2d_w_out (&c) == s->w_in;
}

gsize
ae_conv_transpose2d_workspace_floats (const AeConvTranspose2dShape * s,
    int n_threads)
{
  AeConv2dShape conv;

  if (!ae_conv_transpose2d_as_conv2d (s, &conv))
    return 0;
  return ae_conv2d_workspace_floats (&conv, n_threads);
}

static void
fill_bias (float *out, const float *bias, int n, int c, gsize hw)
{
  int b, ch;
  gsize i;

  for (b = 0; b < n; b++)
    for (ch = 0; ch < c; ch++) {
      float v = bias ? bias[ch] : 0.0f;
      float *o = out + ((gsize) b * c + ch) * hw;
      for (i = 0; i < hw; i++)
        o[i] = v;
    }
}

void
ae_conv_transpose2d_forward (float *out, const float *in,
    const float *weight, const float *bias,
    const AeConvTranspose2dShape * s, AeThreadPool * pool, float *work)
{
  AeConv2dShape conv;

  g_return_if_fail (ae_conv_transpose2d_as_conv2d (s, &conv));
  fill_bias (out, bias, s->n, s->c_out, (gsize) conv.h_in * conv.w_in);
  ae_conv2d_backward (out, NULL, NULL, in, NULL, weight, &conv, pool, work);
}

void
ae_conv_transpose2d_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConvTranspose2dShape * s, AeThreadPool * pool, float *work)
{
  AeConv2dShape conv;
  gsize hw, i;
  int b, c;

  g_return_if_fail (ae_conv_transpose2d_as_conv2d (s, &conv));
  g_return_if_fail (dweight == NULL || in != NULL);
  hw = (gsize) conv.h_in * conv.w_in;
  if (dbias)
    for (c = 0; c < s->c_out; c++)
      for (b = 0; b < s->n; b++)
        for (i = 0; i < hw; i++)
          dbias[c] += dout[((gsize) b * s->c_out + c) * hw + i];
  if (din)
    ae_conv2d_forward_add (din, dout, weight, &conv, pool, work);
  if (dweight)
    ae_conv2d_backward (NULL, dweight, NULL, in, dout, weight, &conv, pool,
        work);
}

/* The scatter both naive functions share: for every (input pixel, tap)
 * pair landing inside the output, out += in . w when @out is given, else
 * din += dout . w and dweight += dout . in. */
static void
naive_scatter (float *out, float *din, float *dweight, const float *in,
    const float *dout, const float *weight, const AeConvTranspose2dShape * s)
{
  int h_out = ae_conv_transpose2d_h_out (s);
  int w_out = ae_conv_transpose2d_w_out (s);
  int cin_g = s->c_in / or_one (s->groups);
  int cout_g = s->c_out / or_one (s->groups);
  int b, ci, ih, iw, cog, kh, kw;

  for (b = 0; b < s->n; b++)
    for (ci = 0; ci < s->c_in; ci++)
      for (ih = 0; ih < s->h_in; ih++)
        for (iw = 0; iw < s->w_in; iw++)
          for (cog = 0; cog < cout_g; cog++)
            for (kh = 0; kh < s->kernel_h; kh++)
              for (kw = 0; kw < s->kernel_w; kw++) {
                int co = (ci / cin_g) * cout_g + cog;
                int oh = ih * or_one (s->stride_h)
                    + kh * or_one (s->dilation_h) - s->pad_h;
                int ow = iw * or_one (s->stride_w)
                    + kw * or_one (s->dilation_w) - s->pad_w;
                gsize xi, wi, yi;

                if (oh < 0 || oh >= h_out || ow < 0 || ow >= w_out)
                  continue;
                xi = (((gsize) b * s->c_in + ci) * s->h_in + ih) * s->w_in
                    + iw;
                wi = (((gsize) ci * cout_g + cog) * s->kernel_h + kh)
                    * s->kernel_w + kw;
                yi = (((gsize) b * s->c_out + co) * h_out + oh) * w_out + ow;
                if (out)
                  out[yi] += in[xi] * weight[wi];
                if (din)
                  din[xi] += dout[yi] * weight[wi];
                if (dweight)
                  dweight[wi] += dout[yi] * in[xi];
              }
}

void
ae_conv_transpose2d_forward_naive (float *out, const float *in,
    const float *weight, const float *bias,
    const AeConvTranspose2dShape * s)
{
  gsize hw = (gsize) ae_conv_transpose2d_h_out (s)
      * ae_conv_transpose2d_w_out (s);

  fill_bias (out, bias, s->n, s->c_out, hw);
  naive_scatter (out, NULL, NULL, in, NULL, weight, s);
}

void
ae_conv_transpose2d_backward_naive (float *din, float *dweight,
    float *dbias, const float *dout, const float *in, const float *weight,
    const AeConvTranspose2dShape * s)
{
  gsize hw = (gsize) ae_conv_transpose2d_h_out (s)
      * ae_conv_transpose2d_w_out (s), i;
  int b, c;

  if (dbias)
    for (b = 0; b < s->n; b++)
      for (c = 0; c < s->c_out; c++)
        for (i = 0; i < hw; i++)
          dbias[c] += dout[((gsize) b * s->c_out + c) * hw + i];
  if (din || dweight)
    naive_scatter (NULL, din, dweight, in, dout, weight, s);
}
