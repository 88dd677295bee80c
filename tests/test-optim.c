/* test-optim.c: the optimisers, schedules, clipping and weight average of
 * optim.h against references written here from their papers, in double.
 *
 * Adam is Kingma and Ba's Algorithm 1 as printed (bias-corrected moments,
 * epsilon outside the square root), so the folded form optim.c uses must
 * agree with it; AdamW is Loshchilov and Hutter's decoupled decay; SGD is
 * heavy-ball momentum on the L2-decayed gradient.  Gradients, starting
 * weights and sizes are random on every run (--seed replays one).
 */
#include "optim.h"
#include "tensor.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define N_STEPS 40
#define TOL 1e-5

typedef struct
{
  gsize n;
  double *p, *m, *v, *avg;
} Reference;

static void
reference_init (Reference * r, const float *p0, gsize n)
{
  gsize i;

  r->n = n;
  r->p = g_new (double, n);
  r->m = g_new0 (double, n);
  r->v = g_new0 (double, n);
  r->avg = g_new (double, n);
  for (i = 0; i < n; i++)
    r->p[i] = r->avg[i] = p0[i];
}

static void
reference_clear (Reference * r)
{
  g_free (r->p);
  g_free (r->m);
  g_free (r->v);
  g_free (r->avg);
}

/* One step of @c's optimiser at rate @lr, step number @t (from 1). */
static void
reference_step (Reference * r, const AeOptimConfig * c, const float *g,
    double lr, int t)
{
  gsize i;

  for (i = 0; i < r->n; i++) {
    double gi = g[i];

    if (c->kind == AE_OPTIM_SGD) {
      gi += c->weight_decay * r->p[i];
      r->m[i] = c->beta1 * r->m[i] + gi;
      r->p[i] -= lr * r->m[i];
    } else {
      double m_hat, v_hat;

      if (c->kind == AE_OPTIM_ADAM)
        gi += c->weight_decay * r->p[i];
      else
        r->p[i] -= lr * c->weight_decay * r->p[i];
      r->m[i] = c->beta1 * r->m[i] + (1.0 - c->beta1) * gi;
      r->v[i] = c->beta2 * r->v[i] + (1.0 - c->beta2) * gi * gi;
      m_hat = r->m[i] / (1.0 - pow (c->beta1, t));
      v_hat = r->v[i] / (1.0 - pow (c->beta2, t));
      r->p[i] -= lr * m_hat / (sqrt (v_hat) + c->eps);
    }
    if (c->ema_decay > 0.0f)
      r->avg[i] = c->ema_decay * r->avg[i] + (1.0 - c->ema_decay) * r->p[i];
  }
}

static double
max_abs_diff (const float *a, const double *b, gsize n)
{
  double worst = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    worst = MAX (worst, fabs (a[i] - b[i]));
  return worst;
}

/* Runs @c for N_STEPS random gradients at a rate that changes each step,
 * against the reference; with an average kept, the average too, and
 * checks that keeping one leaves the weights' path bit for bit alone. */
static void
check_against_reference (const AeOptimConfig * c)
{
  gsize n = g_test_rand_int_range (1, 300), i;
  float *p = ae_alloc_floats (n), *p_plain = ae_alloc_floats (n);
  float *g = ae_alloc_floats (n);
  AeOptimConfig plain_config = *c;
  AeOptimizer opt, plain;
  Reference ref;
  int t;

  for (i = 0; i < n; i++)
    p[i] = p_plain[i] = (float) g_test_rand_double_range (-1.0, 1.0);
  reference_init (&ref, p, n);
  plain_config.ema_decay = 0.0f;
  g_assert_true (ae_optimizer_init (&opt, c, n));
  g_assert_true (ae_optimizer_init (&plain, &plain_config, n));
  g_assert_true ((opt.ema != NULL) == (c->ema_decay > 0.0f));
  g_assert_null (plain.ema);
  ae_optimizer_start_average (&opt, p);

  for (t = 1; t <= N_STEPS; t++) {
    float lr = (float) g_test_rand_double_range (1e-3, 1e-2);

    for (i = 0; i < n; i++)
      g[i] = (float) g_test_rand_double_range (-2.0, 2.0);
    ae_optimizer_step (&opt, p, g, lr);
    ae_optimizer_step (&plain, p_plain, g, lr);
    reference_step (&ref, c, g, lr, t);
  }
  g_assert_cmpuint (opt.step, ==, N_STEPS);
  g_assert_cmpfloat (max_abs_diff (p, ref.p, n), <, TOL);
  g_assert_cmpmem (p, n * sizeof (float), p_plain, n * sizeof (float));
  if (c->ema_decay > 0.0f) {
    g_assert_true (ae_optimizer_eval_params (&opt, p) == opt.ema);
    g_assert_cmpfloat (max_abs_diff (opt.ema, ref.avg, n), <, TOL);
  } else {
    g_assert_true (ae_optimizer_eval_params (&opt, p) == p);
  }

  reference_clear (&ref);
  ae_optimizer_clear (&opt);
  ae_optimizer_clear (&plain);
  ae_free (p);
  ae_free (p_plain);
  ae_free (g);
}

