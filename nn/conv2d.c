/* conv2d.c: 2-D convolution, NCHW, forward and backward.
 *
 * The sgemm path turns each block of PIXEL_BLOCK output pixels of one image
 * and group into a column matrix (im2col): rows are (input channel, kh,
 * kw), matching the weight's flattening, so the block's output is one
 * GEMM, W_g (C_out/g x C_in/g*KH*KW) . cols.  The direct path loops over
 * taps and adds whole rows, which GCC vectorises; it wins for depthwise and
 * narrow layers, where the GEMM would be a thin matrix-vector product.
 *
 * Determinism: every task below is fixed by the shape alone and owns its
 * outputs (an output block, an output channel, a block of input channels,
 * a partial sum of the weight gradient, a weight row), summing in a fixed
 * order; threads only change which task runs where.  So any pool gives
 * the bits of no pool.  The price is the workspace for DW_CHUNKS partial
 * weight gradients.
 */
#include "conv2d.h"

#include <cblas.h>
#include <string.h>

#define PIXEL_BLOCK 256         /* output pixels per im2col block */
#define DW_CHUNKS 8             /* weight-gradient partial sums */
#define CI_BLOCK 16             /* input channels per input-grad task */

static int sgemm_min_dim = 8;

void
ae_conv2d_set_sgemm_min_dim (int dim)
{
  sgemm_min_dim = dim;
}

static inline int
or_one (int v)
{
  return v ? v : 1;
}

static int
out_size (int n_in, int pad, int dilation, int kernel, int stride)
{
  int span = dilation * (kernel - 1) + 1;

  if (n_in + 2 * pad < span)
    return 0;
  return (n_in + 2 * pad - span) / stride + 1;
}

int
ae_conv2d_h_out (const AeConv2dShape * s)
{
  return out_size (s->h_in, s->pad_h, or_one (s->dilation_h), s->kernel_h,
      or_one (s->stride_h));
}

int
ae_conv2d_w_out (const AeConv2dShape * s)
{
  return out_size (s->w_in, s->pad_w, or_one (s->dilation_w), s->kernel_w,
      or_one (s->stride_w));
}

/* Everything derived from the shape, computed once per call. */
typedef struct
{
  const AeConv2dShape *s;
  int sh, sw, dh, dw, groups;
  int h_out, w_out;
  gsize hw_in, hw_out;
  int cin_g, cout_g;
  int kk;                       /* KH * KW */
  int rows;                     /* cin_g * kk: GEMM depth, weight row length */
  int p_block, n_pblocks;
} Geom;

static gboolean
geom_init (Geom * g, const AeConv2dShape * s)
{
  g_return_val_if_fail (s->n >= 0 && s->c_in > 0 && s->c_out > 0, FALSE);
  g_return_val_if_fail (s->kernel_h > 0 && s->kernel_w > 0, FALSE);
  g_return_val_if_fail (s->pad_h >= 0 && s->pad_w >= 0, FALSE);
  g->s = s;
  g->sh = or_one (s->stride_h);
  g->sw = or_one (s->stride_w);
  g->dh = or_one (s->dilation_h);
  g->dw = or_one (s->dilation_w);
  g->groups = or_one (s->groups);
  g_return_val_if_fail (s->c_in % g->groups == 0, FALSE);
  g_return_val_if_fail (s->c_out % g->groups == 0, FALSE);
  g->h_out = ae_conv2d_h_out (s);
  g->w_out = ae_conv2d_w_out (s);
  g->hw_in = (gsize) s->h_in * s->w_in;
  g->hw_out = (gsize) g->h_out * g->w_out;
  g->cin_g = s->c_in / g->groups;
  g->cout_g = s->c_out / g->groups;
  g->kk = s->kernel_h * s->kernel_w;
  g->rows = g->cin_g * g->kk;
  g->p_block = (int) MIN ((gsize) PIXEL_BLOCK, g->hw_out);
  g->n_pblocks = g->p_block ? (int) ((g->hw_out + g->p_block - 1)
      / g->p_block) : 0;
  return TRUE;
}

static gboolean
wants_sgemm (const Geom * g)
{
  return g->cout_g >= sgemm_min_dim && g->rows >= sgemm_min_dim;
}

/* Per-thread workspace, rounded to whole cache lines. */
static gsize
work_stride (const Geom * g)
{
  return ((gsize) g->rows * g->p_block + 15) & ~(gsize) 15;
}

/* Outputs o in [0, n_out) whose input index o * stride + off lies in
 * [0, n_in): the half-open range [*lo, *hi). */
static inline void
valid_range (int off, int stride, int n_in, int n_out, int *lo, int *hi)
{
  int l = 0, h;

  if (off < 0)
    l = (-off + stride - 1) / stride;
  h = n_in - 1 - off < 0 ? 0 : (n_in - 1 - off) / stride + 1;
  h = MIN (h, n_out);
  *lo = MIN (l, h);
  *hi = h;
}

