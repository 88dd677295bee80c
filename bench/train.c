/* bench/train.c: training throughput next to sgemm's, in the same run.
 *
 * ae-train prints the arithmetic rate it reached; this says how that
 * compares with what the machine's BLAS does at its best, measured here
 * and now: sgemm on large square matrices at the row's thread count,
 * against one training step (forward and backward, no data loading) of
 * the speech network as the shipped models were trained and of the video
 * U-Net presets, with their GFLOP/s (6 FLOPs per multiply-add: 2 forward,
 * 4 backward).  Small shared machines drift by 20% or more within a
 * minute, so each row alternates the two, ROUNDS times, and reports the
 * medians of the step's rate, sgemm's, and the round-by-round ratio.  Not
 * a test: it never fails.
 *
 * Usage: bench-train [threads, default 2] [seconds per measurement,
 *                    default 1]
 *                    [video patch side, default 128; the batch keeps
 *                    8 x 128 x 128 pixels, ae-train's default batch]
 *                    [only rows whose name has this,
 *                    e.g. "fast", for profiling one]
 */
#include <cblas.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speechnet.h"
#include "tensor.h"
#include "threadpool.h"
#include "videonet.h"

typedef void (*StepFunc) (gpointer data);

/* Best of three runs of at least @seconds / 3 each: seconds per call. */
static double
time_calls (StepFunc fn, gpointer data, double seconds)
{
  double best = G_MAXDOUBLE;
  int rep;

  fn (data);                    /* warm caches and thread pools */
  for (rep = 0; rep < 3; rep++) {
    gint64 t0 = g_get_monotonic_time (), t1;
    long calls = 0;
    do {
      fn (data);
      calls++;
      t1 = g_get_monotonic_time ();
    } while (t1 - t0 < seconds / 3 * 1e6);
    best = MIN (best, (t1 - t0) / 1e6 / calls);
  }
  return best;
}

static void
random_fill (float *x, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = (float) g_random_double_range (-0.5, 0.5);
}

/* --- sgemm --- */

typedef struct
{
  int n;
  float *a, *b, *c;
} Gemm;

static void
gemm_step (gpointer data)
{
  Gemm *g = data;

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n,
      1.0f, g->a, g->n, g->b, g->n, 0.0f, g->c, g->n);
}

static double
sgemm_gflops (int threads, double seconds)
{
  Gemm g = { 1536, NULL, NULL, NULL };
  gsize n2 = (gsize) g.n * g.n;
  double t;

  g.a = ae_alloc_floats (n2);
  g.b = ae_alloc_floats (n2);
  g.c = ae_alloc_floats (n2);
  random_fill (g.a, n2);
  random_fill (g.b, n2);
  openblas_set_num_threads (threads);
  t = time_calls (gemm_step, &g, seconds);
  ae_free (g.a);
  ae_free (g.b);
  ae_free (g.c);
  return 2.0 * g.n * g.n * g.n / t / 1e9;
}

/* --- speech --- */

typedef struct
{
  AeSpeechNet net;
  AeSpeechActs acts;
  float *params, *dparams;
} Speech;

static void
speech_step (gpointer data)
{
  Speech *s = data;
  int out = s->net.out_buf, n;
  gsize i;

  ae_speechnet_forward (&s->net, &s->acts, s->params);
  ae_speech_acts_zero_grad (&s->acts, &s->net);
  /* A loss gradient on every output: its value does not change the cost. */
  for (n = 0; n < s->acts.n; n++) {
    float *row = ae_speech_acts_row (&s->acts, &s->net, out, n);
    float *grad = s->acts.grad[out] + (row - s->acts.buf[out]);
    for (i = 0; i < (gsize) s->acts.t * s->net.buffers[out].cols; i++)
      grad[i] = 1e-3f;
  }
  ae_speechnet_backward (&s->net, &s->acts, s->params, s->dparams);
}

static double
speech_gflops (double seconds)
{
  AeSpeechArch arch = { 68, 128, 64, 4, 3 };   /* speech-16k as shipped */
  Speech s;
  double t, flops;
  int n;

  g_assert (ae_speechnet_init (&s.net, &arch, NULL));
  g_assert (ae_speech_acts_alloc (&s.acts, &s.net, 16, 300, TRUE));
  s.params = ae_alloc_floats (s.net.n_params);
  s.dparams = ae_alloc_floats (s.net.n_params);
  ae_speechnet_init_params (&s.net, s.params, 1);
  for (n = 0; n < 16; n++)
    random_fill (ae_speech_acts_row (&s.acts, &s.net, s.net.in_buf, n),
        (gsize) 300 * arch.n_bands);
  openblas_set_num_threads (1);
  t = time_calls (speech_step, &s, seconds);
  flops = 6.0 * ae_speechnet_macs_per_frame (&s.net) * 16 * 300;
  ae_speech_acts_free (&s.acts);
  ae_free (s.params);
  ae_free (s.dparams);
  return flops / t / 1e9;
}

