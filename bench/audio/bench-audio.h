/* bench-audio.h: shared types of ae-bench-audio (bench/audio/).
 *
 * The benchmark is three parts: bench-set.c builds the held-out evaluation
 * set, bench-run.c runs each denoiser as a child process and measures its
 * CPU time and memory, and ae-bench-audio.c aligns, scores and reports.
 * Not part of the plugin or of nn/: it may print, exit and spawn.
 */
#ifndef BENCH_AUDIO_H
#define BENCH_AUDIO_H

#include <glib.h>

G_BEGIN_DECLS

/* snr_db of an item whose input is the clean utterance itself */
#define BENCH_CLEAN G_MAXINT

typedef struct
{
  char *id;                     /* "16k/u07_snr+05" */
  guint rate;                   /* Hz */
  int snr_db;                   /* or BENCH_CLEAN */
  guint utterance;              /* index within its rate */
  char *input_path;             /* what the denoiser reads */
  char *clean_path;             /* the reference */
  double seconds;
  char *voice;                  /* held-out prefix the speech came from */
  char *noise;                  /* held-out noise file ("" when clean) */
  /* A stream: every utterance of its rate at one SNR, back to back in one
   * file, so voice and noise change every 3-8 s and a denoiser's
   * state carries across; segments holds the gsize sample offsets of the
   * utterances and the end (n_utterances + 1).  NULL for a single
   * utterance. */
  GArray *segments;
} BenchItem;

typedef struct
{
  const char *data_dir;         /* ../shared/data/audio */
  const char *heldout_path;     /* bench/audio/heldout.txt */
  const char *out_dir;          /* bench/out/audio */
  guint n_utterances;           /* per rate */
  const guint *rates;
  guint n_rates;
  const int *snrs_db;
  guint n_snrs;
  guint32 seed;
  gboolean streams;             /* also one stream per rate and SNR */
} BenchSetConfig;

/* Builds the evaluation set under @config->out_dir/set/ and returns its
 * items (BenchItem, freed with bench_item_free), or NULL with @error. */
GPtrArray *bench_set_build (const BenchSetConfig * config, GError ** error);
void bench_item_free (gpointer item);

/* Channel 0 of an audio file as float (n), at its own rate. */
float *bench_read_audio (const char *path, guint * rate, gsize * n,
    GError ** error);
/* A mono 32-bit float WAV. */
gboolean bench_write_wav (const char *path, const float *x, gsize n,
    guint rate, GError ** error);

/* ---- systems (bench-run.c) ---- */

/* How a system's run is launched; the matching null run (the same command
 * with the denoiser replaced by a pass-through) costs what decoding,
 * conversion and encoding cost, and is subtracted. */
typedef enum
{
  BENCH_FAMILY_GST,             /* gst-launch-1.0 ... identity ... */
  BENCH_FAMILY_FFMPEG,          /* ffmpeg -af anull */
  BENCH_FAMILY_FFMPEG_48K,      /* ffmpeg -af aresample=48000,anull,... */
  BENCH_FAMILY_SPEEX,           /* speex-denoise --bypass */
  BENCH_N_FAMILIES
} BenchFamily;

typedef struct
{
  const char *gst_plugin_path;  /* build/gst */
  const char *speex_path;       /* build-bench/bench/audio/speex-denoise */
  const char *rnnoise_model;    /* *.rnnn for arnndn */
  const char *ae_model;         /* aedenoise model=, or NULL: embedded */
  char **ae_properties;         /* more aedenoise NAME=VALUE, or NULL */
} BenchRunConfig;

typedef struct
{
  const char *name;
  const char *description;      /* the exact configuration, for the report */
  char *skip_reason;            /* NULL when runnable */
  char *failure_note;           /* failed runs, set after running */
} BenchSystem;

/* The systems, in report order; names as in --systems. */
GPtrArray *bench_systems_new (const BenchRunConfig * config);
/* The family of @system at @rate (arnndn at 16 kHz resamples to 48). */
BenchFamily bench_system_family (const BenchSystem * system, guint rate);
const char *bench_family_name (BenchFamily family);

/* argv for one run: @system NULL means the null run of @family. */
char **bench_run_argv (const BenchRunConfig * config,
    const BenchSystem * system, BenchFamily family, const char *in,
    const char *out, guint rate);

typedef struct
{
  char **argv;
  char *log_path;               /* stdout and stderr of the child */
  char *result_path;            /* bench-exec's measurement */
  double timeout_s;             /* killed (with its group) after this */
  /* results */
  gboolean ok;                  /* exited 0 within the timeout */
  gboolean timed_out;
  int exit_status;
  double cpu_s;                 /* user + system, from wait4 */
  double wall_s;
  double max_rss_mb;            /* ru_maxrss */
} BenchProc;

/* Runs every proc through @exec_path (bench-exec), @n_jobs at a time,
 * and fills in the results.  @progress, when not NULL, is called after
 * each finishes. */
void bench_run_all (const char *exec_path, BenchProc ** procs,
    guint n_procs, guint n_jobs, void (*progress) (guint done, guint total));

G_END_DECLS
#endif /* BENCH_AUDIO_H */