/* im2col and its adjoint walk the output pixels [p0, p0 + np) in runs
 * cut at row ends.  Per run, each kernel column's input span is found
 * once (kw_span); then every channel and kernel row is a plain strided
 * copy, with no division or per-pixel bounds test in the inner loops
 * (per-pixel tests were most of a training step). */
#define MAX_FAST_KW 16

typedef struct
{
  int iw0;                      /* input column of the run's first pixel */
  int j0, j1;                   /* run pixels [j0, j1) have input columns */
} KwSpan;

static void
kw_span (const Geom * g, int ow, int len, int kw, KwSpan * k)
{
  const AeConv2dShape *s = g->s;
  int sw = g->sw;

  k->iw0 = ow * sw + kw * g->dw - s->pad_w;
  if (sw == 1) {
    k->j0 = MAX (-k->iw0, 0);
    k->j1 = s->w_in - k->iw0;
  } else {
    k->j0 = k->iw0 >= 0 ? 0 : (-k->iw0 + sw - 1) / sw;
    k->j1 = k->iw0 >= s->w_in ? 0 : (s->w_in - k->iw0 + sw - 1) / sw;
  }
  k->j0 = MIN (k->j0, len);
  k->j1 = CLAMP (k->j1, k->j0, len);
}

/* The runs of [p0, p0 + np): output row oh from column ow, len pixels,
 * at offset off among the np columns. */
typedef struct
{
  gsize p, end, p0;
  int oh, ow, len, off;
  int w_out;
} RunIter;

static void
run_iter_init (RunIter * r, const Geom * g, gsize p0, int np)
{
  r->p = r->p0 = p0;
  r->end = p0 + np;
  r->w_out = g->w_out;
  r->oh = (int) (p0 / g->w_out);
  r->ow = (int) (p0 % g->w_out);
}

static gboolean
run_iter_next (RunIter * r)
{
  if (r->p >= r->end)
    return FALSE;
  r->len = (int) MIN ((gsize) (r->w_out - r->ow), r->end - r->p);
  r->off = (int) (r->p - r->p0);
  return TRUE;
}

static void
run_iter_advance (RunIter * r)
{
  r->p += r->len;
  r->ow = 0;
  r->oh++;
}

/* Stride 1 with as many output columns as input columns (a "same"
 * convolution): then tap (kh, kw) of output pixel p is input pixel p + d,
 * d = (kh dh - pad_h) W + kw dw - pad_w, so a tap's row of cols is one
 * shifted copy of the plane.  Copying it whole and then zeroing the
 * columns that wrapped across a row end replaces a few library calls per
 * output row (most of a small layer's im2col time) with one per block;
 * taps above or below the image fall outside the plane, or onto exactly
 * those wrapped columns. */
static gboolean
is_shift (const Geom * g)
{
  const AeConv2dShape *s = g->s;

  return g->sh == 1 && g->sw == 1 && g->w_out == s->w_in
      && s->pad_w < s->w_in && (s->kernel_w - 1) * g->dw - s->pad_w < s->w_in;
}

/* The shift of tap (kh, kw): its offset in the plane, column shift, and
 * the block's pixels [*lo, *hi) whose p + d lies inside the plane. */
static inline gssize
tap_shift (const Geom * g, int kh, int kw, gsize p0, int np, int *col_shift,
    int *lo, int *hi)
{
  const AeConv2dShape *s = g->s;
  gssize d = (gssize) (kh * g->dh - s->pad_h) * s->w_in
      + kw * g->dw - s->pad_w;
  gssize first = (gssize) p0 + d;

  *col_shift = kw * g->dw - s->pad_w;
  *lo = (int) CLAMP (-first, 0, np);
  *hi = (int) CLAMP ((gssize) g->hw_in - first, *lo, np);
  return first;
}

/* Zeroes row[a, b) clipped to [0, np): a pad's width, a float or two,
 * where a memset call would cost more than the stores. */
static inline void
zero_clipped (float *row, gssize a, gssize b, int np)
{
  gssize i;

  for (i = MAX (a, 0); i < MIN (b, (gssize) np); i++)
    row[i] = 0.0f;
}

/* Zeroes the entries of a tap's row of cols (the block's np pixels from
 * p0) whose column plus @col_shift falls outside the image row. */
static void
zero_wrapped (float *row, const Geom * g, gsize p0, int np, int col_shift)
{
  gssize w = g->w_out;
  gssize p;                     /* an output row's start, from p0 */

  if (col_shift < 0)            /* the first -col_shift columns wrapped */
    for (p = -(gssize) (p0 % w); p < np; p += w)
      zero_clipped (row, p, p - col_shift, np);
  else if (col_shift > 0)       /* the last col_shift columns wrapped */
    for (p = -(gssize) (p0 % w); p < np; p += w)
      zero_clipped (row, p + w - col_shift, p + w, np);
}

