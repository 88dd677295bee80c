/* ae-train.c: the offline trainer's command line.
 *
 *   ae-train fit   --task audio-denoise --clean DIR --noise DIR -o MODEL
 *   ae-train eval  --model MODEL --input NOISY.wav [--reference CLEAN.wav]
 *                  [--output OUT.wav]
 *   ae-train info  MODEL
 *   ae-train score CLEAN.wav PROCESSED.wav
 *   ae-train fit   --task reconstruct --kind KIND --images DIR -o MODEL
 *   ae-train sample --model VAE -n N -o DIR
 *   ae-train encode --model MODEL --images DIR -o CODES.npy
 *
 * Only main() turns a GError into a message and an exit status; everything
 * below it returns errors (STYLE.md section 6).
 */
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <string.h>

#include "audio-data.h"
#include "metrics.h"
#include "denseae.h"
#include "model.h"
#include "safetensors.h"
#include "tensor.h"
#include "train-reconstruct.h"
#include "train-speech.h"
#include "train-video.h"
#include "videonet.h"
#include "plot.h"
#include "eval-video.h"
#include "gainsmooth.h"
#include "cli.h"

static void
on_sigint (int sig)
{
  (void) sig;
  g_atomic_int_set (&ae_train_interrupted, 1);
}


static int
cmd_fit (int argc, char **argv, GError ** error)
{
  AeSpeechTrainOptions o;
  char *task = NULL, *clean = NULL, *noise = NULL, *heldout = NULL,
      *output = NULL, *arch = NULL, *kind = NULL, *loss = NULL, *init = NULL;
  AeCliRun run = { 0 };
  double distortion_weight = 1.0, spectral_weight = 0.0, sisdr_weight = 0.0;
  int rate = 48000, width, code, blocks, kernel;
  double bands_per_erb, snr_min, snr_max, noise_change, val_noise_change;
  AeCliOptim oa = { 0 };
  gboolean no_augment = FALSE, ok = FALSE;
  GOptionContext *ctx;
  char *cmdline = g_strjoinv (" ", argv);

  ae_speech_train_options_init (&o);
  width = o.config.arch.width;
  code = o.config.arch.code;
  blocks = o.config.arch.n_blocks;
  kernel = o.config.arch.kernel;
  oa.steps = 0;                 /* not given */
  oa.val_every = (int) o.val_every;
  oa.warmup = (int) o.warmup;
  oa.lr = o.lr;
  oa.clip = o.clip;
  oa.momentum = 0.9;
  oa.threads = o.threads;
  bands_per_erb = o.config.bands_per_erb;
  snr_min = o.snr_min_db;
  snr_max = o.snr_max_db;
  noise_change = o.noise_change;
  val_noise_change = o.val_noise_change;
  oa.seed = (gint64) o.seed;
  {
    GOptionEntry entries[] = {
      {"task", 0, 0, G_OPTION_ARG_STRING, &task,
          "audio-denoise, or reconstruct (see fit --task reconstruct "
          "--help)", "TASK"},
      {"kind", 0, 0, G_OPTION_ARG_STRING, &kind,
          "autoencoder kind: audio-denoise trains a denoising autoencoder",
          "denoising"},
      {"loss", 0, 0, G_OPTION_ARG_STRING, &loss,
            "audio-denoise: 'gain' (sqrt + linear band-gain error, plus "
            "speech BCE)", "gain"},
      {"clean", 0, 0, G_OPTION_ARG_FILENAME, &clean,
          "folder of clean speech (wav, flac, ogg; searched recursively)",
          "DIR"},
      {"noise", 0, 0, G_OPTION_ARG_FILENAME, &noise,
          "folder of noise recordings", "DIR"},
      {"holdout", 0, 0, G_OPTION_ARG_FILENAME, &heldout,
            "file of path fragments held out for validation (default: a "
            "seeded 10% of folders)", "FILE"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "weight file to write (best validation loss so far)", "MODEL"},
      {"rate", 0, 0, G_OPTION_ARG_INT, &rate, "model rate, Hz (16000, 48000)",
          "HZ"},
      {"arch", 0, 0, G_OPTION_ARG_STRING, &arch, "architecture preset: speech",
          "NAME"},
      {"width", 0, 0, G_OPTION_ARG_INT, &width, "encoder/decoder channels",
          "N"},
      {"code", 0, 0, G_OPTION_ARG_INT, &code, "bottleneck channels", "N"},
      {"blocks", 0, 0, G_OPTION_ARG_INT, &blocks,
          "dilated residual blocks in the bottleneck", "N"},
      {"kernel", 0, 0, G_OPTION_ARG_INT, &kernel, "time-convolution taps", "N"},
      {"bands-per-erb", 0, 0, G_OPTION_ARG_DOUBLE, &bands_per_erb,
          "band density", "X"},
      {"batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "sequences per step", "N"},
      {"seq-frames", 0, 0, G_OPTION_ARG_INT, &o.seq_frames,
          "10 ms frames per sequence", "N"},
      {"snr-min", 0, 0, G_OPTION_ARG_DOUBLE, &snr_min, "lowest SNR, dB", "DB"},
      {"snr-max", 0, 0, G_OPTION_ARG_DOUBLE, &snr_max, "highest SNR, dB",
          "DB"},
      {"no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment,
          "mix without speed, EQ, reverberation and band limits", NULL},
      {"noise-change", 0, 0, G_OPTION_ARG_DOUBLE, &noise_change,
            "share of examples whose noise starts, stops or changes "
            "part-way (0-1)", "P"},
      {"val-noise-change", 0, 0, G_OPTION_ARG_DOUBLE, &val_noise_change,
            "the same share for the validation mixtures (0-1; default 0, "
            "so that validation figures compare across runs)", "P"},
      {"val-examples", 0, 0, G_OPTION_ARG_INT, &o.val_examples,
          "held-out mixtures", "N"},
      {"init", 0, 0, G_OPTION_ARG_FILENAME, &init,
          "start from a model's weights (fine-tuning; fresh optimiser); a "
          "speech model with fewer --blocks grows deeper",
          "MODEL"},
      {"distortion-weight", 0, 0, G_OPTION_ARG_DOUBLE, &distortion_weight,
            "weight of band gains below their target: > 1 makes removing "
            "speech cost more than leaving noise", "X"},
      {"spectral-weight", 0, 0, G_OPTION_ARG_DOUBLE, &spectral_weight,
            "weight of the compressed-magnitude loss on the rebuilt "
            "spectrum, bin by bin (default 0: off)", "X"},
      {"sisdr-weight", 0, 0, G_OPTION_ARG_DOUBLE, &sisdr_weight,
            "weight of minus the SI-SDR (dB) of the rebuilt signal "
            "(default 0: off; 0.01 makes 1 dB worth 0.01)", "X"},
      {NULL}
    };
    ctx = g_option_context_new ("- train a model");
    g_option_context_add_main_entries (ctx, entries, NULL);
    if (!ae_cli_parse_training (ctx, &argc, &argv, &oa, &run, (int) o.steps,
            error))
      goto out;
  }

  if (g_strcmp0 (task, "audio-denoise") != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        task ? "--task %s is not available in this build (audio-denoise "
        "and reconstruct are)"
        : "--task is required (audio-denoise or reconstruct)%s",
        task ? task : "");
    goto out;
  }
  if (kind && g_strcmp0 (kind, "denoising") != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--task audio-denoise trains a denoising autoencoder; --kind %s "
        "contradicts it", kind);
    goto out;
  }
  if (loss && g_strcmp0 (loss, "gain") != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--loss %s: audio-denoise trains with the band-gain loss ('gain')",
        loss);
    goto out;
  }
  if (arch && g_strcmp0 (arch, "speech") != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--arch %s is unknown (speech)", arch);
    goto out;
  }
  if (!clean || !noise || !output) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "audio-denoise needs --clean DIR, --noise DIR and -o MODEL");
    goto out;
  }
  if (rate != 16000 && rate != 48000) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--rate %d: speech models run at 16000 or 48000 Hz", rate);
    goto out;
  }
  if (!(noise_change >= 0.0 && noise_change <= 1.0)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--noise-change %g: give a share of examples, 0 to 1", noise_change);
    goto out;
  }
  if (!(val_noise_change >= 0.0 && val_noise_change <= 1.0)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--val-noise-change %g: give a share of examples, 0 to 1",
        val_noise_change);
    goto out;
  }
  if (snr_min > snr_max) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--snr-min %g is above --snr-max %g", snr_min, snr_max);
    goto out;
  }
  if (o.batch < 1 || o.seq_frames < 1 || oa.steps < 1 || oa.val_every < 1
      || o.val_examples < 1 || oa.lr <= 0.0 || oa.threads < 1) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--batch, --seq-frames, --steps, --val-every, --val-examples, "
        "--threads and --lr must be positive");
    goto out;
  }
  if (run.resume && init) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--resume continues a run and --init starts a new one; give one");
    goto out;
  }
  if (distortion_weight < 1.0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--distortion-weight %g: must be at least 1", distortion_weight);
    goto out;
  }
  if (!(spectral_weight >= 0.0 && spectral_weight < 1e6
          && sisdr_weight >= 0.0 && sisdr_weight < 1e6)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--spectral-weight %g, --sisdr-weight %g: must be 0 or positive",
        spectral_weight, sisdr_weight);
    goto out;
  }
  if (!ae_cli_optim_resolve (&oa, &o.optim, &o.schedule, error))
    goto out;

  o.clean_dir = clean;
  o.noise_dir = noise;
  o.heldout_file = heldout;
  o.output = output;
  o.log_path = run.log;
  o.checkpoint = run.checkpoint;
  o.resume = run.resume;
  o.patience = run.patience;
  o.init = init;
  o.distortion_weight = (float) distortion_weight;
  o.spectral_weight = (float) spectral_weight;
  o.sisdr_weight = (float) sisdr_weight;
  o.command_line = cmdline;
  o.config.sample_rate = rate;
  o.config.hop = rate / 100;
  o.config.bands_per_erb = (float) bands_per_erb;
  o.config.arch.width = width;
  o.config.arch.code = code;
  o.config.arch.n_blocks = blocks;
  o.config.arch.kernel = kernel;
  o.steps = oa.steps;
  o.epochs = oa.epochs;
  o.val_every = oa.val_every;
  o.warmup = oa.warmup;
  o.lr = (float) oa.lr;
  o.clip = (float) oa.clip;
  o.threads = oa.threads;
  o.snr_min_db = (float) snr_min;
  o.snr_max_db = (float) snr_max;
  o.augment = !no_augment;
  o.noise_change = (float) noise_change;
  o.val_noise_change = (float) val_noise_change;
  o.seed = (guint64) oa.seed;

  signal (SIGINT, on_sigint);
  ok = ae_train_speech (&o, error);