/* --- video --- */

typedef struct
{
  AeVideoNet net;
  AeVideoActs *acts;
  AeThreadPool *pool;
  float *params, *dparams, *x, *level, *noise;
} Video;

static void
video_step (gpointer data)
{
  Video *v = data;

  ae_videonet_forward (&v->net, v->acts, v->params, v->x, v->level,
      v->noise, v->pool);
  ae_videonet_backward (&v->net, v->acts, v->params, v->noise, v->dparams,
      v->pool);
}

/* Patches per batch: as many pixels as ae-train's default, 8 of 128x128. */
static int
video_batch (int side)
{
  return MAX (8 * 128 * 128 / (side * side), 1);
}

static double
video_gflops (const AeVideoArch * arch, int side, int threads,
    double seconds)
{
  int batch = video_batch (side);
  gsize pixels = (gsize) batch * side * side;
  Video v;
  double t;

  g_assert (ae_videonet_init (&v.net, arch, NULL));
  v.pool = ae_threadpool_new (threads, NULL);
  v.acts = ae_video_acts_new (&v.net, batch, side, side, TRUE, threads,
      NULL);
  v.params = ae_alloc_floats (v.net.n_params);
  v.dparams = ae_alloc_floats (v.net.n_params);
  v.x = ae_alloc_floats (pixels);
  v.level = ae_alloc_floats (pixels);
  v.noise = ae_alloc_floats (pixels);
  ae_videonet_init_params (&v.net, v.params, 1);
  random_fill (v.x, pixels);
  random_fill (v.level, pixels);
  openblas_set_num_threads (1);  /* as ae-train: the pool splits the work */
  t = time_calls (video_step, &v, seconds);
  ae_video_acts_free (v.acts);
  ae_threadpool_free (v.pool);
  ae_free (v.params);
  ae_free (v.dparams);
  ae_free (v.x);
  ae_free (v.level);
  ae_free (v.noise);
  return 6.0 * ae_videonet_macs_per_pixel (&v.net) * pixels / t / 1e9;
}

#define ROUNDS 5

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct
{
  const char *name;
  const AeVideoArch *arch;      /* NULL: the speech network */
  int threads;
} Row;

/* Prints one row: medians over ROUNDS of sgemm then the step. */
static void
bench_row (const Row * row, int side, double seconds)
{
  double step[ROUNDS], sgemm[ROUNDS], ratio[ROUNDS];
  int k;

  for (k = 0; k < ROUNDS; k++) {
    sgemm[k] = sgemm_gflops (row->threads, seconds);
    /* OpenBLAS's threads spin a while after a threaded sgemm returns; on a
     * small machine they would take cores from the step. */
    g_usleep (G_USEC_PER_SEC / 4);
    step[k] = row->arch ? video_gflops (row->arch, side, row->threads,
        seconds) : speech_gflops (seconds);
    ratio[k] = step[k] / sgemm[k];
  }
  printf ("%-32s %7d %10.1f %10.1f %11.0f%%\n", row->name, row->threads,
      median (step, ROUNDS), median (sgemm, ROUNDS),
      100.0 * median (ratio, ROUNDS));
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  int threads = argc > 1 ? atoi (argv[1]) : 2;
  double seconds = argc > 2 ? g_ascii_strtod (argv[2], NULL) : 1.0;
  int side = argc > 3 ? atoi (argv[3]) : 128;
  const char *only = argc > 4 ? argv[4] : "";
  static const AeVideoArch fast = { 4, 24, 48, 2 }, quality = { 2, 48, 96,
    4
  };
  Row rows[] = {
    {"speech 16k (batch 16 x 3 s)", NULL, 1},
    {"video fast (r4 w24 c48 b2)", &fast, 1},
    {"video fast (r4 w24 c48 b2)", &fast, 0},
    {"video quality (r2 w48 c96 b4)", &quality, 1},
    {"video quality (r2 w48 c96 b4)", &quality, 0},
  };
  guint i;

  threads = CLAMP (threads, 1, 64);
  side = CLAMP (side / 8 * 8, 8, 512);
  printf ("%-32s %7s %10s %10s %12s\n", "training step", "threads",
      "GFLOP/s", "sgemm", "of sgemm");
  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    if (rows[i].threads == 0) { /* the multi-threaded rows */
      if (threads == 1)
        continue;
      rows[i].threads = threads;
    }
    if (strstr (rows[i].name, only))
      bench_row (&rows[i], side, seconds);
  }
  printf ("\nmedians of %d rounds; sgemm: 1536^3 at the row's threads; "
      "video batches: %d patches of %dx%d; speech: the shipped 16 kHz "
      "architecture\n", ROUNDS, video_batch (side), side, side);
  return 0;
}
