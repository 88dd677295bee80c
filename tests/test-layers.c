/* test-layers.c: every layer of nn/ against plain references.
 *
 * Forward: each layer against a reference written here, in double, with a
 * norm-based relative error (sqrt (sum |got - want|^2 / sum |want|^2)).
 * Backward: each gradient, for inputs and every parameter, against central
 * finite differences of loss = sum (out . r) evaluated in double, r random
 * (ggml test-backend-ops eval_grad); up to GRAD_NMAX random elements per
 * tensor.  Inputs of kinked activations are kept GRAD_KINK away from the
 * kink so no difference straddles it.
 *
 * Inputs and shapes are random on every run; GLib prints the seed and
 * --seed replays it.  Paths with a speed switch (sgemm or direct) are
 * tested both ways, and conv2d must give the same bits on any pool.
 */
#include "act.h"
#include "conv1d.h"
#include "conv2d.h"
#include "dense.h"
#include "norm.h"
#include "ops.h"
#include "resample2d.h"
#include "tensor.h"
#include "threadpool.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define FORWARD_TOL 1e-5
#define GRAD_TOL 1e-3
#define GRAD_EPS 1e-2f          /* for layers curved in the tensor */
#define GRAD_EPS_LINEAR 0.25f   /* exact for linear ones, and less noisy */
#define GRAD_NMAX 200
#define GRAD_KINK 0.05
#define SENTINEL 1234.5f

/* ---- helpers ---- */

static int
rand_int (int lo, int hi_inclusive)
{
  return g_test_rand_int_range (lo, hi_inclusive + 1);
}

static float *
rand_floats (gsize n, double lo, double hi)
{
  float *x = ae_alloc_floats (n);
  gsize i;

  g_assert_nonnull (x);
  for (i = 0; i < n; i++)
    x[i] = g_test_rand_double_range (lo, hi);
  return x;
}

/* Uniform in +-[GRAD_KINK, 1]: never within a finite difference of 0. */
static float *
rand_floats_off_kink (gsize n)
{
  float *x = ae_alloc_floats (n);
  gsize i;

  g_assert_nonnull (x);
  for (i = 0; i < n; i++) {
    double m = g_test_rand_double_range (GRAD_KINK, 1.0);
    x[i] = g_test_rand_bit ()? m : -m;
  }
  return x;
}

static float *
zeros (gsize n)
{
  float *x = ae_alloc_floats (n);

  g_assert_nonnull (x);
  return x;
}

static void
fill (float *x, gsize n, float v)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = v;
}

/* Gradient buffers start random, not zero, so that a backward which
 * overwrites instead of adding fails: n floats, then a copy of them. */
static float *
grad_new (gsize n)
{
  float *g = rand_floats (2 * n, -1, 1);

  memcpy (g + n, g, n * sizeof (float));
  return g;
}

/* Leaves in g (n) what the backward added to it. */
static void
grad_added (float *g, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    g[i] -= g[n + i];
}

static double *
ref_new (gsize n)
{
  return g_new0 (double, n);
}

/* Fails the test unless err <= tol, saying what was compared. */
static void
expect_le (const char *what, double err, double tol)
{
  if (!(err <= tol)) {
    g_printerr ("%s: relative error %.3g > %.3g\n", what, err, tol);
    g_test_fail ();
  }
}

/* Norm-based relative error of got against want.  A NaN in want marks a
 * position the layer must not write: got must still hold SENTINEL there. */
