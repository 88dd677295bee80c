/* ae-bench-audio.c: aedenoise against its peers on the held-out set.
 *
 * Builds the evaluation set (bench-set.c), runs every available denoiser
 * on every file as a child process next to a pass-through twin
 * (bench-run.c), aligns each output to the clean reference by
 * cross-correlation, and reports per rate and SNR the mean SI-SDR
 * improvement and mean STOI (nn/metrics.c), the SI-SDR on clean input (does
 * the system leave clean speech alone?), the delay found, the CPU seconds
 * per second of audio net of the twin, and the peak RSS growth.  The
 * tables go to stdout and to --report.
 *
 * Run it through bench/audio/run.sh, which builds it and sets the
 * environment (single-threaded OpenBLAS, plugin path, own registry).
 * Not a test: it checks nothing and always exits 0 once it has reported.
 */
#include "bench-audio.h"
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* Delay search range: peers may add up to tens of ms; none runs ahead. */
#define MAX_DELAY_S 0.5
#define MAX_ADVANCE_S 0.05
/* A run is killed after 30 s plus ten times the audio's duration (a hung
 * pipeline must not stall the bench). */
#define RUN_TIMEOUT_S 30.0
#define RUN_TIMEOUT_RTF 10.0
/* SI-SDR of an exact pass-through is +inf; cap each file here. */
#define SI_SDR_CAP_DB 100.0

static const int default_snrs[] = { -5, 0, 5, 10, 15, 20 };

static const guint default_rates[] = { 16000, 48000 };

typedef struct
{
  BenchProc *proc;
  char *out_path;
  int delay;                    /* found on this file (clean items only) */
  gboolean scored;
  double si_sdr;                /* dB, output vs clean */
  double stoi;
} Result;

typedef struct
{
  GPtrArray *items;
  GPtrArray *systems;           /* BenchSystem, runnable ones first */
  guint n_systems;              /* runnable */
  Result *results;              /* (n_systems, n_items) */
  BenchProc **nulls;            /* (BENCH_N_FAMILIES, n_items), NULL unused */
  double *in_si_sdr, *in_stoi;  /* (n_items) */
  int *delay;                   /* (n_systems, n_rates) */
  int *delay_agree;             /* clean files within 1 sample of it */
  int *delay_total;
  const guint *rates;
  guint n_rates;
  gboolean keep;
} Bench;

static guint
rate_index (const Bench * b, guint rate)
{
  guint i;

  for (i = 0; i < b->n_rates; i++)
    if (b->rates[i] == rate)
      return i;
  g_assert_not_reached ();
  return 0;
}

/* ---- alignment ---- */

/* In-place radix-2 complex FFT of size n (a power of two); inverse when
 * @sign is +1 (unnormalised). */