static void
im2col_shift (float *cols, const float *x, int c0, int nc, gsize p0,
    int np, const Geom * g)
{
  const AeConv2dShape *s = g->s;
  int kwn = s->kernel_w, kk = s->kernel_h * kwn;
  int c, kh, kw;

  for (kh = 0; kh < s->kernel_h; kh++)
    for (kw = 0; kw < kwn; kw++) {
      int col_shift, lo, hi;
      gssize first = tap_shift (g, kh, kw, p0, np, &col_shift, &lo, &hi);

      for (c = 0; c < nc; c++) {
        float *dst = cols + ((gsize) c * kk + kh * kwn + kw) * np;
        const float *plane = x + (gsize) (c0 + c) * g->hw_in;

        memset (dst, 0, sizeof (float) * lo);
        if (hi > lo)            /* first itself may lie outside the plane */
          memcpy (dst + lo, plane + (first + lo), sizeof (float) * (hi - lo));
        memset (dst + hi, 0, sizeof (float) * (np - hi));
        zero_wrapped (dst, g, p0, np, col_shift);
      }
    }
}

/* The adjoint of im2col_shift.  Wrapped entries of @cols (scratch) are
 * zeroed first, so the add runs over one contiguous stretch per tap. */
static void
col2im_shift_add (float *x, float *cols, int c0, int nc, gsize p0, int np,
    const Geom * g)
{
  const AeConv2dShape *s = g->s;
  int kwn = s->kernel_w, kk = s->kernel_h * kwn;
  int c, kh, kw, j;

  for (kh = 0; kh < s->kernel_h; kh++)
    for (kw = 0; kw < kwn; kw++) {
      int col_shift, lo, hi;
      gssize first = tap_shift (g, kh, kw, p0, np, &col_shift, &lo, &hi);

      if (hi == lo)             /* first itself may lie outside the plane */
        continue;
      for (c = 0; c < nc; c++) {
        float *row = cols + ((gsize) c * kk + kh * kwn + kw) * np;
        float *dst = x + (gsize) (c0 + c) * g->hw_in + (first + lo);

        zero_wrapped (row, g, p0, np, col_shift);
        for (j = lo; j < hi; j++)
          dst[j - lo] += row[j];
      }
    }
}

/* The input gradient of a stride-1 convolution with as many output as
 * input columns is itself such a convolution: of dout, by the weight with
 * its channel axes swapped and its taps reversed, padded by the rest of
 * the kernel's span.  As a forward its GEMM is C_in x (C_out KH KW) deep
 * per pixel block, where the direct adjoint's is only C_out deep (a thin,
 * slow product for narrow layers) and needs col2im.  TRUE and @t filled
 * when that applies. */
static gboolean
transposed_shape (const AeConv2dShape * s, AeConv2dShape * t)
{
  Geom g, gt;

  if (!geom_init (&g, s) || !is_shift (&g) || !wants_sgemm (&g))
    return FALSE;
  if (s->pad_h > (s->kernel_h - 1) * g.dh)
    return FALSE;
  *t = *s;
  t->c_in = s->c_out;
  t->c_out = s->c_in;
  t->h_in = g.h_out;
  t->w_in = g.w_out;
  t->pad_h = (s->kernel_h - 1) * g.dh - s->pad_h;
  t->pad_w = (s->kernel_w - 1) * g.dw - s->pad_w;
  return geom_init (&gt, t) && gt.h_out == s->h_in && gt.w_out == s->w_in
      && wants_sgemm (&gt);
}

/* wt (C_in, C_out/groups, KH, KW) = w (C_out, C_in/groups, KH, KW) with
 * each group's channel axes swapped and its taps reversed. */
static void
transpose_weight (float *wt, const float *w, const Geom * g)
{
  int grp, co, ci, k;

  for (grp = 0; grp < g->groups; grp++)
    for (co = 0; co < g->cout_g; co++)
      for (ci = 0; ci < g->cin_g; ci++) {
        const float *src = w + ((gsize) (grp * g->cout_g + co) * g->cin_g
            + ci) * g->kk;
        float *dst = wt + ((gsize) (grp * g->cin_g + ci) * g->cout_g + co)
            * g->kk;
        for (k = 0; k < g->kk; k++)
          dst[k] = src[g->kk - 1 - k];
      }
}

/* Where things lie in the caller's workspace: one im2col buffer per
 * thread, then (when the input gradient runs as a transposed forward) the
 * reversed weight, then the weight gradient's partial sums. */
typedef struct
{
  gboolean transposed;          /* the input gradient runs as @t */
  AeConv2dShape t;
  gsize cols_stride;            /* floats per thread's im2col buffer */
  gsize wt_offset, partial_offset, total;
  int n_chunks;                 /* weight-gradient partials */
} WorkLayout;

