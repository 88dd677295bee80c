/* test-rng.c: the random streams training draws from.
 *
 * The normals are checked against the standard normal itself: the first
 * four moments, the probability mass within 1, 2 and 3 of the mean (from
 * erf in libm), and for the polar pair, that its two halves are
 * uncorrelated.  200 000 draws put the sampling error of each figure near
 * 0.002, so the tolerances (about 5 of those) cannot flake but a wrong
 * scale, a missing factor of two or a biased half would fail.
 */
#include <math.h>

#include <glib.h>

#include "rng.h"

#define N_DRAWS 200000

typedef struct
{
  double sum[5];                /* sums of z^0 .. z^4 */
  double within[4];             /* draws with |z| < 1, 2, 3 */
} Moments;

static void
add_draw (Moments * m, double z)
{
  double p = 1.0;
  int k;

  for (k = 0; k < 5; k++, p *= z)
    m->sum[k] += p;
  for (k = 1; k <= 3; k++)
    m->within[k] += fabs (z) < k;
}

static void
check_standard_normal (const Moments * m)
{
  double n = m->sum[0], mean = m->sum[1] / n, var = m->sum[2] / n;
  double skew = m->sum[3] / n, kurt = m->sum[4] / n;
  int k;

  g_assert_cmpfloat (fabs (mean), <, 0.012);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.02);
  g_assert_cmpfloat (fabs (skew), <, 0.04);
  g_assert_cmpfloat (fabs (kurt - 3.0), <, 0.12);
  for (k = 1; k <= 3; k++)
    g_assert_cmpfloat (fabs (m->within[k] / n - erf (k / G_SQRT2)), <, 0.006);
}

static guint64
test_seed (void)
{
  return (guint64) g_test_rand_int () << 32 | (guint32) g_test_rand_int ();
}

static void
test_normal (void)
{
  Moments m = { 0 };
  AeRng rng;
  int i;

  ae_rng_init (&rng, test_seed ());
  for (i = 0; i < N_DRAWS; i++)
    add_draw (&m, ae_rng_normal (&rng));
  check_standard_normal (&m);
}

static void
test_normal_pair (void)
{
  Moments first = { 0 }, second = { 0 }, both = { 0 };
  double cross = 0.0;
  AeRng rng;
  int i;

  ae_rng_init (&rng, test_seed ());
  for (i = 0; i < N_DRAWS; i++) {
    double z0, z1;

    ae_rng_normal_pair (&rng, &z0, &z1);
    add_draw (&first, z0);
    add_draw (&second, z1);
    add_draw (&both, z0);
    add_draw (&both, z1);
    cross += z0 * z1;
  }
  check_standard_normal (&first);
  check_standard_normal (&second);
  check_standard_normal (&both);
  g_assert_cmpfloat (fabs (cross / N_DRAWS), <, 0.012);
}

static void
test_same_seed_same_stream (void)
{
  guint64 seed = test_seed ();
  AeRng a, b;
  int i;

  ae_rng_init (&a, seed);
  ae_rng_init (&b, seed);
  for (i = 0; i < 1000; i++) {
    double a0, a1, b0, b1;

    ae_rng_normal_pair (&a, &a0, &a1);
    ae_rng_normal_pair (&b, &b0, &b1);
    g_assert_true (a0 == b0 && a1 == b1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rng/normal", test_normal);
  g_test_add_func ("/rng/normal-pair", test_normal_pair);
  g_test_add_func ("/rng/same-seed", test_same_seed_same_stream);
  return g_test_run ();
}