out:
  g_option_context_free (ctx);
  g_free (task);
  g_free (kind);
  g_free (loss);
  g_free (clean);
  g_free (noise);
  g_free (heldout);
  g_free (output);
  ae_cli_run_clear (&run);
  g_free (init);
  ae_cli_optim_clear (&oa);
  g_free (arch);
  g_free (cmdline);
  return ok ? 0 : 1;
}

/* Reads a mono file at @rate; refuses anything else, naming the file. */
static float *
read_mono (const char *path, guint rate, gsize * n, GError ** error)
{
  SF_INFO info = { 0 };
  SNDFILE *f = sf_open (path, SFM_READ, &info);
  float *x;

  if (!f) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s: %s", path,
        sf_strerror (NULL));
    return NULL;
  }
  if (info.channels != 1 || (guint) info.samplerate != rate) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "%s: %d channels at %d Hz; the model wants mono at %u Hz", path,
        info.channels, info.samplerate, rate);
    sf_close (f);
    return NULL;
  }
  x = ae_alloc_floats (info.frames);
  *n = sf_readf_float (f, x, info.frames);
  sf_close (f);
  return x;
}

static int
cmd_eval (int argc, char **argv, GError ** error)
{
  char *model_path = NULL, *input = NULL, *reference = NULL, *output = NULL;
  AeModel *model = NULL;
  AeStream *stream = NULL;
  float *x = NULL, *y = NULL, *ref = NULL, *zeros = NULL;
  gsize n = 0, n_ref = 0;
  guint latency;
  int ret = 1;
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "weight file",
        "MODEL"},
    {"input", 'i', 0, G_OPTION_ARG_FILENAME, &input, "noisy mono file",
        "FILE"},
    {"reference", 'r', 0, G_OPTION_ARG_FILENAME, &reference,
        "clean reference, for SI-SDR and STOI", "FILE"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "write the denoised signal (32-bit float WAV)", "FILE"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- denoise a file and score it");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!ae_cli_parse (ctx, &argc, &argv, error))
    goto out;
  if (!model_path || !input) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "eval needs --model MODEL and --input FILE");
    goto out;
  }
  if (!(model = ae_model_new_from_file (model_path, error))
      || !(stream = ae_stream_new (model, error))
      || !(x = read_mono (input, ae_model_get_sample_rate (model), &n,
              error)))
    goto out;
  latency = ae_model_get_latency_samples (model);
  y = ae_alloc_floats (n + latency);
  zeros = ae_alloc_floats (latency);
  /* The element's file mode: run the tail through, drop the latency. */
  ae_stream_process (stream, y, x, n);
  ae_stream_process (stream, y + n, zeros, latency);
  if (output && !ae_wav_write_mono (output, y + latency, n,
          ae_model_get_sample_rate (model), error))
    goto out;
  if (reference) {
    if (!(ref = read_mono (reference, ae_model_get_sample_rate (model),
                &n_ref, error)))
      goto out;
    n_ref = MIN (n_ref, n);
    printf ("SI-SDR in %.2f dB, out %.2f dB, improvement %.2f dB\n",
        ae_si_sdr (x, ref, n_ref), ae_si_sdr (y + latency, ref, n_ref),
        ae_si_sdr (y + latency, ref, n_ref) - ae_si_sdr (x, ref, n_ref));
    printf ("STOI in %.3f, out %.3f\n",
        ae_stoi (ref, x, n_ref, ae_model_get_sample_rate (model)),
        ae_stoi (ref, y + latency, n_ref, ae_model_get_sample_rate (model)));
  }
  ret = 0;