static gboolean
work_layout (WorkLayout * l, const AeConv2dShape * s, int n_threads)
{
  Geom g, gt;

  if (!geom_init (&g, s) || !wants_sgemm (&g))
    return FALSE;
  l->cols_stride = work_stride (&g);
  l->transposed = transposed_shape (s, &l->t) && geom_init (&gt, &l->t);
  if (l->transposed)
    l->cols_stride = MAX (l->cols_stride, work_stride (&gt));
  l->wt_offset = l->cols_stride * MAX (n_threads, 1);
  l->partial_offset = l->wt_offset
      + (l->transposed ? (gsize) s->c_out * g.rows : 0);
  l->n_chunks = (int) MIN ((gsize) DW_CHUNKS, (gsize) s->n * g.n_pblocks);
  l->total = l->partial_offset + (gsize) l->n_chunks * s->c_out * g.rows;
  return TRUE;
}

gsize
ae_conv2d_workspace_floats (const AeConv2dShape * s, int n_threads)
{
  WorkLayout l;

  return work_layout (&l, s, n_threads) ? l.total : 0;
}

/* cols (nc * KK, np) = patches of channels [c0, c0 + nc) of one image
 *   x (C, H_in, W_in), for output pixels [p0, p0 + np); zero outside. */
static void
im2col (float *cols, const float *x, int c0, int nc, gsize p0, int np,
    const Geom * g)
{
  const AeConv2dShape *s = g->s;
  int kwn = s->kernel_w, kk = s->kernel_h * kwn;
  KwSpan span[MAX_FAST_KW];
  RunIter r;
  int c, kh, kw, j;

  if (is_shift (g)) {
    im2col_shift (cols, x, c0, nc, p0, np, g);
    return;
  }
  g_return_if_fail (kwn <= MAX_FAST_KW);
  for (run_iter_init (&r, g, p0, np); run_iter_next (&r);
      run_iter_advance (&r)) {
    int oh = r.oh, len = r.len, off = r.off;
    for (kw = 0; kw < kwn; kw++)
      kw_span (g, r.ow, len, kw, &span[kw]);
    for (c = 0; c < nc; c++) {
      const float *xc = x + (gsize) (c0 + c) * g->hw_in;
      for (kh = 0; kh < s->kernel_h; kh++) {
        int ih = oh * g->sh + kh * g->dh - s->pad_h;
        for (kw = 0; kw < kwn; kw++) {
          float *dst = cols + ((gsize) c * kk + kh * kwn + kw) * np + off;
          const KwSpan *k = &span[kw];
          const float *row;
          if (ih < 0 || ih >= s->h_in) {
            memset (dst, 0, sizeof (float) * len);
            continue;
          }
          row = xc + (gsize) ih * s->w_in + k->iw0;
          memset (dst, 0, sizeof (float) * k->j0);
          if (g->sw == 1)
            memcpy (dst + k->j0, row + k->j0,
                sizeof (float) * (k->j1 - k->j0));
          else
            for (j = k->j0; j < k->j1; j++)
              dst[j] = row[j * g->sw];
          memset (dst + k->j1, 0, sizeof (float) * (len - k->j1));
        }
      }
    }
  }
}

/* The adjoint of im2col: x (C, H_in, W_in) += scatter of cols (nc * KK,
 * np).  The order of the additions into each input pixel is fixed by the
 * shape (runs, then channel, kernel row, kernel column), so the bits do
 * not depend on threads. */
static void
col2im_add (float *x, float *cols, int c0, int nc, gsize p0, int np,
    const Geom * g)
{
  const AeConv2dShape *s = g->s;
  int kwn = s->kernel_w, kk = s->kernel_h * kwn;
  KwSpan span[MAX_FAST_KW];
  RunIter r;
  int c, kh, kw, j;

  if (is_shift (g)) {
    col2im_shift_add (x, cols, c0, nc, p0, np, g);
    return;
  }
  g_return_if_fail (kwn <= MAX_FAST_KW);
  for (run_iter_init (&r, g, p0, np); run_iter_next (&r);
      run_iter_advance (&r)) {
    int oh = r.oh, len = r.len, off = r.off;
    for (kw = 0; kw < kwn; kw++)
      kw_span (g, r.ow, len, kw, &span[kw]);
    for (c = 0; c < nc; c++) {
      float *xc = x + (gsize) (c0 + c) * g->hw_in;
      for (kh = 0; kh < s->kernel_h; kh++) {
        int ih = oh * g->sh + kh * g->dh - s->pad_h;
        if (ih < 0 || ih >= s->h_in)
          continue;
        for (kw = 0; kw < kwn; kw++) {
          const float *src = cols + ((gsize) c * kk + kh * kwn + kw) * np
              + off;
          const KwSpan *k = &span[kw];
          float *row = xc + (gsize) ih * s->w_in + k->iw0;
          if (g->sw == 1)       /* contiguous: vectorises */
            for (j = k->j0; j < k->j1; j++)
              row[j] += src[j];
          else
            for (j = k->j0; j < k->j1; j++)
              row[j * g->sw] += src[j];
        }
      }
    }
  }
}