static double
rel_err (const float *got, const double *want, gsize n)
{
  double num = 0.0, den = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    double d;

    if (isnan (want[i])) {
      if (got[i] != SENTINEL)
        return INFINITY;
      continue;
    }
    d = got[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  return den > 0.0 ? sqrt (num / den) : sqrt (num);
}

/* A layer under a gradient check: forward() fills out (n_out) from the
 * current inputs and parameters; loss = sum (out . r) in double. */
typedef struct _Probe Probe;
struct _Probe
{
  void (*forward) (Probe * p);
  float *out;
  const float *r;
  gsize n_out;
};

static double
probe_loss (Probe * p)
{
  double loss = 0.0;
  gsize i;

  p->forward (p);
  for (i = 0; i < p->n_out; i++)
    loss += (double) p->out[i] * p->r[i];
  return loss;
}

/* Central differences of the loss, with step eps, against grad, over up
 * to GRAD_NMAX elements of x (all of them when there are few). */
static void
check_grad (const char *what, float *x, gsize n, const float *grad,
    Probe * p, float eps)
{
  double num = 0.0, den = 0.0, g2 = 0.0;
  gsize k, n_check = MIN (n, (gsize) GRAD_NMAX);

  for (k = 0; k < n_check; k++) {
    gsize i = n <= GRAD_NMAX ? k : (gsize) g_test_rand_int_range (0, n);
    float x0 = x[i], xp = x0 + eps, xm = x0 - eps;
    double lp, lm, fd;

    x[i] = xp;
    lp = probe_loss (p);
    x[i] = xm;
    lm = probe_loss (p);
    x[i] = x0;
    fd = (lp - lm) / ((double) xp - (double) xm);
    num += (fd - grad[i]) * (fd - grad[i]);
    den += fd * fd;
    g2 += (double) grad[i] * grad[i];
  }
  den = MAX (den, g2);
  expect_le (what, den > 0.0 ? sqrt (num / den) : sqrt (num), GRAD_TOL);
}

/* ---- threadpool ---- */

typedef struct
{
  gint *count;
  int n_threads;
  gint bad_thread;
} CountJob;

static void
count_task (int task, int thread, gpointer data)
{
  CountJob *j = data;

  g_atomic_int_inc (&j->count[task]);
  if (thread < 0 || thread >= j->n_threads)
    g_atomic_int_set (&j->bad_thread, 1);
}

static void
test_threadpool (void)
{
  int n_threads;

  for (n_threads = 1; n_threads <= 4; n_threads++) {
    AeThreadPool *pool = ae_threadpool_new (n_threads, NULL);
    int run, n_tasks, i;

    g_assert_nonnull (pool);
    g_assert_cmpint (ae_threadpool_get_n_threads (pool), ==, n_threads);
    for (run = 0; run < 20; run++) {
      CountJob j = { 0 };

      n_tasks = rand_int (0, 300);
      j.count = g_new0 (gint, MAX (n_tasks, 1));
      j.n_threads = n_threads;
      ae_threadpool_run (run % 2 ? pool : NULL, n_tasks, count_task, &j);
      for (i = 0; i < n_tasks; i++)
        g_assert_cmpint (j.count[i], ==, 1);
      g_assert_cmpint (j.bad_thread, ==, 0);
      g_free (j.count);
    }
    ae_threadpool_free (pool);
  }
  g_assert_cmpint (ae_threadpool_get_n_threads (NULL), ==, 1);
}

/* ---- dense ---- */

typedef struct
{
  Probe p;
  float *in, *w, *b;
  int rows, c_in, c_out;
} DenseProbe;

static void
dense_forward (Probe * p)
{
  DenseProbe *d = (DenseProbe *) p;

  ae_dense_forward (p->out, d->in, d->w, d->b, d->rows, d->c_in, d->c_out);
}

static void
test_dense (void)
{
  int iter, path;

  for (path = 0; path < 2; path++) {
    ae_dense_set_sgemm_min_rows (path ? 0 : G_MAXINT);
    for (iter = 0; iter < 10; iter++) {
      DenseProbe d = {.p.forward = dense_forward };
      int rows = rand_int (1, 9), c_in = rand_int (1, 40);
      int c_out = rand_int (1, 40), r, ci, co;
      float *din, *dw, *db;
      double *ref;

      d.rows = rows;
      d.c_in = c_in;
      d.c_out = c_out;
      d.in = rand_floats ((gsize) rows * c_in, -1, 1);
      d.w = rand_floats ((gsize) c_in * c_out, -1, 1);
      d.b = rand_floats (c_out, -1, 1);
      d.p.out = zeros ((gsize) rows * c_out);
      d.p.r = rand_floats ((gsize) rows * c_out, -1, 1);
      d.p.n_out = (gsize) rows * c_out;

      ref = ref_new ((gsize) rows * c_out);
      for (r = 0; r < rows; r++)
        for (co = 0; co < c_out; co++) {
          double acc = d.b[co];
          for (ci = 0; ci < c_in; ci++)
            acc += (double) d.in[r * c_in + ci] * d.w[ci * c_out + co];
          ref[r * c_out + co] = acc;
        }
      dense_forward (&d.p);
      expect_le ("dense forward", rel_err (d.p.out, ref,
              (gsize) rows * c_out), FORWARD_TOL);

      din = grad_new ((gsize) rows * c_in);
      dw = grad_new ((gsize) c_in * c_out);
      db = grad_new (c_out);
      ae_dense_backward (din, dw, db, d.p.r, d.in, d.w, rows, c_in, c_out);
      grad_added (din, (gsize) rows * c_in);
      grad_added (dw, (gsize) c_in * c_out);
      grad_added (db, c_out);
      check_grad ("dense din", d.in, (gsize) rows * c_in, din,
          &d.p, GRAD_EPS_LINEAR);
      check_grad ("dense dweight", d.w, (gsize) c_in * c_out, dw,
          &d.p, GRAD_EPS_LINEAR);
      check_grad ("dense dbias", d.b, c_out, db, &d.p, GRAD_EPS_LINEAR);

      g_free (ref);
      ae_free (din);
      ae_free (dw);
      ae_free (db);
      ae_free (d.in);
      ae_free (d.w);
      ae_free (d.b);
      ae_free (d.p.out);
      ae_free ((float *) d.p.r);
    }
  }
  ae_dense_set_sgemm_min_rows (4);
}

/* ---- conv1d ---- */

typedef struct
{
  Probe p;
  AeConv1dShape s;
  float *in, *w, *b;
  gsize n_in;
} Conv1dProbe;

static void
conv1d_forward (Probe * p)
{
  Conv1dProbe *c = (Conv1dProbe *) p;

  ae_conv1d_forward (p->out, c->in, c->w, c->b, &c->s);
}

/* A random shape with strides, dilation and row slices; @big gives
 * realistic channel counts. */
static void
conv1d_random (Conv1dProbe * c, gboolean big)
{
  AeConv1dShape *s = &c->s;
  int t_out, in_rows, out_rows;

  memset (c, 0, sizeof (*c));
  c->p.forward = conv1d_forward;
  s->n = rand_int (1, 3);
  s->c_in = big ? rand_int (32, 96) : rand_int (1, 12);
  s->c_out = big ? rand_int (32, 96) : rand_int (1, 12);
  s->kernel = rand_int (1, 4);
  s->dilation = rand_int (1, 3);
  s->stride = rand_int (1, 3);
  t_out = big ? rand_int (1, 40) : rand_int (1, 10);
  s->t_in = (t_out - 1) * s->stride + (s->kernel - 1) * s->dilation + 1
      + rand_int (0, s->stride - 1);
  s->in_ld = g_test_rand_bit ()? 0 : s->c_in + rand_int (1, 3);
  s->out_ld = g_test_rand_bit ()? 0 : s->c_out + rand_int (1, 3);
  s->in_seq_rows = g_test_rand_bit ()? 0 : s->t_in + rand_int (0, 2);
  s->out_seq_rows = g_test_rand_bit ()? 0 : t_out + rand_int (0, 2);
  g_assert_cmpint (ae_conv1d_t_out (s), ==, t_out);

  in_rows = s->in_seq_rows ? s->in_seq_rows : s->t_in;
  out_rows = s->out_seq_rows ? s->out_seq_rows : t_out;
  c->n_in = (gsize) s->n * in_rows * (s->in_ld ? s->in_ld : s->c_in);
  c->p.n_out = (gsize) s->n * out_rows * (s->out_ld ? s->out_ld : s->c_out);
  c->in = rand_floats (c->n_in, -1, 1);
  c->w = rand_floats ((gsize) s->kernel * s->c_in * s->c_out, -1, 1);
  c->b = rand_floats (s->c_out, -1, 1);
  c->p.out = zeros (c->p.n_out);
  c->p.r = rand_floats (c->p.n_out, -1, 1);
}

static void
conv1d_clear (Conv1dProbe * c)
{
  ae_free (c->in);
  ae_free (c->w);
  ae_free (c->b);
  ae_free (c->p.out);
  ae_free ((float *) c->p.r);
}

/* The plain definition, into the output buffer's layout; NaN where the
 * layer must not write. */
static double *
conv1d_reference (const Conv1dProbe * c)
{
  const AeConv1dShape *s = &c->s;
  int t_out = ae_conv1d_t_out (s);
  int in_ld = s->in_ld ? s->in_ld : s->c_in;
  int out_ld = s->out_ld ? s->out_ld : s->c_out;
  int in_rows = s->in_seq_rows ? s->in_seq_rows : s->t_in;
  int out_rows = s->out_seq_rows ? s->out_seq_rows : t_out;
  double *ref = ref_new (c->p.n_out);
  int b, t, k, ci, co;
  gsize i;

  for (i = 0; i < c->p.n_out; i++)
    ref[i] = NAN;
  for (b = 0; b < s->n; b++)
    for (t = 0; t < t_out; t++)
      for (co = 0; co < s->c_out; co++) {
        double acc = c->b[co];
        for (k = 0; k < s->kernel; k++)
          for (ci = 0; ci < s->c_in; ci++) {
            int row = b * in_rows + t * s->stride + k * s->dilation;
            acc += (double) c->in[(gsize) row * in_ld + ci]
                * c->w[((gsize) k * s->c_in + ci) * s->c_out + co];
          }
        ref[(gsize) (b * out_rows + t) * out_ld + co] = acc;
      }
  return ref;
}

static void
test_conv1d_forward (void)
{
  int iter, path;

  for (path = 0; path < 2; path++) {
    ae_conv1d_set_sgemm_min_rows (path ? 0 : G_MAXINT);
    for (iter = 0; iter < 30; iter++) {
      Conv1dProbe c;
      double *ref;

      conv1d_random (&c, iter % 3 == 0);
      fill (c.p.out, c.p.n_out, SENTINEL);
      ref = conv1d_reference (&c);
      conv1d_forward (&c.p);
      expect_le (path ? "conv1d forward (sgemm)" : "conv1d forward (direct)",
          rel_err (c.p.out, ref, c.p.n_out), FORWARD_TOL);
      g_free (ref);
      conv1d_clear (&c);
    }
  }
  ae_conv1d_set_sgemm_min_rows (4);
}

/* The two paths agree with each other, not only each with the reference. */
static void
test_conv1d_sgemm_vs_direct (void)
{
  int iter;

  for (iter = 0; iter < 30; iter++) {
    Conv1dProbe c;
    float *direct;
    double *as_double;
    gsize i;

    conv1d_random (&c, iter % 2 == 0);
    direct = zeros (c.p.n_out);
    ae_conv1d_set_sgemm_min_rows (G_MAXINT);
    ae_conv1d_forward (direct, c.in, c.w, c.b, &c.s);
    ae_conv1d_set_sgemm_min_rows (0);
    conv1d_forward (&c.p);
    as_double = ref_new (c.p.n_out);
    for (i = 0; i < c.p.n_out; i++)
      as_double[i] = direct[i];
    expect_le ("conv1d sgemm vs direct", rel_err (c.p.out, as_double,
            c.p.n_out), FORWARD_TOL);
    g_free (as_double);
    ae_free (direct);
    conv1d_clear (&c);
  }
  ae_conv1d_set_sgemm_min_rows (4);
}

static void
test_conv1d_backward (void)
{
  int iter;

  for (iter = 0; iter < 8; iter++) {
    Conv1dProbe c;
    const AeConv1dShape *s = &c.s;
    gsize n_w;
    float *din, *dw, *db;

    ae_conv1d_set_sgemm_min_rows (iter % 2 ? 0 : G_MAXINT);
    conv1d_random (&c, iter == 7);
    n_w = (gsize) s->kernel * s->c_in * s->c_out;
    din = grad_new (c.n_in);
    dw = grad_new (n_w);
    db = grad_new (s->c_out);
    ae_conv1d_backward (din, dw, db, c.p.r, c.in, c.w, s);
    grad_added (din, c.n_in);
    grad_added (dw, n_w);
    grad_added (db, s->c_out);
    check_grad ("conv1d din", c.in, c.n_in, din, &c.p, GRAD_EPS_LINEAR);
    check_grad ("conv1d dweight", c.w, n_w, dw, &c.p, GRAD_EPS_LINEAR);
    check_grad ("conv1d dbias", c.b, s->c_out, db, &c.p, GRAD_EPS_LINEAR);
    ae_free (din);
    ae_free (dw);
    ae_free (db);
    conv1d_clear (&c);
  }
  ae_conv1d_set_sgemm_min_rows (4);
}

/* ---- conv2d ---- */

typedef struct
{
  Probe p;
  AeConv2dShape s;
  float *in, *w, *b, *work;
  gsize n_in, n_w;
  AeThreadPool *pool;
} Conv2dProbe;

static void
conv2d_forward (Probe * p)
{
  Conv2dProbe *c = (Conv2dProbe *) p;

  ae_conv2d_forward (p->out, c->in, c->w, c->b, &c->s, c->pool, c->work);
}

static void
conv2d_alloc (Conv2dProbe * c, int max_threads)
{
  const AeConv2dShape *s = &c->s;
  int groups = s->groups ? s->groups : 1;

  c->p.forward = conv2d_forward;
  c->n_in = (gsize) s->n * s->c_in * s->h_in * s->w_in;
  c->n_w = (gsize) s->c_out * (s->c_in / groups) * s->kernel_h * s->kernel_w;
  c->p.n_out = (gsize) s->n * s->c_out * ae_conv2d_h_out (s)
      * ae_conv2d_w_out (s);
  g_assert_cmpuint (c->p.n_out, >, 0);
  c->in = rand_floats (c->n_in, -1, 1);
  c->w = rand_floats (c->n_w, -1, 1);
  c->b = rand_floats (s->c_out, -1, 1);
  c->p.out = zeros (c->p.n_out);
  c->p.r = rand_floats (c->p.n_out, -1, 1);
  c->work = zeros (MAX (ae_conv2d_workspace_floats (s, max_threads), 1));
}

/* A random shape: groups 1, 2 or depthwise, any stride, padding and
 * dilation; @big crosses the kernel's pixel and channel blocks. */
static void
conv2d_random (Conv2dProbe * c, gboolean big)
{
  AeConv2dShape *s = &c->s;
  int cin_g, cout_g, span_h, span_w;

  memset (c, 0, sizeof (*c));
  switch (rand_int (0, 2)) {
    case 0:
      s->groups = 1;
      break;
    case 1:
      s->groups = 2;
      break;
    default:
      s->groups = rand_int (2, 6);      /* depthwise: one input per group */
      break;
  }
  cin_g = s->groups > 2 ? 1 : (big ? rand_int (12, 24) : rand_int (1, 5));
  cout_g = s->groups > 2 ? rand_int (1, 2) : (big ? rand_int (24, 40)
      : rand_int (1, 5));
  s->n = rand_int (1, 2);
  s->c_in = cin_g * s->groups;
  s->c_out = cout_g * s->groups;
  s->kernel_h = rand_int (1, 4);
  s->kernel_w = rand_int (1, 4);
  s->stride_h = rand_int (0, 3);
  s->stride_w = rand_int (0, 3);
  s->pad_h = rand_int (0, 2);
  s->pad_w = rand_int (0, 2);
  s->dilation_h = rand_int (0, 2);
  s->dilation_w = rand_int (0, 2);
  if (rand_int (0, 2) == 0) {
    /* A "same" convolution, stride 1: conv2d's shifted-plane path. */
    s->stride_w = s->stride_h = rand_int (0, 1);
    s->kernel_w = 2 * rand_int (0, 2) + 1;
    s->pad_w = MAX (s->dilation_w, 1) * (s->kernel_w - 1) / 2;
  }
  span_h = MAX (s->dilation_h, 1) * (s->kernel_h - 1) + 1;
  span_w = MAX (s->dilation_w, 1) * (s->kernel_w - 1) + 1;
  s->h_in = MAX (1, span_h - 2 * s->pad_h) + (big ? rand_int (16, 24)
      : rand_int (0, 7));
  s->w_in = MAX (1, span_w - 2 * s->pad_w) + (big ? rand_int (16, 24)
      : rand_int (0, 7));
}

static void
conv2d_clear (Conv2dProbe * c)
{
  ae_free (c->in);
  ae_free (c->w);
  ae_free (c->b);
  ae_free (c->work);
  ae_free (c->p.out);
  ae_free ((float *) c->p.r);
}

static double *
conv2d_reference (const Conv2dProbe * c)
{
  const AeConv2dShape *s = &c->s;
  int groups = s->groups ? s->groups : 1;
  int sh = MAX (s->stride_h, 1), sw = MAX (s->stride_w, 1);
  int dh = MAX (s->dilation_h, 1), dw = MAX (s->dilation_w, 1);
  int h_out = ae_conv2d_h_out (s), w_out = ae_conv2d_w_out (s);
  int cin_g = s->c_in / groups, cout_g = s->c_out / groups;
  double *ref = ref_new (c->p.n_out);
  int b, co, oh, ow, ci, kh, kw;

  for (b = 0; b < s->n; b++)
    for (co = 0; co < s->c_out; co++)
      for (oh = 0; oh < h_out; oh++)
        for (ow = 0; ow < w_out; ow++) {
          double acc = c->b[co];
          for (ci = 0; ci < cin_g; ci++)
            for (kh = 0; kh < s->kernel_h; kh++)
              for (kw = 0; kw < s->kernel_w; kw++) {
                int ih = oh * sh + kh * dh - s->pad_h;
                int iw = ow * sw + kw * dw - s->pad_w;
                int cin = (co / cout_g) * cin_g + ci;

                if (ih < 0 || iw < 0 || ih >= s->h_in || iw >= s->w_in)
                  continue;
                acc += (double) c->in[(((gsize) b * s->c_in + cin)
                        * s->h_in + ih) * s->w_in + iw]
                    * c->w[(((gsize) co * cin_g + ci) * s->kernel_h + kh)
                    * s->kernel_w + kw];
              }
          ref[(((gsize) b * s->c_out + co) * h_out + oh) * w_out + ow] = acc;
        }
  return ref;
}

static void
test_conv2d_forward (void)
{
  int iter, path;
  gsize i;

  for (path = 0; path < 2; path++) {
    ae_conv2d_set_sgemm_min_dim (path ? 0 : G_MAXINT);
    for (iter = 0; iter < 24; iter++) {
      Conv2dProbe c;
      double *ref;

      conv2d_random (&c, iter % 4 == 0);
      conv2d_alloc (&c, 1);
      ref = conv2d_reference (&c);
      conv2d_forward (&c.p);
      expect_le (path ? "conv2d forward (sgemm)" : "conv2d forward (direct)",
          rel_err (c.p.out, ref, c.p.n_out), FORWARD_TOL);
      /* with the ReLU fused: the reference, clamped */
      ae_conv2d_forward_act (c.p.out, c.in, c.w, c.b, AE_ACT_RELU, &c.s,
          c.pool, c.work);
      for (i = 0; i < c.p.n_out; i++)
        ref[i] = MAX (ref[i], 0.0);
      expect_le (path ? "conv2d forward + relu (sgemm)" :
          "conv2d forward + relu (direct)", rel_err (c.p.out, ref,
              c.p.n_out), FORWARD_TOL);
      g_free (ref);
      conv2d_clear (&c);
    }
  }
  ae_conv2d_set_sgemm_min_dim (8);
}

static void
test_conv2d_backward (void)
{
  int iter;

  for (iter = 0; iter < 14; iter++) {
    Conv2dProbe c;
    float *din, *dw, *db;

    ae_conv2d_set_sgemm_min_dim (iter % 2 ? 0 : G_MAXINT);
    conv2d_random (&c, FALSE);
    if (iter >= 12) {
      /* One past each block of the kernel: 17 input channels (CI_BLOCK
       * 16), 33 output channels (CO_BLOCK 32), 289 pixels (PIXEL_BLOCK
       * 256). */
      AeConv2dShape s = {.n = 1,.c_in = 17,.h_in = 17,.w_in = 17,
        .c_out = 33,.kernel_h = 3,.kernel_w = 3,.pad_h = 1,.pad_w = 1,
      };
      c.s = s;
    }
    conv2d_alloc (&c, 1);
    din = grad_new (c.n_in);
    dw = grad_new (c.n_w);
    db = grad_new (c.s.c_out);
    ae_conv2d_backward (din, dw, db, c.p.r, c.in, c.w, &c.s, NULL, c.work);
    grad_added (din, c.n_in);
    grad_added (dw, c.n_w);
    grad_added (db, c.s.c_out);
    check_grad ("conv2d din", c.in, c.n_in, din, &c.p, GRAD_EPS_LINEAR);
    check_grad ("conv2d dweight", c.w, c.n_w, dw, &c.p, GRAD_EPS_LINEAR);
    check_grad ("conv2d dbias", c.b, c.s.c_out, db, &c.p, GRAD_EPS_LINEAR);
    ae_free (din);
    ae_free (dw);
    ae_free (db);
    conv2d_clear (&c);
  }
  ae_conv2d_set_sgemm_min_dim (8);
}

/* Output and every gradient of a conv2d are the same bits on 1, 2 and 3
 * threads (and on no pool), on both paths. */
static void
test_conv2d_threads (void)
{
  AeThreadPool *pools[3];
  int iter, t;

  for (t = 0; t < 3; t++)
    pools[t] = ae_threadpool_new (t + 1, NULL);
  for (iter = 0; iter < 6; iter++) {
    Conv2dProbe c;
    float *out[4], *din[4], *dw[4], *db[4];

    ae_conv2d_set_sgemm_min_dim (iter % 2 ? 0 : G_MAXINT);
    conv2d_random (&c, TRUE);
    conv2d_alloc (&c, 3);
    for (t = 0; t < 4; t++) {
      out[t] = zeros (c.p.n_out);
      din[t] = zeros (c.n_in);
      dw[t] = zeros (c.n_w);
      db[t] = zeros (c.s.c_out);
      /* t = 3: no pool at all. */
      c.pool = t < 3 ? pools[t] : NULL;
      ae_conv2d_forward (out[t], c.in, c.w, c.b, &c.s, c.pool, c.work);
      ae_conv2d_backward (din[t], dw[t], db[t], c.p.r, c.in, c.w, &c.s,
          c.pool, c.work);
    }
    for (t = 1; t < 4; t++) {
      g_assert_cmpmem (out[t], c.p.n_out * 4, out[0], c.p.n_out * 4);
      g_assert_cmpmem (din[t], c.n_in * 4, din[0], c.n_in * 4);
      g_assert_cmpmem (dw[t], c.n_w * 4, dw[0], c.n_w * 4);
      g_assert_cmpmem (db[t], c.s.c_out * 4, db[0], c.s.c_out * 4);
    }
    for (t = 0; t < 4; t++) {
      ae_free (out[t]);
      ae_free (din[t]);
      ae_free (dw[t]);
      ae_free (db[t]);
    }
    conv2d_clear (&c);
  }
  for (t = 0; t < 3; t++)
    ae_threadpool_free (pools[t]);
  ae_conv2d_set_sgemm_min_dim (8);
}

/* ---- pixel shuffle and unshuffle ---- */

typedef struct
{
  Probe p;
  float *in;
  int n, c, h, w, r;            /* shuffle: low-res (h, w); unshuffle: high */
  gboolean unshuffle;
} ShuffleProbe;

static void
shuffle_forward (Probe * p)
{
  ShuffleProbe *s = (ShuffleProbe *) p;

  if (s->unshuffle)
    ae_pixel_unshuffle_forward (p->out, s->in, s->n, s->c, s->h, s->w, s->r);
  else
    ae_pixel_shuffle_forward (p->out, s->in, s->n, s->c, s->h, s->w, s->r);
}

static void
test_pixel_shuffle (void)
{
  int iter;

  for (iter = 0; iter < 20; iter++) {
    ShuffleProbe s = {.p.forward = shuffle_forward };
    int r = rand_int (1, 3), n = rand_int (1, 2), c = rand_int (1, 3);
    int h = rand_int (1, 5), w = rand_int (1, 5), b, ch, y, x, i, j;
    gsize total = (gsize) n * c * r * r * h * w;
    double *ref = ref_new (total);
    float *din;

    s.unshuffle = iter % 2;
    s.n = n;
    s.c = c;
    s.r = r;
    /* low (n, c r r, h, w) <-> high (n, c, h r, w r) */
    s.h = s.unshuffle ? h * r : h;
    s.w = s.unshuffle ? w * r : w;
    s.in = rand_floats (total, -1, 1);
    s.p.out = zeros (total);
    s.p.r = rand_floats (total, -1, 1);
    s.p.n_out = total;
    for (b = 0; b < n; b++)
      for (ch = 0; ch < c; ch++)
        for (i = 0; i < r; i++)
          for (j = 0; j < r; j++)
            for (y = 0; y < h; y++)
              for (x = 0; x < w; x++) {
                gsize low = ((((gsize) b * c + ch) * r * r + i * r + j) * h
                    + y) * w + x;
                gsize high = (((gsize) b * c + ch) * h * r + y * r + i)
                    * w * r + x * r + j;
                if (s.unshuffle)
                  ref[low] = s.in[high];
                else
                  ref[high] = s.in[low];
              }
    shuffle_forward (&s.p);
    expect_le (s.unshuffle ? "pixel unshuffle forward" :
        "pixel shuffle forward", rel_err (s.p.out, ref, total), 0.0);

    din = grad_new (total);
    if (s.unshuffle)
      ae_pixel_unshuffle_backward (din, s.p.r, n, c, s.h, s.w, r);
    else
      ae_pixel_shuffle_backward (din, s.p.r, n, c, s.h, s.w, r);
    grad_added (din, total);
    check_grad (s.unshuffle ? "pixel unshuffle din" : "pixel shuffle din",
        s.in, total, din, &s.p, GRAD_EPS_LINEAR);
    g_free (ref);
    ae_free (din);
    ae_free (s.in);
    ae_free (s.p.out);
    ae_free ((float *) s.p.r);
  }
}

/* ---- transposed conv2d ---- */

typedef struct
{
  Probe p;
  AeConvTranspose2dShape s;
  float *in, *w, *b, *work;
  gsize n_in, n_w;
  AeThreadPool *pool;
} ConvTProbe;

static void
convt_forward (Probe * p)
{
  ConvTProbe *c = (ConvTProbe *) p;

  ae_conv_transpose2d_forward (p->out, c->in, c->w, c->b, &c->s, c->pool,
      c->work);
}

static void
convt_random (ConvTProbe * c, int max_threads)
{
  AeConvTranspose2dShape *s = &c->s;
  int cin_g, cout_g, sh, sw;

  memset (c, 0, sizeof (*c));
  c->p.forward = convt_forward;
  s->groups = rand_int (1, 2);
  cin_g = rand_int (1, 10);
  cout_g = rand_int (1, 10);
  s->n = rand_int (1, 2);
  s->c_in = cin_g * s->groups;
  s->c_out = cout_g * s->groups;
  s->kernel_h = rand_int (1, 4);
  s->kernel_w = rand_int (1, 4);
  s->stride_h = rand_int (1, 3);
  s->stride_w = rand_int (1, 3);
  s->dilation_h = rand_int (1, 2);
  s->dilation_w = rand_int (1, 2);
  sh = s->stride_h;
  sw = s->stride_w;
  s->output_pad_h = rand_int (0, sh - 1);
  s->output_pad_w = rand_int (0, sw - 1);
  s->h_in = rand_int (1, 6);
  s->w_in = rand_int (1, 6);
  /* Crop no more than leaves one output row and column. */
  s->pad_h = rand_int (0, MIN (2, (ae_conv_transpose2d_h_out (s) - 1) / 2));
  s->pad_w = rand_int (0, MIN (2, (ae_conv_transpose2d_w_out (s) - 1) / 2));

  c->n_in = (gsize) s->n * s->c_in * s->h_in * s->w_in;
  c->n_w = (gsize) s->c_in * cout_g * s->kernel_h * s->kernel_w;
  c->p.n_out = (gsize) s->n * s->c_out * ae_conv_transpose2d_h_out (s)
      * ae_conv_transpose2d_w_out (s);
  c->in = rand_floats (c->n_in, -1, 1);
  c->w = rand_floats (c->n_w, -1, 1);
  c->b = rand_floats (s->c_out, -1, 1);
  c->p.out = zeros (c->p.n_out);
  c->p.r = rand_floats (c->p.n_out, -1, 1);
  c->work = zeros (MAX (ae_conv_transpose2d_workspace_floats (s,
              max_threads), 1));
}

static void
convt_clear (ConvTProbe * c)
{
  ae_free (c->in);
  ae_free (c->w);
  ae_free (c->b);
  ae_free (c->work);
  ae_free (c->p.out);
  ae_free ((float *) c->p.r);
}

/* out[oh, ow] gathers in[ih, iw] w[kh, kw] over oh = ih s + kh d - p. */
static double *
convt_reference (const ConvTProbe * c)
{
  const AeConvTranspose2dShape *s = &c->s;
  int h_out = ae_conv_transpose2d_h_out (s);
  int w_out = ae_conv_transpose2d_w_out (s);
  int cin_g = s->c_in / s->groups, cout_g = s->c_out / s->groups;
  double *ref = ref_new (c->p.n_out);
  int b, co, oh, ow, ci, kh, kw;

  for (b = 0; b < s->n; b++)
    for (co = 0; co < s->c_out; co++)
      for (oh = 0; oh < h_out; oh++)
        for (ow = 0; ow < w_out; ow++) {
          double acc = c->b[co];
          for (ci = 0; ci < cin_g; ci++)
            for (kh = 0; kh < s->kernel_h; kh++)
              for (kw = 0; kw < s->kernel_w; kw++) {
                int nh = oh + s->pad_h - kh * s->dilation_h;
                int nw = ow + s->pad_w - kw * s->dilation_w;
                int cin = (co / cout_g) * cin_g + ci;
                int ih = nh / s->stride_h, iw = nw / s->stride_w;

                if (nh < 0 || nw < 0 || nh % s->stride_h || nw % s->stride_w
                    || ih >= s->h_in || iw >= s->w_in)
                  continue;
                acc += (double) c->in[(((gsize) b * s->c_in + cin)
                        * s->h_in + ih) * s->w_in + iw]
                    * c->w[(((gsize) cin * cout_g + co % cout_g)
                        * s->kernel_h + kh) * s->kernel_w + kw];
              }
          ref[(((gsize) b * s->c_out + co) * h_out + oh) * w_out + ow] = acc;
        }
  return ref;
}

static void
test_conv_transpose2d (void)
{
  AeThreadPool *pool = ae_threadpool_new (2, NULL);
  int iter;

  for (iter = 0; iter < 24; iter++) {
    ConvTProbe c;
    double *ref;
    float *din, *dw, *db;

    ae_conv2d_set_sgemm_min_dim (iter % 2 ? 0 : G_MAXINT);
    convt_random (&c, 2);
    c.pool = iter % 3 ? pool : NULL;
    ref = convt_reference (&c);
    convt_forward (&c.p);
    expect_le ("conv_transpose2d forward", rel_err (c.p.out, ref,
            c.p.n_out), FORWARD_TOL);
    g_free (ref);

    if (iter < 12) {
      din = grad_new (c.n_in);
      dw = grad_new (c.n_w);
      db = grad_new (c.s.c_out);
      ae_conv_transpose2d_backward (din, dw, db, c.p.r, c.in, c.w, &c.s,
          c.pool, c.work);
      grad_added (din, c.n_in);
      grad_added (dw, c.n_w);
      grad_added (db, c.s.c_out);
      check_grad ("conv_transpose2d din", c.in, c.n_in, din,
          &c.p, GRAD_EPS_LINEAR);
      check_grad ("conv_transpose2d dweight", c.w, c.n_w, dw,
          &c.p, GRAD_EPS_LINEAR);
      check_grad ("conv_transpose2d dbias", c.b, c.s.c_out, db,
          &c.p, GRAD_EPS_LINEAR);
      ae_free (din);
      ae_free (dw);
      ae_free (db);
    }
    convt_clear (&c);
  }
  ae_threadpool_free (pool);
  ae_conv2d_set_sgemm_min_dim (8);
}

/* ---- activations ---- */

typedef struct
{
  Probe p;
  AeAct act;
  float *in, *slope;
  gsize rows;
  int channels;
} ActProbe;

static void
act_forward (Probe * p)
{
  ActProbe *a = (ActProbe *) p;

  if (a->act == AE_ACT_PRELU)
    ae_prelu_forward (p->out, a->in, a->slope, a->rows, a->channels);
  else
    ae_act_forward (a->act, p->out, a->in, p->n_out);
}

static double
act_reference (AeAct act, double x, double slope)
{
  switch (act) {
    case AE_ACT_NONE:
      return x;
    case AE_ACT_RELU:
      return x > 0 ? x : 0;
    case AE_ACT_LEAKY_RELU:
      return x > 0 ? x : 0.01 * x;
    case AE_ACT_PRELU:
      return x > 0 ? x : slope * x;
    case AE_ACT_TANH:
      return tanh (x);
    case AE_ACT_SIGMOID:
      return 1.0 / (1.0 + exp (-x));
    case AE_ACT_SOFTPLUS:
      return log (1.0 + exp (x));
  }
  g_assert_not_reached ();
}

static void
test_act (void)
{
  static const AeAct acts[] = {
    AE_ACT_NONE, AE_ACT_RELU, AE_ACT_LEAKY_RELU, AE_ACT_PRELU, AE_ACT_TANH,
    AE_ACT_SIGMOID, AE_ACT_SOFTPLUS,
  };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (acts); k++) {
    ActProbe a = {.p.forward = act_forward };
    gsize n, i;
    double *ref;
    float *din, *dslope = NULL;
    char what[64];
    AeAct parsed;

    a.act = acts[k];
    g_assert_true (ae_act_from_string (ae_act_to_string (a.act), &parsed));
    g_assert_cmpint (parsed, ==, a.act);
    a.rows = rand_int (1, 30);
    a.channels = rand_int (1, 16);
    n = a.rows * a.channels;
    /* Larger than the finite difference step, so no kink is straddled;
     * some beyond softplus' x > 20 shortcut. */
    a.in = rand_floats_off_kink (n);
    for (i = 0; i < n; i++)
      a.in[i] *= 4.0f;
    if (a.act == AE_ACT_SOFTPLUS)
      a.in[0] = 25.0f;
    a.slope = rand_floats (a.channels, 0, 0.5);
    a.p.out = zeros (n);
    a.p.r = rand_floats (n, -1, 1);
    a.p.n_out = n;

    ref = ref_new (n);
    for (i = 0; i < n; i++)
      ref[i] = act_reference (a.act, a.in[i], a.slope[i % a.channels]);
    act_forward (&a.p);
    g_snprintf (what, sizeof (what), "%s forward",
        ae_act_to_string (a.act));
    expect_le (what, rel_err (a.p.out, ref, n), FORWARD_TOL);

    din = grad_new (n);
    if (a.act == AE_ACT_PRELU) {
      dslope = grad_new (a.channels);
      ae_prelu_backward (din, dslope, a.p.r, a.in, a.slope, a.rows,
          a.channels);
    } else {
      ae_act_backward (a.act, din, a.p.r, a.in, a.p.out, n);
    }
    grad_added (din, n);
    if (dslope)
      grad_added (dslope, a.channels);
    g_snprintf (what, sizeof (what), "%s din", ae_act_to_string (a.act));
    check_grad (what, a.in, n, din, &a.p, GRAD_EPS);
    if (dslope)
      check_grad ("prelu dslope", a.slope, a.channels, dslope, &a.p,
          GRAD_EPS);

    g_free (ref);
    ae_free (din);
    ae_free (dslope);
    ae_free (a.in);
    ae_free (a.slope);
    ae_free (a.p.out);
    ae_free ((float *) a.p.r);
  }
}