out:
  g_option_context_free (ctx);
  ae_stream_free (stream);
  if (model)
    ae_model_unref (model);
  ae_free (x);
  ae_free (y);
  ae_free (ref);
  ae_free (zeros);
  g_free (model_path);
  g_free (input);
  g_free (reference);
  g_free (output);
  return ret;
}

/* Reads any mono or multichannel file's channel 0 at its own rate. */
static float *
read_channel0 (const char *path, guint * rate, gsize * n, GError ** error)
{
  SF_INFO info = { 0 };
  SNDFILE *f = sf_open (path, SFM_READ, &info);
  float *frames, *x;
  sf_count_t i;

  if (!f) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s: %s", path,
        sf_strerror (NULL));
    return NULL;
  }
  frames = g_new (float, (gsize) info.frames * info.channels);
  *n = sf_readf_float (f, frames, info.frames);
  sf_close (f);
  x = ae_alloc_floats (*n);
  for (i = 0; i < (sf_count_t) * n; i++)
    x[i] = frames[i * info.channels];
  g_free (frames);
  *rate = info.samplerate;
  return x;
}

/* Scores a processed file against its clean reference: the figures the
 * README's demo and bench/audio print. */
static int
cmd_score (int argc, char **argv, GError ** error)
{
  float *ref = NULL, *x = NULL;
  guint rate_ref, rate_x;
  gsize n_ref, n_x, n, i;
  double signal = 0.0, err = 0.0;
  int ret = 1;

  if (argc != 3) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "usage: ae-train score CLEAN.wav PROCESSED.wav");
    return 1;
  }
  if (!(ref = read_channel0 (argv[1], &rate_ref, &n_ref, error))
      || !(x = read_channel0 (argv[2], &rate_x, &n_x, error)))
    goto out;
  if (rate_ref != rate_x) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "%s is at %u Hz but %s at %u Hz", argv[1], rate_ref, argv[2],
        rate_x);
    goto out;
  }
  n = MIN (n_ref, n_x);
  for (i = 0; i < n; i++) {
    signal += (double) ref[i] * ref[i];
    err += (double) (x[i] - ref[i]) * (x[i] - ref[i]);
  }
  printf ("SNR %.2f dB  SI-SDR %.2f dB  STOI %.3f  (%s)\n",
      10.0 * log10 (signal / MAX (err, 1e-20)), ae_si_sdr (x, ref, n),
      ae_stoi (ref, x, n, rate_ref), argv[2]);
  ret = 0;