/* What a run of tasks needs; one struct for every kind of task. */
typedef struct
{
  Geom g;
  float *out;                   /* forward output, or din */
  float *dweight;
  const float *in;              /* forward input, or dout */
  const float *x;               /* the forward input, for dweight */
  const float *weight;
  const float *bias;
  gboolean add;
  float *work;
  gsize work_stride;
  float *partials;              /* weight-gradient chunks' sums */
  int n_chunks;
  float *dbias;
  AeAct act;                    /* applied to the forward's output */
} Job;

/* Forward, sgemm: task = (image, group, pixel block). */
static void
forward_sgemm_task (int task, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  const AeConv2dShape *s = g->s;
  int per_image = g->groups * g->n_pblocks;
  int b = task / per_image;
  int grp = (task % per_image) / g->n_pblocks;
  int pb = task % g->n_pblocks;
  gsize p0 = (gsize) pb * g->p_block;
  int np = (int) MIN ((gsize) g->p_block, g->hw_out - p0);
  float *cols = j->work + thread * j->work_stride;
  float *y = j->out + ((gsize) b * s->c_out + (gsize) grp * g->cout_g)
      * g->hw_out + p0;
  int co, i;

  im2col (cols, j->in + ((gsize) b * s->c_in + (gsize) grp * g->cin_g)
      * g->hw_in, 0, g->cin_g, p0, np, g);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
      g->cout_g, np, g->rows, 1.0f,
      j->weight + (gsize) grp * g->cout_g * g->rows, g->rows,
      cols, np, j->add ? 1.0f : 0.0f, y, g->hw_out);
  if (j->add)
    return;
  /* Bias and activation while the block is still in cache. */
  for (co = 0; co < g->cout_g; co++) {
    float v = j->bias ? j->bias[grp * g->cout_g + co] : 0.0f;
    float *yr = y + (gsize) co * g->hw_out;
    for (i = 0; i < np; i++)
      yr[i] += v;
    if (j->act != AE_ACT_NONE)
      ae_act_forward (j->act, yr, yr, np);
  }
}

/* Forward, direct: task = (image, output channel). */
static void
forward_direct_task (int task, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  const AeConv2dShape *s = g->s;
  int b = task / s->c_out, co = task % s->c_out;
  int grp = co / g->cout_g;
  float *y = j->out + ((gsize) b * s->c_out + co) * g->hw_out;
  /* Locals, not g-> loads: with -fno-strict-aliasing a float store could
   * alias them, and reloading each one every step stops vectorisation. */
  const int sh = g->sh, sw = g->sw, w_in = s->w_in, w_out = g->w_out;
  int ci, kh, kw, oh, ow;
  gsize i;

  if (!j->add) {
    float v = j->bias ? j->bias[co] : 0.0f;
    for (i = 0; i < g->hw_out; i++)
      y[i] = v;
  }
  for (ci = 0; ci < g->cin_g; ci++) {
    const float *xc = j->in + ((gsize) b * s->c_in + (gsize) grp * g->cin_g
        + ci) * g->hw_in;
    const float *w = j->weight + ((gsize) co * g->cin_g + ci) * g->kk;
    for (kh = 0; kh < s->kernel_h; kh++) {
      int off_h = kh * g->dh - s->pad_h, oh_lo, oh_hi;

      valid_range (off_h, g->sh, s->h_in, g->h_out, &oh_lo, &oh_hi);
      for (kw = 0; kw < s->kernel_w; kw++) {
        int off_w = kw * g->dw - s->pad_w, ow_lo, ow_hi;
        const float wv = w[kh * s->kernel_w + kw];

        valid_range (off_w, g->sw, s->w_in, g->w_out, &ow_lo, &ow_hi);
        for (oh = oh_lo; oh < oh_hi; oh++) {
          float *yr = y + (gsize) oh * w_out;
          const float *xr = xc + (gsize) (oh * sh + off_h) * w_in;
          for (ow = ow_lo; ow < ow_hi; ow++)
            yr[ow] += wv * xr[ow * sw + off_w];
        }
      }
    }
  }
  if (!j->add && j->act != AE_ACT_NONE)
    ae_act_forward (j->act, y, y, g->hw_out);
}