/* ---- residual add, concat, split ---- */

typedef struct
{
  Probe p;
  float *a, *b;
  gsize outer, inner;
  int c_a, c_b;
  enum
  { OP_ADD, OP_CONCAT, OP_SPLIT } op;
} OpsProbe;

static void
ops_forward (Probe * p)
{
  OpsProbe *o = (OpsProbe *) p;
  gsize n_a = o->outer * o->c_a * o->inner;

  switch (o->op) {
    case OP_ADD:
      ae_add_forward (p->out, o->a, o->b, p->n_out);
      break;
    case OP_CONCAT:
      ae_concat_forward (p->out, o->a, o->b, o->outer, o->c_a, o->c_b,
          o->inner);
      break;
    case OP_SPLIT:
      /* in = a (outer, C_a + C_b, inner); out = [part a | part b]. */
      ae_split_forward (p->out, p->out + n_a, o->a, o->outer, o->c_a,
          o->c_b, o->inner);
      break;
  }
}

static void
test_ops (void)
{
  int iter;

  for (iter = 0; iter < 18; iter++) {
    OpsProbe o = {.p.forward = ops_forward };
    gsize n_a, n_b, n, i, oo, k;
    int c;
    double *ref;
    float *da, *db;

    o.op = iter % 3;
    o.outer = rand_int (1, 6);
    /* Odd iterations: channels-last rows (inner 1); even: NCHW. */
    o.inner = iter % 2 ? 1 : (gsize) rand_int (1, 20);
    o.c_a = rand_int (1, 7);
    o.c_b = rand_int (1, 7);
    n_a = o.outer * o.c_a * o.inner;
    n_b = o.outer * o.c_b * o.inner;
    n = o.op == OP_ADD ? n_a : n_a + n_b;
    o.a = rand_floats (o.op == OP_ADD ? n_a : (o.op == OP_SPLIT ? n : n_a),
        -1, 1);
    o.b = rand_floats (o.op == OP_ADD ? n_a : n_b, -1, 1);
    o.p.out = zeros (n);
    o.p.r = rand_floats (n, -1, 1);
    o.p.n_out = n;

    ref = ref_new (n);
    for (oo = 0; oo < o.outer; oo++)
      for (c = 0; c < o.c_a + o.c_b; c++)
        for (k = 0; k < o.inner; k++) {
          gsize whole = (oo * (o.c_a + o.c_b) + c) * o.inner + k;
          gsize part = c < o.c_a ? (oo * o.c_a + c) * o.inner + k
              : (oo * o.c_b + c - o.c_a) * o.inner + k;
          switch (o.op) {
            case OP_ADD:
              if (c < o.c_a)
                ref[part] = (double) o.a[part] + o.b[part];
              break;
            case OP_CONCAT:
              ref[whole] = c < o.c_a ? o.a[part] : o.b[part];
              break;
            case OP_SPLIT:
              ref[c < o.c_a ? part : n_a + part] = o.a[whole];
              break;
          }
        }
    ops_forward (&o.p);
    expect_le ("ops forward", rel_err (o.p.out, ref, n), FORWARD_TOL);

    da = grad_new (o.op == OP_SPLIT ? n : n_a);
    db = grad_new (o.op == OP_ADD ? n_a : n_b);
    switch (o.op) {
      case OP_ADD:
        ae_add_backward (da, db, o.p.r, n);
        grad_added (da, n_a);
        grad_added (db, n_a);
        check_grad ("add da", o.a, n_a, da, &o.p, GRAD_EPS_LINEAR);
        check_grad ("add db", o.b, n_a, db, &o.p, GRAD_EPS_LINEAR);
        break;
      case OP_CONCAT:
        ae_concat_backward (da, db, o.p.r, o.outer, o.c_a, o.c_b, o.inner);
        grad_added (da, n_a);
        grad_added (db, n_b);
        check_grad ("concat da", o.a, n_a, da, &o.p, GRAD_EPS_LINEAR);
        check_grad ("concat db", o.b, n_b, db, &o.p, GRAD_EPS_LINEAR);
        break;
      case OP_SPLIT:
        ae_split_backward (da, o.p.r, o.p.r + n_a, o.outer, o.c_a, o.c_b,
            o.inner);
        grad_added (da, n);
        check_grad ("split din", o.a, n, da, &o.p, GRAD_EPS_LINEAR);
        break;
    }
    /* In place is allowed for add. */
    if (o.op == OP_ADD) {
      for (i = 0; i < n; i++)
        ref[i] = (double) o.a[i] + o.b[i];
      ae_add_forward (o.a, o.a, o.b, n);
      expect_le ("add in place", rel_err (o.a, ref, n), FORWARD_TOL);
    }
    g_free (ref);
    ae_free (da);
    ae_free (db);
    ae_free (o.a);
    ae_free (o.b);
    ae_free (o.p.out);
    ae_free ((float *) o.p.r);
  }
}