out:
  ae_free (ref);
  ae_free (x);
  return ret;
}

static int
cmd_info (int argc, char **argv, GError ** error)
{
  AeSafetensors *st;
  AeModel *model;
  guint i;

  if (argc != 2) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "usage: ae-train info MODEL");
    return 1;
  }
  if (!(st = ae_safetensors_new_from_file (argv[1], error)))
    return 1;
  for (i = 0; i < ae_safetensors_get_n_metadata (st); i++) {
    const char *key = ae_safetensors_get_metadata_key (st, i);
    printf ("%-28s %s\n", key, ae_safetensors_get_metadata (st, key));
  }
  if (!g_strcmp0 (ae_safetensors_get_metadata (st, "ae.arch"),
          AE_DENSE_AE_ARCH)) {
    AeDenseAe ae;
    gboolean ok = ae_dense_ae_init_from_safetensors (&ae, st, error);
    if (ok)
      printf ("%-28s %" G_GSIZE_FORMAT "\n", "parameters", ae.n_params);
    ae_dense_ae_clear (&ae);
    ae_safetensors_free (st);
    return ok ? 0 : 1;
  }
  if (!g_strcmp0 (ae_safetensors_get_metadata (st, "ae.arch"),
          AE_ARCH_VIDEO)) {
    AeVideoNet net;
    float *params = NULL;
    gboolean ok = ae_videonet_load (argv[1], &net, &params, error);
    if (ok) {
      double macs = ae_videonet_macs_per_pixel (&net);
      printf ("%-28s %" G_GSIZE_FORMAT "\n", "parameters", net.n_params);
      printf ("%-28s %.0f multiply-adds per pixel; %.1f GFLOP/s at "
          "1280x720, 30 fps\n", "compute", macs,
          2.0 * macs * 1280 * 720 * 30 / 1e9);
    }
    ae_free (params);
    ae_safetensors_free (st);
    return ok ? 0 : 1;
  }
  ae_safetensors_free (st);
  if (!(model = ae_model_new_from_file (argv[1], error)))
    return 1;
  {
    const AeSpeechNet *net = ae_model_get_speechnet (model);
    double frames_per_s = (double) ae_model_get_sample_rate (model) /
        ae_model_get_hop_samples (model);
    printf ("%-28s %" G_GSIZE_FORMAT "\n", "parameters",
        ae_model_get_n_params (model));
    printf ("%-28s %.1f MFLOP per second of audio (network only)\n",
        "compute", 2.0 * ae_speechnet_macs_per_frame (net) * frames_per_s /
        1e6);
    printf ("%-28s %u samples (%.1f ms)\n", "latency",
        ae_model_get_latency_samples (model),
        1000.0 * ae_model_get_latency_samples (model) /
        ae_model_get_sample_rate (model));
  }
  ae_model_unref (model);
  return 0;
}