static void
forward_impl (float *out, const float *in, const float *weight,
    const float *bias, AeAct act, gboolean add, const AeConv2dShape * s,
    AeThreadPool * pool, float *work)
{
  Job j = { 0 };

  if (!geom_init (&j.g, s) || j.g.hw_out == 0 || s->n == 0)
    return;
  j.out = out;
  j.in = in;
  j.weight = weight;
  j.bias = bias;
  j.act = act;
  j.add = add;
  if (work && wants_sgemm (&j.g)) {
    /* the first of the workspace's per-thread buffers, at least this big */
    j.work = work;
    j.work_stride = work_stride (&j.g);
    ae_threadpool_run (pool, s->n * j.g.groups * j.g.n_pblocks,
        forward_sgemm_task, &j);
  } else {
    ae_threadpool_run (pool, s->n * s->c_out, forward_direct_task, &j);
  }
}

void
ae_conv2d_forward (float *out, const float *in, const float *weight,
    const float *bias, const AeConv2dShape * s, AeThreadPool * pool,
    float *work)
{
  forward_impl (out, in, weight, bias, AE_ACT_NONE, FALSE, s, pool, work);
}

void
ae_conv2d_forward_act (float *out, const float *in, const float *weight,
    const float *bias, AeAct act, const AeConv2dShape * s,
    AeThreadPool * pool, float *work)
{
  forward_impl (out, in, weight, bias, act, FALSE, s, pool, work);
}

void
ae_conv2d_forward_add (float *out, const float *in, const float *weight,
    const AeConv2dShape * s, AeThreadPool * pool, float *work)
{
  forward_impl (out, in, weight, NULL, AE_ACT_NONE, TRUE, s, pool, work);
}

void
ae_conv2d_forward_naive (float *out, const float *in, const float *weight,
    const float *bias, const AeConv2dShape * s)
{
  Geom g;
  int b, co, oh, ow, ci, kh, kw;

  if (!geom_init (&g, s))
    return;
  for (b = 0; b < s->n; b++)
    for (co = 0; co < s->c_out; co++)
      for (oh = 0; oh < g.h_out; oh++)
        for (ow = 0; ow < g.w_out; ow++) {
          int grp = co / g.cout_g;
          float acc = bias ? bias[co] : 0.0f;

          for (ci = 0; ci < g.cin_g; ci++)
            for (kh = 0; kh < s->kernel_h; kh++)
              for (kw = 0; kw < s->kernel_w; kw++) {
                int ih = oh * g.sh + kh * g.dh - s->pad_h;
                int iw = ow * g.sw + kw * g.dw - s->pad_w;

                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in)
                  continue;
                acc += in[(((gsize) b * s->c_in + grp * g.cin_g + ci)
                        * s->h_in + ih) * s->w_in + iw]
                    * weight[(((gsize) co * g.cin_g + ci) * s->kernel_h
                        + kh) * s->kernel_w + kw];
              }
          out[(((gsize) b * s->c_out + co) * g.h_out + oh) * g.w_out + ow] =
              acc;
        }
}

/* Input gradient, sgemm: task = (image, group, block of CI_BLOCK input
 * channels).  dcols = W_g[:, block]^T . dY_g, then scattered back. */
static void
din_sgemm_task (int task, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  const AeConv2dShape *s = g->s;
  int n_cib = (g->cin_g + CI_BLOCK - 1) / CI_BLOCK;
  int b = task / (g->groups * n_cib);
  int grp = (task / n_cib) % g->groups;
  int ci0 = (task % n_cib) * CI_BLOCK;
  int ncb = MIN (CI_BLOCK, g->cin_g - ci0);
  float *dcols = j->work + thread * j->work_stride;
  const float *dy = j->in + ((gsize) b * s->c_out + (gsize) grp * g->cout_g)
      * g->hw_out;
  float *dx = j->out + ((gsize) b * s->c_in + (gsize) grp * g->cin_g)
      * g->hw_in;
  int pb;

  for (pb = 0; pb < g->n_pblocks; pb++) {
    gsize p0 = (gsize) pb * g->p_block;
    int np = (int) MIN ((gsize) g->p_block, g->hw_out - p0);

    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
        ncb * g->kk, np, g->cout_g, 1.0f,
        j->weight + (gsize) grp * g->cout_g * g->rows + (gsize) ci0 * g->kk,
        g->rows, dy + p0, g->hw_out, 0.0f, dcols, np);
    col2im_add (dx, dcols, ci0, ncb, p0, np, g);
  }
}

/* Weight gradient, sgemm, in two passes fixed by the shape.  The
 * images' pixel blocks, in order, are cut into n_chunks stretches; task
 * (group, chunk) sums its stretch into its own partial with whole-layer
 * GEMMs, im2col done once per block.  Then each weight row adds the
 * partials in chunk order.  Chunks, not output channels, give the threads
 * their share: a narrow layer has few channels but many blocks. */