static void
fft_inplace (double *re, double *im, gsize n, int sign)
{
  gsize i, j = 0, len;

  for (i = 1; i < n; i++) {
    gsize bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j |= bit;
    if (i < j) {
      double t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (len = 2; len <= n; len <<= 1) {
    double ang = sign * 2.0 * G_PI / len;
    double wr0 = cos (ang), wi0 = sin (ang);
    for (i = 0; i < n; i += len) {
      double wr = 1.0, wi = 0.0;
      gsize k;
      for (k = 0; k < len / 2; k++) {
        gsize a = i + k, c = i + k + len / 2;
        double tr = re[c] * wr - im[c] * wi;
        double ti = re[c] * wi + im[c] * wr;
        double t;
        re[c] = re[a] - tr;
        im[c] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        t = wr * wr0 - wi * wi0;
        wi = wr * wi0 + wi * wr0;
        wr = t;
      }
    }
  }
}

/* The lag d (samples) maximising |sum_t out[t + d] ref[t]|, for d in
 * [-max_advance, max_delay]. */
static int
find_delay (const float *out, gsize n_out, const float *ref, gsize n_ref,
    int max_delay, int max_advance)
{
  gsize n = 1, i;
  double *ar, *ai, *br, *bi, best = -1.0;
  int d, best_d = 0;

  while (n < n_out + n_ref)
    n <<= 1;
  ar = g_new0 (double, n);
  ai = g_new0 (double, n);
  br = g_new0 (double, n);
  bi = g_new0 (double, n);
  for (i = 0; i < n_out; i++)
    ar[i] = out[i];
  for (i = 0; i < n_ref; i++)
    br[i] = ref[i];
  fft_inplace (ar, ai, n, -1);
  fft_inplace (br, bi, n, -1);
  for (i = 0; i < n; i++) {
    /* A * conj (B) */
    double r = ar[i] * br[i] + ai[i] * bi[i];
    double m = ai[i] * br[i] - ar[i] * bi[i];
    ar[i] = r;
    ai[i] = m;
  }
  fft_inplace (ar, ai, n, +1);
  for (d = -max_advance; d <= max_delay; d++) {
    gsize idx = d >= 0 ? (gsize) d : n - (gsize) (-d);
    double v = fabs (ar[idx]);
    if (v > best) {
      best = v;
      best_d = d;
    }
  }
  g_free (ar);
  g_free (ai);
  g_free (br);
  g_free (bi);
  return best_d;
}

/* out shifted left by @delay and cut or zero-padded to @n. */
static float *
align (const float *out, gsize n_out, int delay, gsize n)
{
  float *y = g_new0 (float, MAX (n, 1));
  gsize i;

  for (i = 0; i < n; i++) {
    gint64 t = (gint64) i + delay;
    if (t >= 0 && t < (gint64) n_out)
      y[i] = out[t];
  }
  return y;
}

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
estimate_delays (Bench * b)
{
  guint s, r, i;

  for (s = 0; s < b->n_systems; s++) {
    for (r = 0; r < b->n_rates; r++) {
      GArray *found = g_array_new (FALSE, FALSE, sizeof (int));
      int median = 0, agree = 0;

      for (i = 0; i < b->items->len; i++) {
        BenchItem *item = b->items->pdata[i];
        Result *res = &b->results[s * b->items->len + i];
        float *out, *ref;
        gsize n_out, n_ref;
        guint rate;

        if (item->rate != b->rates[r] || item->snr_db != BENCH_CLEAN
            || !res->proc->ok)
          continue;
        out = bench_read_audio (res->out_path, &rate, &n_out, NULL);
        ref = bench_read_audio (item->clean_path, &rate, &n_ref, NULL);
        if (out != NULL && ref != NULL && n_out > 0) {
          res->delay = find_delay (out, n_out, ref, n_ref,
              (int) (MAX_DELAY_S * rate), (int) (MAX_ADVANCE_S * rate));
          g_array_append_val (found, res->delay);
        }
        g_free (out);
        g_free (ref);
      }
      if (found->len > 0) {
        g_array_sort (found, compare_ints);
        median = g_array_index (found, int, found->len / 2);
        for (i = 0; i < found->len; i++)
          if (ABS (g_array_index (found, int, i) - median) <= 1)
            agree++;
      }
      b->delay[s * b->n_rates + r] = median;
      b->delay_agree[s * b->n_rates + r] = agree;
      b->delay_total[s * b->n_rates + r] = (int) found->len;
      g_array_unref (found);
    }
  }
}

/* ---- scoring ---- */

typedef struct
{
  Bench *bench;
  guint system;                 /* G_MAXUINT: score the input itself */
  guint item;
} ScoreTask;

/* SI-SDR (capped) and STOI of @y against @ref, or for a stream their
 * means over its utterances. */
static void
score_signal (const BenchItem * item, const float *y, const float *ref,
    gsize n, guint rate, double *si_sdr, double *stoi)
{
  guint k, n_seg;

  if (item->segments == NULL) {
    *si_sdr = MIN (ae_si_sdr (y, ref, n), SI_SDR_CAP_DB);
    *stoi = ae_stoi (ref, y, n, rate);
    return;
  }
  *si_sdr = *stoi = 0.0;
  n_seg = item->segments->len - 1;
  for (k = 0; k < n_seg; k++) {
    gsize a = g_array_index (item->segments, gsize, k);
    gsize z = MIN (g_array_index (item->segments, gsize, k + 1), n);

    if (z <= a) {
      *si_sdr = *stoi = NAN;
      return;
    }
    *si_sdr += MIN (ae_si_sdr (y + a, ref + a, z - a), SI_SDR_CAP_DB);
    *stoi += ae_stoi (ref + a, y + a, z - a, rate);
  }
  *si_sdr /= n_seg;
  *stoi /= n_seg;
}

static void
score_one (gpointer data, gpointer user_data)
{
  ScoreTask *task = data;
  Bench *b = task->bench;
  BenchItem *item = b->items->pdata[task->item];
  guint rate;
  gsize n_ref, n_out;
  float *ref = bench_read_audio (item->clean_path, &rate, &n_ref, NULL);

  if (ref == NULL)
    goto out;
  if (task->system == G_MAXUINT) {
    float *in = bench_read_audio (item->input_path, &rate, &n_out, NULL);
    if (in != NULL && n_out == n_ref)
      score_signal (item, in, ref, n_ref, rate, &b->in_si_sdr[task->item],
          &b->in_stoi[task->item]);
    g_free (in);
  } else {
    Result *res = &b->results[task->system * b->items->len + task->item];
    int delay = b->delay[task->system * b->n_rates
        + rate_index (b, item->rate)];
    float *out = bench_read_audio (res->out_path, &rate, &n_out, NULL);

    if (out != NULL && rate == item->rate) {
      float *y = align (out, n_out, delay, n_ref);
      score_signal (item, y, ref, n_ref, rate, &res->si_sdr, &res->stoi);
      res->scored = !isnan (res->si_sdr);
      g_free (y);
    }
    g_free (out);
    if (!b->keep)
      g_unlink (res->out_path);
  }
  g_free (ref);
out:
  g_free (task);
}

/* ---- report ---- */

typedef struct
{
  double sum;
  guint n;
} Mean;

static void
mean_add (Mean * m, double v)
{
  if (isfinite (v)) {
    m->sum += v;
    m->n++;
  }
}

static void
fmt_mean (GString * s, const Mean * m, const char *fmt)
{
  if (m->n == 0)
    g_string_append (s, " n/a |");
  else {
    g_string_append_c (s, ' ');
    g_string_append_printf (s, fmt, m->sum / m->n);
    g_string_append (s, " |");
  }
}

static char *
cpu_model (void)
{
  char *text = NULL, *model = NULL;

  if (g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL)) {
    char *p = strstr (text, "model name");
    if (p != NULL && (p = strchr (p, ':')) != NULL) {
      char *end = strchr (p, '\n');
      model = g_strstrip (g_strndup (p + 1, end ? (gsize) (end - p - 1) :
              strlen (p + 1)));
    }
  }
  g_free (text);
  return model ? model : g_strdup ("unknown CPU");
}

typedef enum
{
  METRIC_SI_SDR_IMPROVEMENT,
  METRIC_STOI,
} Metric;

static gboolean
in_table (const BenchItem * item, guint rate, gboolean streams)
{
  return item->rate == rate && item->snr_db != BENCH_CLEAN
      && (item->segments != NULL) == streams;
}

/* Adds @v to the mean of the item's SNR and to the overall one. */
static void
mean_add_snr (Mean * m, const int *snrs, guint n_snrs, int snr_db, double v)
{
  guint k;

  for (k = 0; k < n_snrs; k++)
    if (snrs[k] == snr_db) {
      mean_add (&m[k], v);
      mean_add (&m[n_snrs], v);
    }
}

/* @metric at @rate per SNR and overall: the input's row, then one per
 * system; over single utterances or, with @streams, the streams'
 * utterances. */
static void
append_quality_table (GString * s, Bench * b, guint rate, const int *snrs,
    guint n_snrs, gboolean streams, Metric metric)
{
  gboolean stoi = metric == METRIC_STOI;
  Mean *m = g_new0 (Mean, n_snrs + 1);
  guint s_i, k, i;

  g_string_append (s, "| system |");
  for (k = 0; k < n_snrs; k++)
    g_string_append_printf (s, " %+d dB |", snrs[k]);
  g_string_append (s, " mean |\n|---|");
  for (k = 0; k <= n_snrs; k++)
    g_string_append (s, "---:|");

  for (i = 0; i < b->items->len; i++) {
    BenchItem *item = b->items->pdata[i];
    if (in_table (item, rate, streams))
      mean_add_snr (m, snrs, n_snrs, item->snr_db, stoi ? b->in_stoi[i] :
          b->in_si_sdr[i]);
  }
  g_string_append (s, "\n| input |");
  for (k = 0; k <= n_snrs; k++)
    fmt_mean (s, &m[k], stoi ? "%.3f" : "%.2f");
  g_string_append_c (s, '\n');

  for (s_i = 0; s_i < b->n_systems; s_i++) {
    BenchSystem *sys = b->systems->pdata[s_i];

    memset (m, 0, sizeof (Mean) * (n_snrs + 1));
    for (i = 0; i < b->items->len; i++) {
      BenchItem *item = b->items->pdata[i];
      Result *res = &b->results[s_i * b->items->len + i];

      if (in_table (item, rate, streams) && res->scored)
        mean_add_snr (m, snrs, n_snrs, item->snr_db, stoi ? res->stoi :
            res->si_sdr - b->in_si_sdr[i]);
    }
    g_string_append_printf (s, "| %s |", sys->name);
    for (k = 0; k <= n_snrs; k++)
      fmt_mean (s, &m[k], stoi ? "%.3f" : "%+.2f");
    g_string_append_c (s, '\n');
  }
  g_free (m);
}

/* The held-out voice or noise of @item, the two ways the breakdown groups
 * single utterances. */
static const char *
item_group (const BenchItem * item, gboolean by_noise)
{
  return by_noise ? item->noise : item->voice;
}

/* Per held-out voice (or noise) at @rate, over every SNR of the single
 * files: each system's mean SI-SDR improvement and mean change of STOI
 * from the input.  A mean over 24 utterances can hide one voice or noise
 * that a system fails on; held-out voices and noises stand for the ones
 * it will meet, so this is where generalisation shows. */
static void
append_breakdown_table (GString * s, Bench * b, guint rate,
    gboolean by_noise)
{
  GPtrArray *groups = g_ptr_array_new ();
  guint g, s_i, i;

  for (i = 0; i < b->items->len; i++) {
    const BenchItem *item = b->items->pdata[i];
    const char *name = item_group (item, by_noise);

    if (in_table (item, rate, FALSE) && !g_ptr_array_find_with_equal_func
        (groups, name, g_str_equal, NULL))
      g_ptr_array_add (groups, (gpointer) name);
  }

  g_string_append_printf (s, "| %s |", by_noise ? "noise" : "voice");
  for (s_i = 0; s_i < b->n_systems; s_i++)
    g_string_append_printf (s, " %s |", ((BenchSystem *)
            b->systems->pdata[s_i])->name);
  g_string_append (s, "\n|---|");
  for (s_i = 0; s_i < b->n_systems; s_i++)
    g_string_append (s, "---:|");
  g_string_append_c (s, '\n');

  for (g = 0; g < groups->len; g++) {
    const char *name = groups->pdata[g];
    /* the corpus folder ("clean/", "noise/") is the same on every row */
    const char *shown = strchr (name, '/') ? strchr (name, '/') + 1 : name;

    g_string_append_printf (s, "| %s |", shown);
    for (s_i = 0; s_i < b->n_systems; s_i++) {
      Mean sdr = { 0 }, stoi = { 0 };

      for (i = 0; i < b->items->len; i++) {
        const BenchItem *item = b->items->pdata[i];
        const Result *res = &b->results[s_i * b->items->len + i];

        if (in_table (item, rate, FALSE) && res->scored
            && strcmp (item_group (item, by_noise), name) == 0) {
          mean_add (&sdr, res->si_sdr - b->in_si_sdr[i]);
          mean_add (&stoi, res->stoi - b->in_stoi[i]);
        }
      }
      if (sdr.n == 0 || stoi.n == 0)
        g_string_append (s, " n/a |");
      else
        g_string_append_printf (s, " %+.2f / %+.3f |", sdr.sum / sdr.n,
            stoi.sum / stoi.n);
    }
    g_string_append_c (s, '\n');
  }
  g_ptr_array_unref (groups);
}

static gboolean
has_streams (const Bench * b, guint rate)
{
  guint i;

  for (i = 0; i < b->items->len; i++) {
    const BenchItem *item = b->items->pdata[i];
    if (item->rate == rate && item->segments != NULL)
      return TRUE;
  }
  return FALSE;
}

static void
report_rate (GString * s, Bench * b, guint r, const int *snrs, guint n_snrs)
{
  guint rate = b->rates[r], s_i, i, n_utt = 0;
  double seconds = 0.0;

  for (i = 0; i < b->items->len; i++) {
    BenchItem *item = b->items->pdata[i];
    if (item->rate == rate && item->snr_db == BENCH_CLEAN) {
      n_utt++;
      seconds += item->seconds;
    }
  }

  g_string_append_printf (s, "\n## %u Hz\n\n%u utterances, %.1f s of speech "
      "per condition.\n\n", rate, n_utt, seconds);
  g_string_append (s, "SI-SDR improvement (dB; the input row gives the "
      "input SI-SDR itself), mean over utterances:\n\n");
  append_quality_table (s, b, rate, snrs, n_snrs, FALSE,
      METRIC_SI_SDR_IMPROVEMENT);
  g_string_append (s, "\nSTOI (0-1), mean over utterances:\n\n");
  append_quality_table (s, b, rate, snrs, n_snrs, FALSE, METRIC_STOI);
  if (has_streams (b, rate)) {
    g_string_append (s, "\nThe same utterances back to back, one stream "
        "per SNR (voice and noise change every 3-8 s; each system "
        "runs once over the whole stream, so what it learnt of one noise "
        "carries into the next utterance); SI-SDR improvement (dB), mean "
        "over utterances:\n\n");
    append_quality_table (s, b, rate, snrs, n_snrs, TRUE,
        METRIC_SI_SDR_IMPROVEMENT);
    g_string_append (s, "\nSTOI of the streams, mean over "
        "utterances:\n\n");
    append_quality_table (s, b, rate, snrs, n_snrs, TRUE, METRIC_STOI);
  }
  g_string_append (s, "\nBy held-out voice, single files, every SNR: "
      "mean SI-SDR improvement (dB) / mean change of STOI from the "
      "input:\n\n");
  append_breakdown_table (s, b, rate, FALSE);
  g_string_append (s, "\nBy held-out noise, the same:\n\n");
  append_breakdown_table (s, b, rate, TRUE);

  /* clean input, delay, cost */
  g_string_append (s, "\nClean input, delay and cost:\n\n"
      "| system | SI-SDR on clean input (dB) | STOI on clean input | "
      "delay found (ms) | CPU s per s of audio, net | gross | "
      "peak RSS growth (MB) | failed runs |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (s_i = 0; s_i < b->n_systems; s_i++) {
    BenchSystem *sys = b->systems->pdata[s_i];
    BenchFamily fam = bench_system_family (sys, rate);
    Mean clean_sdr = { 0 }, clean_stoi = { 0 };
    double cpu = 0.0, cpu_null = 0.0, secs = 0.0;
    GArray *rss = g_array_new (FALSE, FALSE, sizeof (double));
    guint failed = 0, idx = s_i * b->n_rates + r;

    for (i = 0; i < b->items->len; i++) {
      BenchItem *item = b->items->pdata[i];
      Result *res = &b->results[s_i * b->items->len + i];
      BenchProc *null = b->nulls[fam * b->items->len + i];

      /* streams are left out, so that cost compares with earlier runs
       * (their failures still count) */
      if (item->rate != rate)
        continue;
      if (!res->proc->ok || !res->scored) {
        failed++;
        continue;
      }
      if (item->snr_db == BENCH_CLEAN) {
        mean_add (&clean_sdr, res->si_sdr);
        mean_add (&clean_stoi, res->stoi);
      }
      if (null != NULL && null->ok && item->segments == NULL) {
        cpu += res->proc->cpu_s;
        cpu_null += null->cpu_s;
        secs += item->seconds;
        g_array_append_vals (rss, &(double) {
            res->proc->max_rss_mb - null->max_rss_mb}, 1);
      }
    }
    g_string_append_printf (s, "| %s |", sys->name);
    fmt_mean (s, &clean_sdr, "%.1f");
    fmt_mean (s, &clean_stoi, "%.4f");
    if (b->delay_total[idx] > 0)
      g_string_append_printf (s, " %.2f (%d/%d files) |",
          1000.0 * b->delay[idx] / rate, b->delay_agree[idx],
          b->delay_total[idx]);
    else
      g_string_append (s, " n/a |");
    if (secs > 0.0) {
      g_array_sort (rss, compare_doubles);
      g_string_append_printf (s, " %.4f | %.4f | %.1f |",
          (cpu - cpu_null) / secs, cpu / secs,
          g_array_index (rss, double, rss->len / 2));
    } else
      g_string_append (s, " n/a | n/a | n/a |");
    g_string_append_printf (s, " %u |\n", failed);
    g_array_unref (rss);
  }
}

static char *
report (Bench * b, const BenchRunConfig * run, const int *snrs,
    guint n_snrs, const char *command, guint n_jobs, double wall_s)
{
  GString *s = g_string_new ("# Audio denoisers on the held-out set\n\n");
  char *cpu = cpu_model ();
  GDateTime *now = g_date_time_new_now_local ();
  char *date = g_date_time_format (now, "%Y-%m-%d %H:%M");
  guint i, r;

  g_string_append_printf (s, "Generated %s by `%s` on %s (%ld CPUs), %u "
      "runs at a time, in %.0f s.\n\n", date, command, cpu,
      sysconf (_SC_NPROCESSORS_ONLN), n_jobs, wall_s);
  g_string_append (s,
      "Each file is a separate process.  Outputs are shifted by the delay "
      "found (median over the clean-input files of the cross-correlation "
      "peak; \"k/n files\" counts the files that agree within one sample) "
      "and cut to the reference length.  SI-SDR is capped at 100 dB per "
      "file.  CPU time is user + system of the child and all its threads "
      "(wait4), OPENBLAS_NUM_THREADS=1; \"net\" subtracts the same "
      "command with the denoiser replaced by a pass-through, \"gross\" "
      "does not.  Peak RSS growth is the median over files of the "
      "difference in peak RSS (ru_maxrss) between the two.\n\n"
      "Systems:\n\n");
  for (i = 0; i < b->systems->len; i++) {
    BenchSystem *sys = b->systems->pdata[i];
    if (sys->skip_reason != NULL)
      g_string_append_printf (s, "- **%s**: skipped: %s\n", sys->name,
          sys->skip_reason);
    else
      g_string_append_printf (s, "- **%s**: %s; null twin: %s%s%s%s\n",
          sys->name, sys->description,
          bench_family_name (bench_system_family (sys, 48000)),
          g_str_has_prefix (sys->name, "arnndn") ? " (ffmpeg aresample "
          "48k, anull at 16 kHz)" : "",
          sys->failure_note ? ".  **Failures:** " : "",
          sys->failure_note ? sys->failure_note : "");
  }
  for (r = 0; r < b->n_rates; r++)
    report_rate (s, b, r, snrs, n_snrs);

  g_free (cpu);
  g_free (date);
  g_date_time_unref (now);
  (void) run;
  return g_string_free (s, FALSE);
}

/* ---- main ---- */

/* One row per system and item: what the tables average, so that a mean
 * can be traced to the voices and noises that make it. */
static char *
items_tsv (const Bench * b)
{
  GString *s = g_string_new ("system\trate\tid\tvoice\tnoise\tsnr_db\t"
      "si_sdr_in\tsi_sdr_out\tstoi_in\tstoi_out\n");
  guint s_i, i;

  for (s_i = 0; s_i < b->n_systems; s_i++) {
    const BenchSystem *sys = b->systems->pdata[s_i];

    for (i = 0; i < b->items->len; i++) {
      const BenchItem *item = b->items->pdata[i];
      const Result *res = &b->results[s_i * b->items->len + i];

      if (!res->scored)
        continue;
      g_string_append_printf (s, "%s\t%u\t%s\t%s\t%s\t", sys->name,
          item->rate, item->id, item->voice, item->noise);
      if (item->snr_db == BENCH_CLEAN)
        g_string_append (s, "clean");
      else
        g_string_append_printf (s, "%d", item->snr_db);
      g_string_append_printf (s, "\t%.3f\t%.3f\t%.4f\t%.4f\n",
          b->in_si_sdr[i], res->si_sdr, b->in_stoi[i], res->stoi);
    }
  }
  return g_string_free (s, FALSE);
}

static void
progress (guint done, guint total)
{
  if (done == total || done % 50 == 0)
    fprintf (stderr, "\r  %u/%u runs", done, total);
  if (done == total)
    fputc ('\n', stderr);
}

static gboolean
parse_rates (const char *text, GArray * rates)
{
  char **parts = g_strsplit (text, ",", -1);
  guint i;
  gboolean ok = TRUE;

  for (i = 0; parts[i] != NULL; i++) {
    guint64 v;
    if (!g_ascii_string_to_unsigned (parts[i], 10, 8000, 48000, &v, NULL)) {
      ok = FALSE;
      break;
    }
    g_array_append_vals (rates, &(guint) { (guint) v }, 1);
  }
  g_strfreev (parts);
  return ok && rates->len > 0;
}

int
main (int argc, char **argv)
{
  char *data_dir = g_strdup ("../shared/data/audio");
  char *heldout = g_strdup ("bench/audio/heldout.txt");
  char *out_dir = g_strdup ("bench/out/audio");
  char *report_path = g_strdup ("bench/out/audio-results.md");
  char *plugin_path = g_strdup ("build/gst");
  char *ae_model = NULL, *items_path = NULL, **ae_properties = NULL;
  char *speex = NULL, *systems_opt = NULL, *rates_opt = NULL;
  char *model = g_strdup ("../shared/data/audio/peer-models/rnnoise-models/"
      "somnolent-hogwash-2018-09-01/sh.rnnn");
  int n_utterances = 24, n_jobs = 0, seed = 1;
  gboolean quick = FALSE, keep = FALSE, no_streams = FALSE;
  GOptionEntry entries[] = {
    {"data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
        "Corpus directory (default ../shared/data/audio)", "DIR"},
    {"heldout", 0, 0, G_OPTION_ARG_FILENAME, &heldout,
        "Held-out prefixes (default bench/audio/heldout.txt)", "FILE"},
    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir,
        "Work directory (default bench/out/audio)", "DIR"},
    {"report", 0, 0, G_OPTION_ARG_FILENAME, &report_path,
        "Markdown report (default bench/out/audio-results.md)", "FILE"},
    {"items", 0, 0, G_OPTION_ARG_FILENAME, &items_path,
        "Also write every item's scores, one row per system, as TSV",
        "FILE"},
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &ae_model,
        "aedenoise's model= (default: the embedded ones)", "FILE"},
    {"ae-property", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ae_properties,
        "Set an aedenoise property (repeatable; default: its defaults)",
        "NAME=VALUE"},
    {"plugin-path", 0, 0, G_OPTION_ARG_FILENAME, &plugin_path,
        "Where libgstae.so is (default build/gst; for the report)", "DIR"},
    {"speex", 0, 0, G_OPTION_ARG_FILENAME, &speex,
        "The speex-denoise binary", "PATH"},
    {"rnnoise-model", 0, 0, G_OPTION_ARG_FILENAME, &model,
        "RNNoise model for arnndn", "FILE"},
    {"utterances", 'n', 0, G_OPTION_ARG_INT, &n_utterances,
        "Utterances per rate (default 24)", "N"},
    {"quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
        "6 utterances per rate", NULL},
    {"rates", 0, 0, G_OPTION_ARG_STRING, &rates_opt,
        "Comma-separated rates (default 16000,48000)", "LIST"},
    {"systems", 0, 0, G_OPTION_ARG_STRING, &systems_opt,
        "Comma-separated systems (default all)", "LIST"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &n_jobs,
        "Runs at a time (default: CPUs)", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT, &seed, "Set seed (default 1)", "N"},
    {"keep", 0, 0, G_OPTION_ARG_NONE, &keep,
        "Keep the denoised files under OUT/runs", NULL},
    {"no-streams", 0, 0, G_OPTION_ARG_NONE, &no_streams,
        "Leave out the streams (every utterance of an SNR in one file)",
        NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- compare audio denoisers");
  GError *error = NULL;
  GArray *rates = g_array_new (FALSE, FALSE, sizeof (guint));
  BenchSetConfig set_config = { 0 };
  BenchRunConfig run_config = { 0 };
  GPtrArray *all_systems, *procs;
  Bench b = { 0 };
  GThreadPool *pool;
  char *command, *text, *exec_path;
  double t0;
  guint i, s, f;

  command = g_strjoinv (" ", argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (quick)
    n_utterances = 6;
  if (n_utterances < 1 || n_utterances > 999) {
    fprintf (stderr, "--utterances must be 1..999\n");
    return 2;
  }
  if (rates_opt != NULL) {
    if (!parse_rates (rates_opt, rates)) {
      fprintf (stderr, "--rates: give rates of 8000..48000 Hz, e.g. "
          "16000,48000\n");
      return 2;
    }
  } else {
    g_array_append_vals (rates, default_rates, G_N_ELEMENTS (default_rates));
  }
  if (n_jobs <= 0)
    n_jobs = (int) MAX (1, sysconf (_SC_NPROCESSORS_ONLN));
  {
    /* bench-exec is built next to this program */
    char *self = g_file_read_link ("/proc/self/exe", NULL);
    char *dir = self ? g_path_get_dirname (self) : g_strdup (".");
    exec_path = g_build_filename (dir, "bench-exec", NULL);
    g_free (self);
    g_free (dir);
    if (!g_file_test (exec_path, G_FILE_TEST_IS_EXECUTABLE)) {
      fprintf (stderr, "ae-bench-audio: %s is missing (build it with "
          "ninja)\n", exec_path);
      return 1;
    }
  }
  t0 = g_get_monotonic_time () / 1e6;

  /* the set */
  set_config.data_dir = data_dir;
  set_config.heldout_path = heldout;
  set_config.out_dir = out_dir;
  set_config.n_utterances = (guint) n_utterances;
  set_config.rates = (const guint *) rates->data;
  set_config.n_rates = rates->len;
  set_config.snrs_db = default_snrs;
  set_config.n_snrs = G_N_ELEMENTS (default_snrs);
  set_config.seed = (guint32) seed;
  set_config.streams = !no_streams;
  fprintf (stderr, "building the held-out set from %s ...\n", data_dir);
  b.items = bench_set_build (&set_config, &error);
  if (b.items == NULL) {
    fprintf (stderr, "ae-bench-audio: %s\n", error->message);
    return 1;
  }
  b.rates = (const guint *) rates->data;
  b.n_rates = rates->len;
  b.keep = keep;

  /* the systems: runnable ones first, in table order */
  run_config.gst_plugin_path = plugin_path;
  run_config.ae_model = ae_model;
  run_config.ae_properties = ae_properties;
  run_config.speex_path = speex;
  run_config.rnnoise_model = model;
  all_systems = bench_systems_new (&run_config);
  b.systems = g_ptr_array_new ();
  for (i = 0; i < all_systems->len; i++) {
    BenchSystem *sys = all_systems->pdata[i];
    if (systems_opt != NULL) {
      char **want = g_strsplit (systems_opt, ",", -1);
      gboolean wanted = g_strv_contains ((const char *const *) want,
          sys->name);
      g_strfreev (want);
      if (!wanted)
        continue;
    }
    if (sys->skip_reason == NULL)
      g_ptr_array_add (b.systems, sys);
  }
  b.n_systems = b.systems->len;
  for (i = 0; i < all_systems->len; i++) {
    BenchSystem *sys = all_systems->pdata[i];
    if (sys->skip_reason != NULL) {
      fprintf (stderr, "skipping %s: %s\n", sys->name, sys->skip_reason);
      g_ptr_array_add (b.systems, sys);
    }
  }

  /* the runs: clean inputs first, so a broken system shows early */
  b.results = g_new0 (Result, (gsize) b.n_systems * b.items->len);
  b.nulls = g_new0 (BenchProc *, (gsize) BENCH_N_FAMILIES * b.items->len);
  procs = g_ptr_array_new ();
  for (s = 0; s < b.n_systems; s++) {
    BenchSystem *sys = b.systems->pdata[s];
    char *dir = g_build_filename (out_dir, "runs", sys->name, NULL);
    char *log_dir = g_build_filename (out_dir, "logs", sys->name, NULL);

    g_mkdir_with_parents (dir, 0755);
    g_mkdir_with_parents (log_dir, 0755);
    for (i = 0; i < b.items->len; i++) {
      BenchItem *item = b.items->pdata[i];
      Result *res = &b.results[s * b.items->len + i];
      char *flat = g_strdelimit (g_strdup (item->id), "/", '_');
      BenchFamily fam = bench_system_family (sys, item->rate);
      BenchProc *p = g_new0 (BenchProc, 1);

      res->out_path = g_strdup_printf ("%s/%s.wav", dir, flat);
      p->argv = bench_run_argv (&run_config, sys, fam, item->input_path,
          res->out_path, item->rate);
      p->log_path = g_strdup_printf ("%s/%s.log", log_dir, flat);
      p->result_path = g_strdup_printf ("%s.rusage", p->log_path);
      p->timeout_s = RUN_TIMEOUT_S + RUN_TIMEOUT_RTF * item->seconds;
      res->proc = p;
      res->si_sdr = res->stoi = NAN;
      g_ptr_array_add (procs, p);

      /* its null twin, once per family and file */
      if (b.nulls[fam * b.items->len + i] == NULL) {
        char *ndir = g_build_filename (out_dir, "runs", "null", NULL);
        BenchProc *np = g_new0 (BenchProc, 1);
        char *nout = g_strdup_printf ("%s/%s_%d.wav", ndir, flat, fam);

        g_mkdir_with_parents (ndir, 0755);
        np->argv = bench_run_argv (&run_config, NULL, fam, item->input_path,
            nout, item->rate);
        np->log_path = g_strdup_printf ("%s/null_%s_%d.log", log_dir, flat,
            fam);
        np->result_path = g_strdup_printf ("%s.rusage", np->log_path);
        np->timeout_s = RUN_TIMEOUT_S + RUN_TIMEOUT_RTF * item->seconds;
        b.nulls[fam * b.items->len + i] = np;
        g_ptr_array_add (procs, np);
        g_free (nout);
        g_free (ndir);
      }
      g_free (flat);
    }
    g_free (dir);
    g_free (log_dir);
  }
  /* stable: clean-input runs first */
  {
    GPtrArray *ordered = g_ptr_array_new ();
    guint pass;
    for (pass = 0; pass < 2; pass++)
      for (i = 0; i < procs->len; i++) {
        BenchProc *p = procs->pdata[i];
        gboolean is_clean = strstr (p->log_path, "_clean") != NULL;
        if (is_clean == (pass == 0))
          g_ptr_array_add (ordered, p);
      }
    g_ptr_array_unref (procs);
    procs = ordered;
  }

  fprintf (stderr, "%u items, %u systems, %u runs, %d at a time\n",
      b.items->len, b.n_systems, procs->len, n_jobs);
  bench_run_all (exec_path, (BenchProc **) procs->pdata, procs->len,
      (guint) n_jobs, progress);

  /* failures: keep their logs, drop the rest and the null outputs */
  for (i = 0; i < procs->len; i++) {
    BenchProc *p = procs->pdata[i];
    if (p->ok)
      g_unlink (p->log_path);
  }
  for (s = 0; s < b.n_systems; s++) {
    BenchSystem *sys = b.systems->pdata[s];
    guint n_failed = 0, n_timed_out = 0, n_null_failed = 0;
    const char *first = NULL;

    for (i = 0; i < b.items->len; i++) {
      BenchProc *p = b.results[s * b.items->len + i].proc;
      BenchProc *np = b.nulls[bench_system_family (sys,
              ((BenchItem *) b.items->pdata[i])->rate) * b.items->len + i];
      if (!p->ok) {
        n_failed++;
        n_timed_out += p->timed_out;
        if (first == NULL)
          first = p->log_path;
      }
      if (!np->ok)
        n_null_failed++;
    }
    if (n_failed > 0 || n_null_failed > 0) {
      sys->failure_note = g_strdup_printf ("%u of %u runs failed (%u timed "
          "out, after %.0f s + %.0f x the audio duration), %u null runs "
          "failed; first failure's log: `%s`", n_failed, b.items->len,
          n_timed_out, RUN_TIMEOUT_S, RUN_TIMEOUT_RTF, n_null_failed,
          first ? first : "(none)");
      fprintf (stderr, "%s: %s\n", sys->name, sys->failure_note);
    }
  }
  for (f = 0; f < BENCH_N_FAMILIES; f++)
    for (i = 0; i < b.items->len; i++) {
      BenchProc *np = b.nulls[f * b.items->len + i];
      if (np != NULL) {
        guint k;
        for (k = 0; np->argv[k] != NULL; k++);
        /* the output is the last argument, or filesink's location= */
        if (g_str_has_prefix (np->argv[k - 1], "location="))
          g_unlink (np->argv[k - 1] + strlen ("location="));
        else
          g_unlink (np->argv[k - 1]);
      }
    }

  fprintf (stderr, "aligning and scoring ...\n");
  b.delay = g_new0 (int, (gsize) MAX (b.n_systems, 1) * b.n_rates);
  b.delay_agree = g_new0 (int, (gsize) MAX (b.n_systems, 1) * b.n_rates);
  b.delay_total = g_new0 (int, (gsize) MAX (b.n_systems, 1) * b.n_rates);
  estimate_delays (&b);
  b.in_si_sdr = g_new (double, b.items->len);
  b.in_stoi = g_new (double, b.items->len);
  pool = g_thread_pool_new (score_one, NULL, n_jobs, TRUE, NULL);
  for (i = 0; i < b.items->len; i++) {
    ScoreTask *task = g_new0 (ScoreTask, 1);
    b.in_si_sdr[i] = b.in_stoi[i] = NAN;
    task->bench = &b;
    task->system = G_MAXUINT;
    task->item = i;
    g_thread_pool_push (pool, task, NULL);
  }
  for (s = 0; s < b.n_systems; s++)
    for (i = 0; i < b.items->len; i++) {
      ScoreTask *task;
      if (!b.results[s * b.items->len + i].proc->ok)
        continue;
      task = g_new0 (ScoreTask, 1);
      task->bench = &b;
      task->system = s;
      task->item = i;
      g_thread_pool_push (pool, task, NULL);
    }
  g_thread_pool_free (pool, FALSE, TRUE);

  text = report (&b, &run_config, default_snrs, G_N_ELEMENTS (default_snrs),
      command, (guint) n_jobs, g_get_monotonic_time () / 1e6 - t0);
  fputs (text, stdout);
  if (!g_file_set_contents (report_path, text, -1, &error)) {
    fprintf (stderr, "ae-bench-audio: %s\n", error->message);
    g_clear_error (&error);
  } else {
    fprintf (stderr, "report written to %s\n", report_path);
  }
  g_free (text);
  if (items_path != NULL) {
    text = items_tsv (&b);
    if (!g_file_set_contents (items_path, text, -1, &error)) {
      fprintf (stderr, "ae-bench-audio: %s\n", error->message);
      g_clear_error (&error);
    }
    g_free (text);
  }
  g_free (command);
  return 0;
}