/* A copy of a speech model with the settings its streams start with
 * changed; the weights and the rest of the metadata are kept as they are.
 * The copy is loaded back, so what is written is what the element will
 * read. */
static int
cmd_tune (int argc, char **argv, GError ** error)
{
  char *model_path = NULL, *output = NULL;
  gint smoothing_ms = -1;
  AeModel *model = NULL, *check = NULL;
  int ret = 1;
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "weight file",
        "MODEL"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "the copy to write",
        "FILE"},
    {"noise-smoothing", 0, 0, G_OPTION_ARG_INT, &smoothing_ms,
          "noise smoothing time in ms, 0 (off) to 10000 (nn/gainsmooth.h)",
        "MS"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- copy a speech model with "
      "other stream defaults");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!ae_cli_parse (ctx, &argc, &argv, error))
    goto out;
  if (!model_path || !output) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "usage: ae-train tune -m MODEL -o FILE [--noise-smoothing MS]");
    goto out;
  }
  if (smoothing_ms != -1 && (smoothing_ms < 0
          || smoothing_ms > AE_NOISE_SMOOTHING_MAX_MS)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--noise-smoothing %d: give 0 (off) to %d ms", smoothing_ms,
        AE_NOISE_SMOOTHING_MAX_MS);
    goto out;
  }
  if (!(model = ae_model_new_from_file (model_path, error)))
    goto out;
  {
    char value[16];
    const char *meta[] = { AE_META_NOISE_SMOOTHING, value, NULL };

    g_snprintf (value, sizeof (value), "%u", smoothing_ms >= 0 ?
        (guint) smoothing_ms : ae_model_get_noise_smoothing_ms (model));
    if (!ae_model_save (model, output, meta, error)
        || !(check = ae_model_new_from_file (output, error)))
      goto out;
  }
  printf ("%s: noise smoothing %u ms\n", output,
      ae_model_get_noise_smoothing_ms (check));
  ret = 0;