static void
dweight_chunk_task (int task, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  const AeConv2dShape *s = g->s;
  int grp = task / j->n_chunks, chunk = task % j->n_chunks;
  gsize n_units = (gsize) s->n * g->n_pblocks;
  gsize u0 = n_units * chunk / j->n_chunks;
  gsize u1 = n_units * (chunk + 1) / j->n_chunks, u;
  float *cols = j->work + thread * j->work_stride;
  float *dw = j->partials + ((gsize) chunk * s->c_out
      + (gsize) grp * g->cout_g) * g->rows;

  for (u = u0; u < u1; u++) {
    int b = (int) (u / g->n_pblocks);
    gsize p0 = (u % g->n_pblocks) * g->p_block;
    int np = (int) MIN ((gsize) g->p_block, g->hw_out - p0);
    const float *x = j->x + ((gsize) b * s->c_in + (gsize) grp * g->cin_g)
        * g->hw_in;
    const float *dy = j->in + ((gsize) b * s->c_out + (gsize) grp * g->cout_g)
        * g->hw_out;

    im2col (cols, x, 0, g->cin_g, p0, np, g);
    /* dW (cout_g x rows) (+)= dY (cout_g x np) . cols^T (np x rows) */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
        g->cout_g, g->rows, np, 1.0f, dy + p0, g->hw_out, cols, np,
        u == u0 ? 0.0f : 1.0f, dw, g->rows);
  }
}

static void
dweight_sum_task (int co, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  float *dw = j->dweight + (gsize) co * g->rows;
  int chunk, r;

  (void) thread;
  for (chunk = 0; chunk < j->n_chunks; chunk++) {
    const float *part = j->partials + ((gsize) chunk * g->s->c_out + co)
        * g->rows;
    for (r = 0; r < g->rows; r++)
      dw[r] += part[r];
  }
}

/* The sum of x[0, n) in eight interleaved lanes, combined in a fixed
 * order: a float sum in one chain cannot be vectorised (the compiler may
 * not reorder it) and runs at one add per latency. */
static float
sum_lanes (const float *x, gsize n)
{
  float lane[8] = { 0 };
  gsize i;
  int k;

  for (i = 0; i + 8 <= n; i += 8)
    for (k = 0; k < 8; k++)
      lane[k] += x[i + k];
  for (k = 0; i < n; i++, k++)
    lane[k] += x[i];
  return ((lane[0] + lane[4]) + (lane[1] + lane[5]))
      + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
}

/* Bias gradient: task = output channel, images in order. */
static void
dbias_task (int co, int thread, gpointer data)
{
  const Job *j = data;
  const AeConv2dShape *s = j->g.s;
  int b;

  (void) thread;
  for (b = 0; b < s->n; b++)
    j->dbias[co] += sum_lanes (j->in + ((gsize) b * s->c_out + co)
        * j->g.hw_out, j->g.hw_out);
}

/* Input gradient, direct: task = (image, input channel). */
static void
din_direct_task (int task, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  const AeConv2dShape *s = g->s;
  int b = task / s->c_in, ci = task % s->c_in;
  int grp = ci / g->cin_g, cig = ci % g->cin_g;
  float *dx = j->out + ((gsize) b * s->c_in + ci) * g->hw_in;
  const int sh = g->sh, sw = g->sw, w_in = s->w_in, w_out = g->w_out;
  int co, kh, kw, oh, ow;

  for (co = grp * g->cout_g; co < (grp + 1) * g->cout_g; co++) {
    const float *dy = j->in + ((gsize) b * s->c_out + co) * g->hw_out;
    const float *w = j->weight + ((gsize) co * g->cin_g + cig) * g->kk;
    for (kh = 0; kh < s->kernel_h; kh++) {
      int off_h = kh * g->dh - s->pad_h, oh_lo, oh_hi;

      valid_range (off_h, g->sh, s->h_in, g->h_out, &oh_lo, &oh_hi);
      for (kw = 0; kw < s->kernel_w; kw++) {
        int off_w = kw * g->dw - s->pad_w, ow_lo, ow_hi;
        const float wv = w[kh * s->kernel_w + kw];

        valid_range (off_w, g->sw, s->w_in, g->w_out, &ow_lo, &ow_hi);
        for (oh = oh_lo; oh < oh_hi; oh++) {
          const float *dyr = dy + (gsize) oh * w_out;
          float *dxr = dx + (gsize) (oh * sh + off_h) * w_in;
          for (ow = ow_lo; ow < ow_hi; ow++)
            dxr[ow * sw + off_w] += wv * dyr[ow];
        }
      }
    }
  }
}