static void
test_adam (void)
{
  AeOptimConfig c = { AE_OPTIM_ADAM, 0.9f, 0.999f, 1e-8f, 0.0f, 0.0f };

  check_against_reference (&c);
  c.weight_decay = 0.1f;
  c.eps = 1e-3f;                /* large enough to matter */
  check_against_reference (&c);
}

static void
test_adamw (void)
{
  AeOptimConfig c = { AE_OPTIM_ADAMW, 0.8f, 0.99f, 1e-8f, 0.05f, 0.0f };

  check_against_reference (&c);
}

static void
test_sgd (void)
{
  AeOptimConfig c = { AE_OPTIM_SGD, 0.9f, 0.0f, 0.0f, 0.01f, 0.0f };

  check_against_reference (&c);
  c.beta1 = 0.0f;
  check_against_reference (&c);
}

/* The average for each optimiser, and its closed form: with the rate at
 * 0 the weights stay at p, so after k steps from a the average is
 * p + d^k (a - p). */
static void
test_ema (void)
{
  AeOptimConfig c = { AE_OPTIM_ADAM, 0.9f, 0.999f, 1e-8f, 0.0f, 0.9f };
  AeOptimizer opt;
  float p[3] = { 1.0f, -2.0f, 0.5f }, a[3] = { 0.0f, 4.0f, 0.5f };
  float g[3] = { 1.0f, 1.0f, 1.0f };
  int k, i;

  check_against_reference (&c);
  c.kind = AE_OPTIM_SGD;
  c.ema_decay = 0.99f;
  check_against_reference (&c);
  c.kind = AE_OPTIM_ADAMW;
  c.weight_decay = 0.01f;
  check_against_reference (&c);

  c.kind = AE_OPTIM_SGD;
  c.ema_decay = 0.75f;
  g_assert_true (ae_optimizer_init (&opt, &c, 3));
  ae_optimizer_start_average (&opt, a);
  for (k = 1; k <= 5; k++)
    ae_optimizer_step (&opt, p, g, 0.0f);
  for (i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (opt.ema[i], p[i] + pow (0.75, 5) *
        (a[i] - p[i]), 1e-6);
  ae_optimizer_clear (&opt);
}

static void
test_schedule (void)
{
  guint64 total = 1000, warmup = 100, s;
  float base = 0.5f;

  /* warm-up: linear from base / warmup to base */
  g_assert_cmpfloat_with_epsilon (ae_schedule_lr (AE_SCHEDULE_COSINE, base,
          0, total, warmup), base / warmup, 1e-7);
  g_assert_cmpfloat_with_epsilon (ae_schedule_lr (AE_SCHEDULE_COSINE, base,
          49, total, warmup), base * 0.5f, 1e-7);
  for (s = warmup; s < total; s += 37) {
    double progress = (double) (s - warmup) / (total - warmup);

    g_assert_cmpfloat_with_epsilon (ae_schedule_lr (AE_SCHEDULE_COSINE,
            base, s, total, warmup), base * (0.01 + 0.99 * 0.5 * (1.0 +
                cos (G_PI * progress))), 1e-6);
    g_assert_cmpfloat (ae_schedule_lr (AE_SCHEDULE_CONSTANT, base, s, total,
            warmup), ==, base);
    g_assert_cmpfloat_with_epsilon (ae_schedule_lr (AE_SCHEDULE_STEP, base,
            s, total, warmup), base * (progress < 0.5 ? 1.0 : progress <
            0.75 ? 0.1 : 0.01), 1e-7);
  }
  /* the cosine ends at 1% of the base, and stays there past the end */
  g_assert_cmpfloat_with_epsilon (ae_schedule_lr (AE_SCHEDULE_COSINE, base,
          total, total, warmup), base * 0.01f, 1e-7);
  g_assert_cmpfloat_with_epsilon (ae_schedule_lr (AE_SCHEDULE_COSINE, base,
          2 * total, total, warmup), base * 0.01f, 1e-7);
}

static void
test_clip (void)
{
  float g[4] = { 3.0f, 4.0f, 0.0f, 0.0f }, h[4];

  memcpy (h, g, sizeof (g));
  g_assert_cmpfloat_with_epsilon (ae_clip_grad_norm (h, 4, 0.0f), 5.0f,
      1e-6);
  g_assert_cmpmem (h, sizeof (h), g, sizeof (g));       /* no limit */
  g_assert_cmpfloat_with_epsilon (ae_clip_grad_norm (h, 4, 10.0f), 5.0f,
      1e-6);
  g_assert_cmpmem (h, sizeof (h), g, sizeof (g));       /* under it */
  g_assert_cmpfloat_with_epsilon (ae_clip_grad_norm (h, 4, 1.0f), 5.0f,
      1e-6);
  g_assert_cmpfloat_with_epsilon (h[0], 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (h[1], 0.8f, 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/optim/adam", test_adam);
  g_test_add_func ("/optim/adamw", test_adamw);
  g_test_add_func ("/optim/sgd", test_sgd);
  g_test_add_func ("/optim/ema", test_ema);
  g_test_add_func ("/optim/schedule", test_schedule);
  g_test_add_func ("/optim/clip", test_clip);
  return g_test_run ();
}