out:
  if (model)
    ae_model_unref (model);
  if (check)
    ae_model_unref (check);
  g_option_context_free (ctx);
  g_free (model_path);
  g_free (output);
  return ret;
}

static void
usage (void)
{
  g_printerr ("usage: ae-train COMMAND [OPTIONS]\n\n"
      "  fit    train a model (ae-train fit --help)\n"
      "  eval   denoise a file (--input) or images (--images) and score "
      "them\n"
      "  info   print a weight file's metadata, size and cost\n"
      "  score  SNR, SI-SDR and STOI of a file against its clean reference\n"
      "  tune   copy a speech model with other stream defaults\n"
      "  sample decode draws from a variational model's prior (images: "
      "PGM; audio: WAV and .npy)\n"
      "  encode encode image patches to a .npy array of codes\n"
      "  plot   draw a --log CSV's curves as a PNG\n");
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  const char *cmd = argc > 1 ? argv[1] : NULL;
  int ret;

  gst_init (NULL, NULL);
  if (!cmd || !strcmp (cmd, "--help") || !strcmp (cmd, "-h")) {
    usage ();
    return cmd ? 0 : 2;
  }
  if (!strcmp (cmd, "fit") && ae_cli_task_is (argc - 1, argv + 1,
          "reconstruct")) {
    signal (SIGINT, on_sigint);
    ret = ae_reconstruct_cmd_fit (argc - 1, argv + 1, &error);
  }
  else if (!strcmp (cmd, "fit") && ae_cli_task_is (argc - 1, argv + 1,
          "video-denoise")) {
    signal (SIGINT, on_sigint);
    ret = ae_video_cmd_fit (argc - 1, argv + 1, &error);
  }
  else if (!strcmp (cmd, "fit"))
    ret = cmd_fit (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "sample"))
    ret = ae_reconstruct_cmd_sample (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "encode"))
    ret = ae_reconstruct_cmd_encode (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "eval") && ae_cli_has_option (argc - 1, argv + 1,
          "--images"))
    ret = ae_video_cmd_eval (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "eval"))
    ret = cmd_eval (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "info"))
    ret = cmd_info (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "tune"))
    ret = cmd_tune (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "score"))
    ret = cmd_score (argc - 1, argv + 1, &error);
  else if (!strcmp (cmd, "plot"))
    ret = ae_cmd_plot (argc - 1, argv + 1, &error);
  else {
    g_printerr ("ae-train: unknown command \"%s\"\n", cmd);
    usage ();
    return 2;
  }
  if (error) {
    g_printerr ("ae-train %s: %s\n", cmd, error->message);
    g_error_free (error);
  }
  return ret;
}