/* Weight gradient, direct: task = output channel. */
static void
dweight_direct_task (int task, int thread, gpointer data)
{
  const Job *j = data;
  const Geom *g = &j->g;
  const AeConv2dShape *s = g->s;
  int co = task, grp = co / g->cout_g;
  const int sh = g->sh, sw = g->sw, w_in = s->w_in, w_out = g->w_out;
  int ci, kh, kw, b, oh, ow;

  for (ci = 0; ci < g->cin_g; ci++) {
    for (kh = 0; kh < s->kernel_h; kh++) {
      int off_h = kh * g->dh - s->pad_h, oh_lo, oh_hi;

      valid_range (off_h, g->sh, s->h_in, g->h_out, &oh_lo, &oh_hi);
      for (kw = 0; kw < s->kernel_w; kw++) {
        int off_w = kw * g->dw - s->pad_w, ow_lo, ow_hi;
        float acc = 0.0f;

        valid_range (off_w, g->sw, s->w_in, g->w_out, &ow_lo, &ow_hi);
        for (b = 0; b < s->n; b++) {
          const float *dy = j->in + ((gsize) b * s->c_out + co) * g->hw_out;
          const float *xc = j->x + ((gsize) b * s->c_in
              + (gsize) grp * g->cin_g + ci) * g->hw_in;
          for (oh = oh_lo; oh < oh_hi; oh++) {
            const float *dyr = dy + (gsize) oh * w_out;
            const float *xr = xc + (gsize) (oh * sh + off_h) * w_in;
            for (ow = ow_lo; ow < ow_hi; ow++)
              acc += dyr[ow] * xr[ow * sw + off_w];
          }
        }
        j->dweight[((gsize) co * g->cin_g + ci) * g->kk
            + kh * s->kernel_w + kw] += acc;
      }
    }
  }
}

void
ae_conv2d_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConv2dShape * s, AeThreadPool * pool, float *work)
{
  Job j = { 0 };
  WorkLayout l;
  gboolean sgemm;

  if (!geom_init (&j.g, s) || j.g.hw_out == 0 || s->n == 0)
    return;
  g_return_if_fail (dweight == NULL || in != NULL);
  j.out = din;
  j.dweight = dweight;
  j.in = dout;
  j.x = in;
  j.weight = weight;
  sgemm = work && work_layout (&l, s, ae_threadpool_get_n_threads (pool));
  if (sgemm) {
    j.work = work;
    j.work_stride = l.cols_stride;
    j.partials = work + l.partial_offset;
    j.n_chunks = l.n_chunks;
  }

  if (dbias) {
    j.dbias = dbias;
    ae_threadpool_run (pool, s->c_out, dbias_task, &j);
  }

  if (din && sgemm && l.transposed) {
    Job jt = { 0 };
    float *wt = work + l.wt_offset;

    geom_init (&jt.g, &l.t);
    jt.out = din;
    jt.in = dout;
    jt.add = TRUE;
    jt.work = work;
    jt.work_stride = l.cols_stride;
    jt.weight = wt;
    transpose_weight (wt, weight, &j.g);
    ae_threadpool_run (pool, s->n * jt.g.groups * jt.g.n_pblocks,
        forward_sgemm_task, &jt);
  } else if (din && sgemm)
    ae_threadpool_run (pool, s->n * j.g.groups
        * ((j.g.cin_g + CI_BLOCK - 1) / CI_BLOCK), din_sgemm_task, &j);
  else if (din)
    ae_threadpool_run (pool, s->n * s->c_in, din_direct_task, &j);

  if (dweight && sgemm) {
    ae_threadpool_run (pool, j.g.groups * j.n_chunks, dweight_chunk_task,
        &j);
    ae_threadpool_run (pool, s->c_out, dweight_sum_task, &j);
  } else if (dweight)
    ae_threadpool_run (pool, s->c_out, dweight_direct_task, &j);
}

void
ae_conv2d_backward_naive (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConv2dShape * s)
{
  Geom g;
  int b, co, oh, ow, ci, kh, kw;

  if (!geom_init (&g, s))
    return;
  for (b = 0; b < s->n; b++)
    for (co = 0; co < s->c_out; co++)
      for (oh = 0; oh < g.h_out; oh++)
        for (ow = 0; ow < g.w_out; ow++) {
          int grp = co / g.cout_g;
          float dy = dout[(((gsize) b * s->c_out + co) * g.h_out + oh)
              * g.w_out + ow];

          if (dbias)
            dbias[co] += dy;
          for (ci = 0; ci < g.cin_g; ci++)
            for (kh = 0; kh < s->kernel_h; kh++)
              for (kw = 0; kw < s->kernel_w; kw++) {
                int ih = oh * g.sh + kh * g.dh - s->pad_h;
                int iw = ow * g.sw + kw * g.dw - s->pad_w;
                gsize xi, wi;

                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in)
                  continue;
                xi = (((gsize) b * s->c_in + grp * g.cin_g + ci) * s->h_in
                    + ih) * s->w_in + iw;
                wi = (((gsize) co * g.cin_g + ci) * s->kernel_h + kh)
                    * s->kernel_w + kw;
                if (dweight)
                  dweight[wi] += dy * in[xi];
                if (din)
                  din[xi] += dy * weight[wi];
              }
        }
}