/* ---- layernorm ---- */

typedef struct
{
  Probe p;
  float *in, *gamma, *beta, *mean, *rstd;
  gsize outer, inner;
  int channels;
} NormProbe;

static void
norm_forward (Probe * p)
{
  NormProbe *l = (NormProbe *) p;

  ae_layernorm_forward (p->out, l->mean, l->rstd, l->in, l->gamma, l->beta,
      l->outer, l->channels, l->inner, AE_LAYERNORM_EPS);
}

static void
test_layernorm (void)
{
  int iter;

  for (iter = 0; iter < 8; iter++) {
    NormProbe l = {.p.forward = norm_forward };
    gsize n, o, k;
    int c;
    double *ref;
    float *din, *dgamma, *dbeta;

    l.outer = rand_int (1, 4);
    /* Rows (inner 1), small images, and images over one 64-pixel chunk. */
    l.inner = iter % 3 == 0 ? 1 : (gsize) (iter % 3 == 1 ? rand_int (2, 9)
        : rand_int (65, 140));
    /* Enough channels that no position is nearly constant: a tiny
     * variance means a huge rstd and a curvature no difference follows. */
    l.channels = rand_int (8, 16);
    n = l.outer * l.channels * l.inner;
    /* A spread of a few units keeps the curvature, and so the error of a
     * GRAD_EPS difference, small; the offset, far above the spread, would
     * make a one-pass variance cancel. */
    l.in = rand_floats (n, -3, 3);
    for (k = 0; k < n; k++)
      l.in[k] += 8.0f;
    l.gamma = rand_floats (l.channels, 0.5, 1.5);
    l.beta = rand_floats (l.channels, -1, 1);
    l.mean = zeros (l.outer * l.inner);
    l.rstd = zeros (l.outer * l.inner);
    l.p.out = zeros (n);
    l.p.r = rand_floats (n, -1, 1);
    l.p.n_out = n;

    ref = ref_new (n);
    for (o = 0; o < l.outer; o++)
      for (k = 0; k < l.inner; k++) {
        double m = 0.0, v = 0.0;
        for (c = 0; c < l.channels; c++)
          m += l.in[(o * l.channels + c) * l.inner + k];
        m /= l.channels;
        for (c = 0; c < l.channels; c++) {
          double d = l.in[(o * l.channels + c) * l.inner + k] - m;
          v += d * d;
        }
        v /= l.channels;
        for (c = 0; c < l.channels; c++) {
          gsize i = (o * l.channels + c) * l.inner + k;
          ref[i] = (l.in[i] - m) / sqrt (v + AE_LAYERNORM_EPS) * l.gamma[c]
              + l.beta[c];
        }
      }
    norm_forward (&l.p);
    expect_le ("layernorm forward", rel_err (l.p.out, ref, n), FORWARD_TOL);

    /* The offset only tests the forward; without it the differences see
     * less rounding. */
    for (k = 0; k < n; k++)
      l.in[k] -= 8.0f;
    norm_forward (&l.p);

    din = grad_new (n);
    dgamma = grad_new (l.channels);
    dbeta = grad_new (l.channels);
    ae_layernorm_backward (din, dgamma, dbeta, l.p.r, l.in, l.mean, l.rstd,
        l.gamma, l.outer, l.channels, l.inner);
    grad_added (din, n);
    grad_added (dgamma, l.channels);
    grad_added (dbeta, l.channels);
    check_grad ("layernorm din", l.in, n, din, &l.p, GRAD_EPS);
    check_grad ("layernorm dgamma", l.gamma, l.channels, dgamma,
        &l.p, GRAD_EPS);
    check_grad ("layernorm dbeta", l.beta, l.channels, dbeta, &l.p, GRAD_EPS);

    g_free (ref);
    ae_free (din);
    ae_free (dgamma);
    ae_free (dbeta);
    ae_free (l.in);
    ae_free (l.gamma);
    ae_free (l.beta);
    ae_free (l.mean);
    ae_free (l.rstd);
    ae_free (l.p.out);
    ae_free ((float *) l.p.r);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/layers/threadpool", test_threadpool);
  g_test_add_func ("/layers/dense", test_dense);
  g_test_add_func ("/layers/conv1d/forward", test_conv1d_forward);
  g_test_add_func ("/layers/conv1d/sgemm-vs-direct",
      test_conv1d_sgemm_vs_direct);
  g_test_add_func ("/layers/conv1d/backward", test_conv1d_backward);
  g_test_add_func ("/layers/conv2d/forward", test_conv2d_forward);
  g_test_add_func ("/layers/conv2d/backward", test_conv2d_backward);
  g_test_add_func ("/layers/conv2d/threads", test_conv2d_threads);
  g_test_add_func ("/layers/pixel-shuffle", test_pixel_shuffle);
  g_test_add_func ("/layers/conv-transpose2d", test_conv_transpose2d);
  g_test_add_func ("/layers/act", test_act);
  g_test_add_func ("/layers/ops", test_ops);
  g_test_add_func ("/layers/layernorm", test_layernorm);

  return g_test_run ();
}
