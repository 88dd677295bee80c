/* train-reconstruct.c: image-patch autoencoders for ae-train.
 *
 * The loop is plain: draw a batch of random patches (with flips) from the
 * training images, corrupt them for the denoising kind, draw eps for the
 * variational one, forward, backward, clip, step.  Validation runs the
 * same forward on fixed patches with eps and corruption drawn once, and
 * with the full KL weight, whatever the warm-up.  Not here: GStreamer
 * (image-data.c), the maths (denseae.c).
 */
#include "train-reconstruct.h"

#include "checkpoint.h"
#include "progress.h"
#include "train-speech.h"       /* ae_train_interrupted */
#include "cli.h"

#include "ae.h"
#include "audio-frames.h"
#include "image-data.h"
#include "rng.h"
#include "safetensors.h"
#include "tensor.h"

#include <cblas.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void
ae_recon_train_options_init (AeReconTrainOptions * o)
{
  memset (o, 0, sizeof (*o));
  o->val_fraction = 0.2;
  o->val_patches = 256;
  o->frame_interval_s = 1.0;
  o->max_frames_per_file = 16;
  o->patch = 16;
  o->config.kind = AE_DENSE_AE_BASIC;
  o->config.n_in = 256;
  o->config.n_hidden = 1;
  o->config.hidden[0] = 128;
  o->config.code = 16;
  o->config.hidden_act = AE_ACT_RELU;
  o->config.code_act = AE_ACT_NONE;
  o->config.out_act = AE_ACT_SIGMOID;
  o->loss.recon = AE_RECON_MSE;
  o->loss.sparsity = AE_SPARSITY_L1;
  o->loss.sparsity_rho = 0.05f;
  o->corruption = AE_CORRUPT_GAUSSIAN;
  o->corruption_level = 0.2f;
  o->batch = 64;
  o->steps = 2000;
  o->optim.kind = AE_OPTIM_ADAM;
  o->optim.beta1 = 0.9f;
  o->optim.beta2 = 0.999f;
  o->optim.eps = 1e-8f;
  o->lr = 1e-3f;
  o->schedule = AE_SCHEDULE_CONSTANT;
  o->clip = 1.0f;
  o->seed = 1;
  o->threads = 1;
  o->val_every = 100;
  o->rate = 16000;
  o->frames = 8;
}

static gboolean
load_part (AeImageSet * set, GPtrArray * paths, const AeReconTrainOptions * o,
    const char *what, GError ** error)
{
  AeImageLoadOptions lo;

  ae_image_load_options_init (&lo);
  lo.frame_interval_s = o->frame_interval_s;
  lo.max_frames_per_file = o->max_frames_per_file;
  lo.min_side = o->patch;
  return ae_image_set_load_part (set, paths, &lo, o->images_dir, what,
      error);
}

static void
draw_batch (const AeImageSet * set, int patch, int rows, gboolean flips,
    AeRng * rng, float *out)
{
  int r, n_in = patch * patch;

  for (r = 0; r < rows; r++) {
    const AeImage *img = &set->images[ae_rng_below (rng, set->n_images)];
    ae_image_random_patch (img, patch, flips, rng, out + (gsize) r * n_in);
  }
}

/* Where examples come from: image patches, or audio feature frames. */
typedef struct
{
  gboolean audio;
  AeImageSet images;
  AeClipSet *clips;
  AeAudioFrames frames;
} Source;

static void
source_clear (Source * src)
{
  ae_image_set_clear (&src->images);
  if (src->clips) {
    ae_audio_frames_clear (&src->frames);
    ae_clip_set_free (src->clips);
  }
}

static gboolean
load_audio (Source * src, const AeReconTrainOptions * o, AeSplitPart part,
    GError ** error)
{
  AeLoadOptions lo;
  GPtrArray *skipped = g_ptr_array_new_with_free_func (g_free);
  guint i;

  ae_load_options_init (&lo);
  lo.rate = o->rate;
  lo.part = part;
  lo.heldout_fraction = o->val_fraction;
  lo.split_seed = o->seed;
  lo.min_seconds = 0.05;
  src->audio = TRUE;
  src->clips = ae_clip_set_load (o->audio_dir, &lo, skipped, error);
  for (i = 0; i < skipped->len; i++)
    g_printerr ("warning: skipped %s\n", (char *) skipped->pdata[i]);
  g_ptr_array_unref (skipped);
  return src->clips && ae_audio_frames_init (&src->frames, src->clips,
      o->frames, error);
}

/* @rows examples into out (rows, n_in). */
static void
source_draw (Source * src, const AeReconTrainOptions * o, int rows,
    gboolean flips, AeRng * rng, float *out)
{
  int r, n_in = src->audio ? ae_audio_frames_n_in (&src->frames) :
      o->patch * o->patch;

  if (!src->audio) {
    draw_batch (&src->images, o->patch, rows, flips, rng, out);
    return;
  }
  for (r = 0; r < rows; r++)
    ae_audio_frames_draw (&src->frames, rng, out + (gsize) r * n_in);
}

static void
swap_floats (float *a, float *b, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++) {
    float t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

static gboolean
write_model (const AeDenseAe * ae, const AeReconTrainOptions * o,
    guint64 step, double val_loss, GError ** error)
{
  AeSafetensorsWriter *wr = ae_dense_ae_writer_new (ae,
      o->audio_dir ? "audio" : "image");
  char buf[64];
  gboolean ok;

  ae_safetensors_writer_add_metadata (wr, "ae.task", "reconstruct");
  if (o->audio_dir) {
    /* What aeencode needs to compute the same features. */
    g_snprintf (buf, sizeof (buf), "%d", o->rate);
    ae_safetensors_writer_add_metadata (wr, "ae.sample_rate", buf);
    g_snprintf (buf, sizeof (buf), "%d", o->frames);
    ae_safetensors_writer_add_metadata (wr, "ae.frames", buf);
    g_ascii_formatd (buf, sizeof (buf), "%g", AE_AUDIO_FRAMES_BANDS_PER_ERB);
    ae_safetensors_writer_add_metadata (wr, "ae.bands_per_erb", buf);
  } else {
    g_snprintf (buf, sizeof (buf), "%d", o->patch);
    ae_safetensors_writer_add_metadata (wr, "ae.patch", buf);
  }
  ae_safetensors_writer_add_metadata (wr, "ae.loss",
      ae_recon_loss_to_string (o->loss.recon));
  g_snprintf (buf, sizeof (buf), "%" G_GUINT64_FORMAT, step);
  ae_safetensors_writer_add_metadata (wr, "ae.train.step", buf);
  g_ascii_formatd (buf, sizeof (buf), "%.6g", val_loss);
  ae_safetensors_writer_add_metadata (wr, "ae.train.val_loss", buf);
  if (o->command_line)
    ae_safetensors_writer_add_metadata (wr, "ae.train.command_line",
        o->command_line);
  ok = ae_safetensors_writer_write_file (wr, o->output, error);
  ae_safetensors_writer_free (wr);
  return ok;
}

gboolean
ae_train_reconstruct (const AeReconTrainOptions * options, GError ** error)
{
  AeReconTrainOptions opts = *options;
  const AeReconTrainOptions *o = &opts;
  AeDenseAeConfig c = o->config;
  AeDenseAeLoss loss = o->loss;
  Source train = { 0 }, val = { 0 };
  GPtrArray *train_paths = g_ptr_array_new (), *val_paths =
      g_ptr_array_new ();
  char **files = NULL;
  AeDenseAe ae = { 0 };
  AeDenseAeWork w = { 0 }, wv = { 0 };
  AeOptimizer opt = { 0 };
  AeRng rng;
  float *x = NULL, *xin = NULL, *eps = NULL, *grads = NULL;
  float *vx = NULL, *vin = NULL, *veps = NULL;
  FILE *log = NULL;
  gboolean ok = FALSE, vae, denoise;
  double train_sum = 0.0;
  guint64 step, start_step, train_count = 0;
  AeCheckpointState state = { 0, INFINITY, 0 };
  AeProgress progress;
  int n_in, nv = MAX (o->val_patches, 1);

  vae = c.kind == AE_DENSE_AE_VARIATIONAL;
  denoise = c.kind == AE_DENSE_AE_DENOISING;
  openblas_set_num_threads (MAX (o->threads, 1));

  if (o->audio_dir) {
    if (!load_audio (&train, o, AE_SPLIT_TRAIN, error)
        || !load_audio (&val, o, AE_SPLIT_HELDOUT, error))
      goto out;
    c.n_in = ae_audio_frames_n_in (&train.frames);
  } else {
    if (!(files = ae_image_list_files (o->images_dir, error))
        || !ae_image_split_files (files, o->val_fraction, o->seed,
            train_paths, val_paths, o->images_dir, error)
        || !load_part (&train.images, train_paths, o, "training", error)
        || !load_part (&val.images, val_paths, o, "validation", error))
      goto out;
    c.n_in = o->patch * o->patch;
  }
  n_in = c.n_in;
  if (o->epochs > 0.0) {
    /* An epoch: every image once, or the audio end to end in examples */
    double examples = o->audio_dir ? train.clips->total_seconds /
        (o->frames * 0.01) : train.images.n_images;
    opts.steps = ae_cli_epochs_to_steps (o->epochs, examples, o->batch);
    g_printerr ("ae-train: %g epochs = %" G_GUINT64_FORMAT " steps\n",
        o->epochs, o->steps);
  }
  if (!ae_dense_ae_init (&ae, &c, error)
      || !ae_dense_ae_loss_check (&c, &loss, error))
    goto out;
  if (o->audio_dir)
    g_print ("%u training clips (%.2f h), %u validation clips; %d frames of "
        "%d bands per example; %" G_GSIZE_FORMAT " parameters\n",
        train.clips->n_clips, train.clips->total_seconds / 3600,
        val.clips->n_clips, o->frames, train.frames.sp.n_bands, ae.n_params);
  else
    g_print ("%u training frames from %u files, %u validation frames from "
        "%u files; %" G_GSIZE_FORMAT " parameters\n", train.images.n_images,
        train.images.n_files_used, val.images.n_images,
        val.images.n_files_used, ae.n_params);

  if (!ae_dense_ae_work_init (&w, &c, o->batch, error)
      || !ae_dense_ae_work_init (&wv, &c, nv, error))
    goto out;
  if (!ae_optimizer_init (&opt, &o->optim, ae.n_params)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, "optimizer settings");
    goto out;
  }
  x = ae_alloc_floats ((gsize) o->batch * n_in);
  xin = ae_alloc_floats ((gsize) o->batch * n_in);
  eps = ae_alloc_floats ((gsize) o->batch * c.code);
  grads = ae_alloc_floats (ae.n_params);
  vx = ae_alloc_floats ((gsize) nv * n_in);
  vin = ae_alloc_floats ((gsize) nv * n_in);
  veps = ae_alloc_floats ((gsize) nv * c.code);

  /* Everything random is a stream of its own, derived from the seed. */
  ae_rng_init (&rng, ae_rng_derive (o->seed, 1));
  source_draw (&val, o, nv, FALSE, &rng, vx);
  if (denoise)
    ae_dense_ae_corrupt (o->corruption, o->corruption_level, &rng, vin, vx,
        (gsize) nv * n_in);
  else
    memcpy (vin, vx, sizeof (float) * nv * n_in);
  ae_dense_ae_draw_normal (&rng, veps, (gsize) nv * c.code);
  ae_rng_init (&rng, ae_rng_derive (o->seed, 0));
  ae_dense_ae_init_weights (&ae, &rng);
  ae_optimizer_start_average (&opt, ae.params);
  if (opt.ema)
    g_printerr ("ae-train: validating and saving the weights' moving "
        "average (decay %g)\n", o->optim.ema_decay);
  if (o->resume && !ae_checkpoint_resume (o->resume, "reconstruct",
          ae.params, &opt, &state, error))
    goto out;
  start_step = state.step;
  if (!ae_checkpoint_open_log (o->log_path, o->resume != NULL,
          "step,train_loss,val_loss,val_recon,val_penalty,lr,kl_weight", &log,
          error))
    goto out;
  /* Each weight is one multiply-add per example (biases are noise). */
  ae_progress_init (&progress, start_step, o->steps, o->batch,
      6.0 * (double) ae.n_params * o->batch);

  for (step = start_step; step <= o->steps; step++) {
    float lr = ae_schedule_lr (o->schedule, o->lr, step, o->steps, o->warmup);

    loss.kl_weight = o->loss.kl_weight;
    if (vae && o->kl_warmup > 0 && step < o->kl_warmup)
      loss.kl_weight *= (float) step / (float) o->kl_warmup;

    /* A resumed run starts where its last validation was. */
    if ((step % o->val_every == 0 || step == o->steps)
        && !(o->resume && step == start_step)) {
      AeDenseAeLoss full = o->loss;
      AeDenseAeLossParts parts;
      double train_loss = train_count ? train_sum / train_count : NAN;

      /* The layers point into ae.params: the average is swapped in to be
       * validated and saved, and out again before the checkpoint. */
      if (opt.ema)
        swap_floats (ae.params, opt.ema, ae.n_params);
      ae_dense_ae_forward (&ae, &wv, vin, vae ? veps : NULL, nv);
      ae_dense_ae_loss (&ae, &wv, &full, vx, nv, &parts);
      if (!isfinite (parts.total)) {
        g_set_error (error, AE_ERROR, AE_ERROR_VALUE,
            "validation loss is %g at step %" G_GUINT64_FORMAT
            "; %s keeps the last good model", parts.total, step, o->output);
        goto out;
      }
      ae_progress_break (&progress);
      g_print ("step %6" G_GUINT64_FORMAT "  train %.5f  val %.5f "
          "(recon %.5f)%s\n", step, train_loss, parts.total, parts.recon,
          parts.total < state.best_val ? "  *" : "");
      if (log) {
        fprintf (log, "%" G_GUINT64_FORMAT ",%.6f,%.6f,%.6f,%.6f,%.3e,%.4f\n",
            step, train_loss, parts.total, parts.recon, parts.penalty, lr,
            vae ? loss.kl_weight : 0.0f);
        fflush (log);
      }
      if (parts.total < state.best_val) {
        state.best_val = parts.total;
        state.bad_vals = 0;
        if (!write_model (&ae, o, step, state.best_val, error))
          goto out;
      } else {
        state.bad_vals++;
      }
      if (opt.ema)
        swap_floats (ae.params, opt.ema, ae.n_params);
      train_sum = 0.0;
      train_count = 0;
      state.step = step;
      if (o->checkpoint && !ae_checkpoint_save (o->checkpoint, "reconstruct",
              ae.params, &opt, &state, error))
        goto out;
    }
    if (step == o->steps)
      break;
    if (o->patience > 0 && state.bad_vals >= o->patience) {
      g_printerr ("ae-train: no better validation loss in %d checks; "
          "stopping early\n", state.bad_vals);
      break;
    }
    if (g_atomic_int_get (&ae_train_interrupted)) {
      state.step = step;
      if (o->checkpoint && !ae_checkpoint_save (o->checkpoint, "reconstruct",
              ae.params, &opt, &state, error))
        goto out;
      ae_progress_break (&progress);
      g_printerr ("ae-train: interrupted at step %" G_GUINT64_FORMAT
          "; checkpoint %s\n", step, o->checkpoint ? o->checkpoint :
          "(none)");
      ok = TRUE;
      goto out;
    }

    /* Each step's randomness is its own stream, so a resumed run draws
     * what the uninterrupted one would have. */
    ae_rng_init (&rng, ae_rng_derive (ae_rng_derive (o->seed, 2), step));
    source_draw (&train, o, o->batch, TRUE, &rng, x);
    if (denoise)
      ae_dense_ae_corrupt (o->corruption, o->corruption_level, &rng, xin, x,
          (gsize) o->batch * n_in);
    else
      memcpy (xin, x, sizeof (float) * o->batch * n_in);
    if (vae)
      ae_dense_ae_draw_normal (&rng, eps, (gsize) o->batch * c.code);
    ae_dense_ae_forward (&ae, &w, xin, vae ? eps : NULL, o->batch);
    {
      double l = ae_dense_ae_loss (&ae, &w, &loss, x, o->batch, NULL);
      if (!isfinite (l)) {
        g_set_error (error, AE_ERROR, AE_ERROR_VALUE,
            "training loss is %g at step %" G_GUINT64_FORMAT
            "; %s keeps the last good model (try a lower --lr)", l, step,
            o->output);
        goto out;
      }
      train_sum += l;
      train_count++;
    }
    memset (grads, 0, sizeof (float) * ae.n_params);
    ae_dense_ae_backward (&ae, &w, &loss, grads, NULL, xin, vae ? eps : NULL,
        x, o->batch);
    ae_clip_grad_norm (grads, ae.n_params, o->clip);
    ae_optimizer_step (&opt, ae.params, grads, lr);
    ae_progress_step (&progress, step + 1, train_sum / train_count, lr);
  }
  ae_progress_break (&progress);
  g_print ("best validation loss %.5f, written to %s; %.2f GFLOP/s\n",
      state.best_val, o->output, ae_progress_gflops (&progress, step));
  ok = TRUE;

out:
  if (log)
    fclose (log);
  ae_free (x);
  ae_free (xin);
  ae_free (eps);
  ae_free (grads);
  ae_free (vx);
  ae_free (vin);
  ae_free (veps);
  ae_optimizer_clear (&opt);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_work_clear (&wv);
  ae_dense_ae_clear (&ae);
  source_clear (&train);
  source_clear (&val);
  g_ptr_array_free (train_paths, TRUE);
  g_ptr_array_free (val_paths, TRUE);
  g_strfreev (files);
  return ok;
}

/* --- Command line --- */


/* "128" or "256,64" into config->hidden; "" or "0" for none. */
static gboolean
parse_hidden (const char *s, AeDenseAeConfig * c, GError ** error)
{
  char **parts = g_strsplit (s, ",", -1);
  guint n = g_strv_length (parts), i;
  gboolean ok = TRUE;

  c->n_hidden = 0;
  if (n == 1 && (!strcmp (parts[0], "0") || !parts[0][0]))
    n = 0;
  if (n > AE_DENSE_AE_MAX_HIDDEN)
    ok = FALSE;
  for (i = 0; ok && i < n; i++) {
    guint64 v;
    ok = g_ascii_string_to_unsigned (parts[i], 10, 1, AE_DENSE_AE_MAX_WIDTH,
        &v, NULL);
    c->hidden[i] = (int) v;
  }
  g_strfreev (parts);
  if (!ok) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--hidden %s: expected up to %d widths like 128 or 256,64", s,
        AE_DENSE_AE_MAX_HIDDEN);
    return FALSE;
  }
  c->n_hidden = (int) n;
  return TRUE;
}

static gboolean
parse_act (const char *option, const char *s, AeAct * act, GError ** error)
{
  if (!strcmp (s, "linear"))
    s = "none";
  if (!ae_act_from_string (s, act) || *act == AE_ACT_PRELU) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "%s %s is unknown (relu, leaky_relu, tanh, sigmoid, softplus, "
        "linear)", option, s);
    return FALSE;
  }
  return TRUE;
}

#define NOT_SET -1.0

/* --option given for a kind that has no use for it. */
static gboolean
refuse_for_kind (double value, const char *option, AeDenseAeKind kind,
    AeDenseAeKind wants, GError ** error)
{
  if (value != NOT_SET && kind != wants) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "%s applies to --kind %s only, not %s", option,
        ae_dense_ae_kind_to_string (wants), ae_dense_ae_kind_to_string (kind));
    return FALSE;
  }
  return TRUE;
}

int
ae_reconstruct_cmd_fit (int argc, char **argv, GError ** error)
{
  AeReconTrainOptions o;
  char *task = NULL, *kind = NULL, *images = NULL, *loss = NULL,
      *output = NULL,
      *audio = NULL,
      *hidden = NULL, *act = NULL, *code_act = NULL, *out_act = NULL;
  int kl_warmup = -1, max_frames;
  AeCliOptim oa = { 0 };
  double noise_sigma = NOT_SET,
      mask_prob = NOT_SET, sparsity_weight = NOT_SET,
      sparsity_target = NOT_SET, contractive_weight = NOT_SET,
      kl_weight = NOT_SET;
  gboolean ok = FALSE;
  char *cmdline = g_strjoinv (" ", argv);
  GOptionContext *ctx;
  AeCliRun run = { 0 };

  ae_recon_train_options_init (&o);
  oa.steps = 0;                 /* not given */
  oa.val_every = (int) o.val_every;
  oa.warmup = (int) o.warmup;
  oa.lr = o.lr;
  oa.clip = o.clip;
  oa.momentum = 0.9;
  oa.threads = o.threads;
  oa.seed = (gint64) o.seed;
  max_frames = (int) o.max_frames_per_file;
  {
    GOptionEntry entries[] = {
      {"task", 0, 0, G_OPTION_ARG_STRING, &task, "reconstruct", "TASK"},
      {"kind", 0, 0, G_OPTION_ARG_STRING, &kind,
          "basic, denoising, sparse, contractive or variational", "KIND"},
      {"images", 0, 0, G_OPTION_ARG_FILENAME, &images,
          "folder of images or videos (searched recursively)", "DIR"},
      {"audio", 0, 0, G_OPTION_ARG_FILENAME, &audio,
          "or a folder of audio files: examples are band features", "DIR"},
      {"rate", 0, 0, G_OPTION_ARG_INT, &o.rate,
          "audio: the rate it is converted to (default 16000)", "HZ"},
      {"frames", 0, 0, G_OPTION_ARG_INT, &o.frames,
          "audio: 10 ms frames per example (default 8)", "N"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "weight file to write (best validation loss so far)", "MODEL"},
      {"loss", 0, 0, G_OPTION_ARG_STRING, &loss, "mse, bce or l1", "NAME"},
      {"patch", 0, 0, G_OPTION_ARG_INT, &o.patch, "patch side, pixels", "N"},
      {"code", 0, 0, G_OPTION_ARG_INT, &o.config.code, "code width", "N"},
      {"hidden", 0, 0, G_OPTION_ARG_STRING, &hidden,
          "hidden widths, encoder order (e.g. 128 or 256,64; 0: none)", "N"},
      {"activation", 0, 0, G_OPTION_ARG_STRING, &act,
          "hidden activation (default relu; sigmoid for contractive)", "ACT"},
      {"code-act", 0, 0, G_OPTION_ARG_STRING, &code_act,
          "code activation (default linear; sigmoid for KL sparsity)", "ACT"},
      {"output-act", 0, 0, G_OPTION_ARG_STRING, &out_act,
          "sigmoid (default) or linear", "ACT"},
      {"noise-sigma", 0, 0, G_OPTION_ARG_DOUBLE, &noise_sigma,
          "denoising: Gaussian corruption (default 0.2)", "X"},
      {"mask-prob", 0, 0, G_OPTION_ARG_DOUBLE, &mask_prob,
          "denoising: zero each pixel with this probability instead", "X"},
      {"sparsity-weight", 0, 0, G_OPTION_ARG_DOUBLE, &sparsity_weight,
          "sparse: penalty weight (default 1e-3 L1, 0.1 KL)", "X"},
      {"sparsity-target", 0, 0, G_OPTION_ARG_DOUBLE, &sparsity_target,
          "sparse: KL sparsity with this mean activation (default: L1)",
          "RHO"},
      {"contractive-weight", 0, 0, G_OPTION_ARG_DOUBLE, &contractive_weight,
          "contractive: weight of the squared Frobenius norm of the first "
          "encoder layer's Jacobian, computed exactly (the whole encoder's "
          "when it has one layer; a first-layer surrogate otherwise); "
          "default 0.1", "X"},
      {"kl-weight", 0, 0, G_OPTION_ARG_DOUBLE, &kl_weight,
          "variational: KL weight (default 1)", "X"},
      {"kl-warmup", 0, 0, G_OPTION_ARG_INT, &kl_warmup,
          "variational: steps of linear KL warm-up (default 0)", "N"},
      {"batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "patches per step", "N"},
      {"val-patches", 0, 0, G_OPTION_ARG_INT, &o.val_patches,
          "validation patches", "N"},
      {NULL}
    };
    ctx = g_option_context_new ("- train an image-patch autoencoder");
    g_option_context_add_main_entries (ctx, entries, NULL);
    ae_cli_image_add_entries (ctx, &o.val_fraction, &o.frame_interval_s,
        &max_frames);
    if (!ae_cli_parse_training (ctx, &argc, &argv, &oa, &run, (int) o.steps,
            error))
      goto out;
  }

#define REFUSE(...) do { \
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, __VA_ARGS__); \
    goto out; } while (0)

  if (g_strcmp0 (task, "reconstruct") != 0)
    REFUSE ("--task %s is not reconstruct", task ? task : "(none)");
  if (kind && !ae_dense_ae_kind_from_string (kind, &o.config.kind))
    REFUSE ("--kind %s is unknown (basic, denoising, sparse, contractive, "
        "variational)", kind);
  if (!(images || audio) || !output)
    REFUSE ("reconstruct needs --images DIR or --audio DIR, and -o MODEL");
  if (images && audio)
    REFUSE ("--images and --audio: give one");
  if (audio && o.rate != 8000 && o.rate != 16000 && o.rate != 48000)
    REFUSE ("--rate %d: audio reconstruct runs at 8000, 16000 or 48000 Hz",
        o.rate);
  if (audio && (o.frames < 1 || o.frames > 100))
    REFUSE ("--frames %d: 1 .. 100", o.frames);
  if (loss && !ae_recon_loss_from_string (loss, &o.loss.recon))
    REFUSE ("--loss %s is unknown for reconstruct (mse, bce, l1)", loss);
  if (o.patch < 2 || o.patch > 256)
    REFUSE ("--patch %d: 2 .. 256 pixels", o.patch);
  if (o.config.code < 1 || o.config.code > AE_DENSE_AE_MAX_WIDTH)
    REFUSE ("--code %d must be positive", o.config.code);
  if (hidden && !parse_hidden (hidden, &o.config, error))
    goto out;
  if (o.batch < 1 || oa.steps < 1 || oa.val_every < 1 || o.val_patches < 1
      || oa.lr <= 0.0 || oa.threads < 1)
    REFUSE ("--batch, --steps, --val-every, --val-patches, --threads and "
        "--lr must be positive");
  if (!ae_cli_image_check (o.val_fraction, o.frame_interval_s, max_frames,
          error))
    goto out;

  /* Options that belong to one kind. */
  if (!refuse_for_kind (noise_sigma, "--noise-sigma", o.config.kind,
          AE_DENSE_AE_DENOISING, error)
      || !refuse_for_kind (mask_prob, "--mask-prob", o.config.kind,
          AE_DENSE_AE_DENOISING, error)
      || !refuse_for_kind (sparsity_weight, "--sparsity-weight",
          o.config.kind, AE_DENSE_AE_SPARSE, error)
      || !refuse_for_kind (sparsity_target, "--sparsity-target",
          o.config.kind, AE_DENSE_AE_SPARSE, error)
      || !refuse_for_kind (contractive_weight, "--contractive-weight",
          o.config.kind, AE_DENSE_AE_CONTRACTIVE, error)
      || !refuse_for_kind (kl_weight, "--kl-weight", o.config.kind,
          AE_DENSE_AE_VARIATIONAL, error)
      || !refuse_for_kind (kl_warmup >= 0 ? kl_warmup : NOT_SET,
          "--kl-warmup", o.config.kind, AE_DENSE_AE_VARIATIONAL, error))
    goto out;
  if (noise_sigma != NOT_SET && mask_prob != NOT_SET)
    REFUSE ("--noise-sigma and --mask-prob are two corruptions; pick one");
  if (noise_sigma != NOT_SET) {
    if (!(noise_sigma > 0.0))
      REFUSE ("--noise-sigma %g must be positive", noise_sigma);
    o.corruption_level = (float) noise_sigma;
  }
  if (mask_prob != NOT_SET) {
    if (!(mask_prob > 0.0 && mask_prob < 1.0))
      REFUSE ("--mask-prob %g is not in (0, 1)", mask_prob);
    o.corruption = AE_CORRUPT_MASK;
    o.corruption_level = (float) mask_prob;
  }
  if (sparsity_target != NOT_SET) {
    o.loss.sparsity = AE_SPARSITY_KL;
    o.loss.sparsity_rho = (float) sparsity_target;
    o.config.code_act = AE_ACT_SIGMOID;
  }
  o.loss.sparsity_weight = sparsity_weight != NOT_SET ?
      (float) sparsity_weight : o.loss.sparsity == AE_SPARSITY_KL ?
      0.1f : 1e-3f;
  o.loss.contractive_weight = contractive_weight != NOT_SET ?
      (float) contractive_weight : 0.1f;
  o.loss.kl_weight = kl_weight != NOT_SET ? (float) kl_weight : 1.0f;
  o.kl_warmup = kl_warmup > 0 ? (guint64) kl_warmup : 0;
  if (o.config.kind == AE_DENSE_AE_CONTRACTIVE)
    o.config.hidden_act = AE_ACT_SIGMOID;

  if (act && !parse_act ("--activation", act, &o.config.hidden_act, error))
    goto out;
  if (code_act) {
    AeAct a;
    if (!parse_act ("--code-act", code_act, &a, error))
      goto out;
    if (o.config.kind == AE_DENSE_AE_VARIATIONAL && a != AE_ACT_NONE)
      REFUSE ("--code-act %s: a variational code is linear", code_act);
    if (o.loss.sparsity == AE_SPARSITY_KL && a != AE_ACT_SIGMOID)
      REFUSE ("--code-act %s: --sparsity-target needs a sigmoid code",
          code_act);
    o.config.code_act = a;
  }
  if (out_act) {
    if (!strcmp (out_act, "sigmoid"))
      o.config.out_act = AE_ACT_SIGMOID;
    else if (!strcmp (out_act, "linear") || !strcmp (out_act, "none"))
      o.config.out_act = AE_ACT_NONE;
    else
      REFUSE ("--output-act %s is unknown (sigmoid, linear)", out_act);
  }
  if (o.loss.recon == AE_RECON_BCE && o.config.out_act != AE_ACT_SIGMOID)
    REFUSE ("--loss bce needs a sigmoid output; --output-act %s "
        "contradicts it", out_act);
#undef REFUSE
  if (!ae_cli_optim_resolve (&oa, &o.optim, &o.schedule, error))
    goto out;
  o.config.n_in = o.patch * o.patch;
  /* The model's own checks (contractive with a ReLU first layer, ...). */
  if (!ae_dense_ae_config_check (&o.config, error)
      || !ae_dense_ae_loss_check (&o.config, &o.loss, error)) {
    if (error && *error)
      (*error)->code = AE_ERROR_ARGUMENT;
    goto out;
  }

  o.max_frames_per_file = (guint) max_frames;
  o.images_dir = images;
  o.audio_dir = audio;
  o.output = output;
  o.log_path = run.log;
  o.checkpoint = run.checkpoint;
  o.resume = run.resume;
  o.patience = run.patience;
  o.command_line = cmdline;
  o.steps = oa.steps;
  o.epochs = oa.epochs;
  o.val_every = oa.val_every;
  o.warmup = oa.warmup;
  o.lr = (float) oa.lr;
  o.clip = (float) oa.clip;
  o.threads = oa.threads;
  o.seed = (guint64) oa.seed;
  ok = ae_train_reconstruct (&o, error);

out:
  g_option_context_free (ctx);
  g_free (task);
  g_free (kind);
  g_free (images);
  g_free (audio);
  g_free (loss);
  g_free (output);
  ae_cli_run_clear (&run);
  ae_cli_optim_clear (&oa);
  g_free (hidden);
  g_free (act);
  g_free (code_act);
  g_free (out_act);
  g_free (cmdline);
  return ok ? 0 : 1;
}

/* Loads an image model: dense-ae-v1 with modality "image" and ae.patch
 * matching its input width. */
static gboolean
load_image_model (const char *path, AeDenseAe * ae, int *patch,
    GError ** error)
{
  AeSafetensors *st = ae_safetensors_new_from_file (path, error);
  const char *modality, *p;
  guint64 v = 0;

  if (!st || !ae_dense_ae_init_from_safetensors (ae, st, error)) {
    if (st)
      ae_safetensors_free (st);
    return FALSE;
  }
  modality = ae_safetensors_get_metadata (st, "ae.modality");
  p = ae_safetensors_get_metadata (st, "ae.patch");
  if (g_strcmp0 (modality, "image") != 0 || !p
      || !g_ascii_string_to_unsigned (p, 10, 1, 256, &v, NULL)
      || (int) (v * v) != ae->config.n_in) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: not an image model (ae.modality \"%s\", ae.patch \"%s\", "
        "input width %d)", path, modality ? modality : "", p ? p : "",
        ae->config.n_in);
    ae_dense_ae_clear (ae);
    ae_safetensors_free (st);
    return FALSE;
  }
  *patch = (int) v;
  ae_safetensors_free (st);
  return TRUE;
}

static gboolean
write_pgm (const char *path, const float *x, int side, GError ** error)
{
  GString *s = g_string_new (NULL);
  GError *local = NULL;
  int i;
  gboolean ok;

  g_string_append_printf (s, "P5\n%d %d\n255\n", side, side);
  for (i = 0; i < side * side; i++) {
    float v = CLAMP (x[i], 0.0f, 1.0f);
    g_string_append_c (s, (char) (guint8) lrintf (v * 255.0f));
  }
  ok = g_file_set_contents (path, s->str, s->len, &local);
  if (!ok) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s", local->message);
    g_error_free (local);
  }
  g_string_free (s, TRUE);
  return ok;
}

static gboolean sample_audio (const char *model_path, int n, guint64 seed,
    const char *out_dir, GError ** error);

/* What sample needs of any model: a variational one, the output folder,
 * and decoding workspace for one draw at a time. */
static gboolean
sample_prepare (const char *model_path, const AeDenseAe * ae,
    const char *out_dir, AeDenseAeWork * w, GError ** error)
{
  if (ae->config.kind != AE_DENSE_AE_VARIATIONAL) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "%s is a %s autoencoder; sample decodes draws from a variational "
        "one's prior", model_path,
        ae_dense_ae_kind_to_string (ae->config.kind));
    return FALSE;
  }
  if (g_mkdir_with_parents (out_dir, 0755) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "cannot create %s: %s",
        out_dir, g_strerror (errno));
    return FALSE;
  }
  return ae_dense_ae_work_init (w, &ae->config, 1, error);
}

/* The "ae.modality" of a weight file, newly allocated, or NULL. */
static char *
model_modality (const char *path, GError ** error)
{
  AeSafetensors *st = ae_safetensors_new_from_file (path, error);
  char *modality;

  if (!st)
    return NULL;
  modality = g_strdup (ae_safetensors_get_metadata (st, "ae.modality"));
  ae_safetensors_free (st);
  if (!modality)
    modality = g_strdup ("");
  return modality;
}

int
ae_reconstruct_cmd_sample (int argc, char **argv, GError ** error)
{
  char *model_path = NULL, *out_dir = NULL;
  int n = 16, patch = 0, i, ret = 1;
  gint64 seed = 1;
  AeDenseAe ae = { 0 };
  AeDenseAeWork w = { 0 };
  AeRng rng;
  float *z = NULL;
  char *modality = NULL;
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path,
        "variational model (images or audio)", "MODEL"},
    {"count", 'n', 0, G_OPTION_ARG_INT, &n, "examples to draw", "N"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
        "folder for sample-NNNN.pgm (images) or sample-NNNN.wav and "
        "samples.npy (audio)", "DIR"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "random seed", "N"},
    {NULL}
  };
  GOptionContext *ctx =
      g_option_context_new ("- decode draws from a VAE's prior");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!ae_cli_parse (ctx, &argc, &argv, error))
    goto out;
  if (!model_path || !out_dir) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "sample needs --model MODEL and -o DIR");
    goto out;
  }
  if (n < 1 || n > 1000000) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "-n %d: 1 .. 1000000 examples", n);
    goto out;
  }
  if (!(modality = model_modality (model_path, error)))
    goto out;
  if (!strcmp (modality, "audio")) {
    ret = sample_audio (model_path, n, (guint64) seed, out_dir, error) ?
        0 : 1;
    goto out;
  }
  if (!load_image_model (model_path, &ae, &patch, error))
    goto out;
  if (!sample_prepare (model_path, &ae, out_dir, &w, error))
    goto out;
  z = ae_alloc_floats (ae.config.code);
  ae_rng_init (&rng, (guint64) seed);
  for (i = 0; i < n; i++) {
    char name[32], *path;
    gboolean ok;

    ae_dense_ae_draw_normal (&rng, z, ae.config.code);
    ae_dense_ae_decode (&ae, &w, z, 1);
    g_snprintf (name, sizeof (name), "sample-%04d.pgm", i);
    path = g_build_filename (out_dir, name, NULL);
    ok = write_pgm (path, w.out, patch, error);
    g_free (path);
    if (!ok)
      goto out;
  }
  g_print ("%d samples of %dx%d written to %s\n", n, patch, patch, out_dir);
  ret = 0;

out:
  g_free (modality);
  g_option_context_free (ctx);
  ae_free (z);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_clear (&ae);
  g_free (model_path);
  g_free (out_dir);
  return ret;
}

/* A .npy v1.0 file: magic, version, u16 header length, the header dict
 * padded with spaces to a 64-byte boundary and ended by '\n', then the
 * little-endian float32 data in C order. */
static gboolean
write_npy (const char *path, const float *data, guint rows, int cols,
    GError ** error)
{
  GString *s = g_string_new (NULL);
  GError *local = NULL;
  char dict[128];
  gsize hlen;
  gboolean ok;

  g_snprintf (dict, sizeof (dict), "{'descr': '<f4', 'fortran_order': "
      "False, 'shape': (%u, %d), }", rows, cols);
  hlen = strlen (dict) + 1;
  hlen += (64 - (10 + hlen) % 64) % 64;
  g_string_append_len (s, "\x93NUMPY\x01\x00", 8);
  g_string_append_c (s, (char) (hlen & 0xff));
  g_string_append_c (s, (char) (hlen >> 8));
  g_string_append (s, dict);
  while (s->len < 10 + hlen - 1)
    g_string_append_c (s, ' ');
  g_string_append_c (s, '\n');
  g_string_append_len (s, (const char *) data,
      (gssize) (sizeof (float) * rows * cols));
  ok = g_file_set_contents (path, s->str, s->len, &local);
  if (!ok) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s", local->message);
    g_error_free (local);
  }
  g_string_free (s, TRUE);
  return ok;
}

/* An audio reconstruct model: the dense AE and its feature settings,
 * whose frames of bands must be the AE's inputs. */
static gboolean
load_audio_model (const char *path, AeDenseAe * ae, guint * rate,
    int *frames, GError ** error)
{
  AeSafetensors *st = ae_safetensors_new_from_file (path, error);
  const char *modality, *r, *f;
  guint64 vr = 0, vf = 0;
  gboolean ok;

  if (!st || !ae_dense_ae_init_from_safetensors (ae, st, error)) {
    if (st)
      ae_safetensors_free (st);
    return FALSE;
  }
  modality = ae_safetensors_get_metadata (st, "ae.modality");
  r = ae_safetensors_get_metadata (st, "ae.sample_rate");
  f = ae_safetensors_get_metadata (st, "ae.frames");
  ok = g_strcmp0 (modality, "audio") == 0 && r && f
      && g_ascii_string_to_unsigned (r, 10, 8000, 48000, &vr, NULL)
      && g_ascii_string_to_unsigned (f, 10, 1, 100, &vf, NULL);
  if (!ok) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: not an audio model (ae.modality \"%s\", ae.sample_rate "
        "\"%s\", ae.frames \"%s\")", path, modality ? modality : "",
        r ? r : "", f ? f : "");
  } else {
    int bands = ae_spectrum_count_bands ((int) vr, 2 * ((int) vr / 100),
        AE_AUDIO_FRAMES_BANDS_PER_ERB);

    ok = bands * (int) vf == ae->config.n_in;
    if (!ok)
      g_set_error (error, AE_ERROR, AE_ERROR_ARCH, "%s: %d inputs, but %d "
          "frames of %d bands make %d", path, ae->config.n_in, (int) vf,
          bands, bands * (int) vf);
  }
  if (!ok)
    ae_dense_ae_clear (ae);
  *rate = (guint) vr;
  *frames = (int) vf;
  ae_safetensors_free (st);
  return ok;
}

/* encode --audio: every clip under @dir in order, each cut into
 * non-overlapping examples of the model's frames, to @output. */
static gboolean
encode_audio (const char *model_path, const char *dir, const char *output,
    GError ** error)
{
  AeDenseAe ae = { 0 };
  AeDenseAeWork w = { 0 };
  AeClipSet *clips = NULL;
  AeAudioFrames af = { 0 };
  AeLoadOptions lo;
  float *x = NULL, *codes = NULL;
  guint rate, c, t, n = 0, row = 0;
  int frames;
  gboolean ok = FALSE;

  if (!load_audio_model (model_path, &ae, &rate, &frames, error))
    return FALSE;
  ae_load_options_init (&lo);
  lo.rate = rate;
  lo.part = AE_SPLIT_ALL;
  if (!(clips = ae_clip_set_load (dir, &lo, NULL, error))
      || !ae_audio_frames_init (&af, clips, frames, error))
    goto out;
  for (c = 0; c < clips->n_clips; c++)
    n += ae_audio_frames_n_tiles (&af, c);
  if (!ae_dense_ae_work_init (&w, &ae.config, 1, error))
    goto out;
  x = ae_alloc_floats (ae.config.n_in);
  codes = ae_alloc_floats ((gsize) n * ae.config.code);
  for (c = 0; c < clips->n_clips; c++)
    for (t = 0; t < ae_audio_frames_n_tiles (&af, c); t++) {
      ae_audio_frames_tile (&af, c, t, x);
      ae_dense_ae_forward (&ae, &w, x, NULL, 1);
      memcpy (codes + (gsize) row++ * ae.config.code, w.code,
          sizeof (float) * ae.config.code);
    }
  if (!write_npy (output, codes, n, ae.config.code, error))
    goto out;
  g_print ("%u examples of %d frames from %u clips encoded to %s (%u, %d)\n",
      n, frames, clips->n_clips, output, n, ae.config.code);
  ok = TRUE;
out:
  ae_free (x);
  ae_free (codes);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_clear (&ae);
  if (clips) {
    ae_audio_frames_clear (&af);
    ae_clip_set_free (clips);
  }
  return ok;
}

int
ae_reconstruct_cmd_encode (int argc, char **argv, GError ** error)
{
  char *model_path = NULL, *images = NULL, *audio = NULL, *output = NULL;
  char **files = NULL;
  int patch = 0, ret = 1;
  AeDenseAe ae = { 0 };
  AeDenseAeWork w = { 0 };
  AeImageSet set = { 0 };
  AeImageLoadOptions lo;
  float *x = NULL, *codes = NULL;
  guint n_tiles = 0, i, t, row = 0;
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "image model",
        "MODEL"},
    {"images", 0, 0, G_OPTION_ARG_FILENAME, &images,
        "folder of images or videos", "DIR"},
    {"audio", 0, 0, G_OPTION_ARG_FILENAME, &audio,
        "or a folder of audio files (with an audio model)", "DIR"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "codes, float32 (n_patches, code)", "CODES.npy"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- encode image patches "
      "(non-overlapping tiles, file by file) to a .npy array");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!ae_cli_parse (ctx, &argc, &argv, error))
    goto out;
  if (!model_path || !(images || audio) || (images && audio) || !output) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "encode needs --model MODEL, one of --images DIR or --audio DIR, "
        "and -o CODES.npy");
    goto out;
  }
  if (audio) {
    ret = encode_audio (model_path, audio, output, error) ? 0 : 1;
    goto out;
  }
  if (!load_image_model (model_path, &ae, &patch, error))
    goto out;
  ae_image_load_options_init (&lo);
  lo.min_side = patch;
  if (!(files = ae_image_list_files (images, error))
      || !ae_image_set_load (&set, (const char *const *) files, &lo, error))
    goto out;
  ae_image_report_skipped (&set);
  for (i = 0; i < set.n_images; i++)
    n_tiles += ae_image_n_tiles (&set.images[i], patch);
  if (!ae_dense_ae_work_init (&w, &ae.config, 1, error))
    goto out;
  x = ae_alloc_floats ((gsize) patch * patch);
  codes = ae_alloc_floats ((gsize) n_tiles * ae.config.code);
  if (!x || !codes) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA, "%u patches: no memory",
        n_tiles);
    goto out;
  }
  /* One tile at a time: the variational kind encodes to its mean. */
  for (i = 0; i < set.n_images; i++)
    for (t = 0; t < ae_image_n_tiles (&set.images[i], patch); t++) {
      ae_image_tile (&set.images[i], patch, t, x);
      ae_dense_ae_forward (&ae, &w, x, NULL, 1);
      memcpy (codes + (gsize) row++ * ae.config.code, w.code,
          sizeof (float) * ae.config.code);
    }
  if (!write_npy (output, codes, n_tiles, ae.config.code, error))
    goto out;
  g_print ("%u patches of %dx%d from %u frames encoded to %s (%u, %d)\n",
      n_tiles, patch, patch, set.n_images, output, n_tiles, ae.config.code);
  ret = 0;

out:
  g_option_context_free (ctx);
  ae_free (x);
  ae_free (codes);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_clear (&ae);
  ae_image_set_clear (&set);
  g_strfreev (files);
  g_free (model_path);
  g_free (images);
  g_free (audio);
  g_free (output);
  return ret;
}

/* sample for an audio model: each draw from the prior, decoded, as
 * features (one row of samples.npy) and as sound (sample-NNNN.wav, through
 * ae_audio_frames_render). */
static gboolean
sample_audio (const char *model_path, int n, guint64 seed,
    const char *out_dir, GError ** error)
{
  AeDenseAe ae = { 0 };
  AeDenseAeWork w = { 0 };
  AeSpectrum sp = { 0 };
  AeRng rng;
  float *z = NULL, *rows = NULL, *sound = NULL;
  char *path = NULL;
  guint rate;
  int frames, i;
  gsize n_samples;
  gboolean ok = FALSE;

  if (!load_audio_model (model_path, &ae, &rate, &frames, error))
    return FALSE;
  if (!ae_spectrum_init (&sp, (int) rate, (int) rate / 100,
          AE_AUDIO_FRAMES_BANDS_PER_ERB, error))
    goto out;
  if (!sample_prepare (model_path, &ae, out_dir, &w, error))
    goto out;
  n_samples = (gsize) (frames + 1) * sp.hop;
  z = ae_alloc_floats (ae.config.code);
  rows = ae_alloc_floats ((gsize) n * ae.config.n_in);
  sound = ae_alloc_floats (n_samples);
  ae_rng_init (&rng, seed);
  for (i = 0; i < n; i++) {
    float *row = rows + (gsize) i * ae.config.n_in;
    char name[32];

    ae_dense_ae_draw_normal (&rng, z, ae.config.code);
    ae_dense_ae_decode (&ae, &w, z, 1);
    memcpy (row, w.out, sizeof (float) * ae.config.n_in);
    ae_audio_frames_render (&sp, row, frames, &rng, sound);
    g_snprintf (name, sizeof (name), "sample-%04d.wav", i);
    g_free (path);
    path = g_build_filename (out_dir, name, NULL);
    if (!ae_wav_write_mono (path, sound, n_samples, rate, error))
      goto out;
  }
  g_free (path);
  path = g_build_filename (out_dir, "samples.npy", NULL);
  if (!write_npy (path, rows, (guint) n, ae.config.n_in, error))
    goto out;
  g_print ("%d samples of %d frames (%d bands) written to %s: "
      "sample-NNNN.wav, samples.npy\n", n, frames, sp.n_bands, out_dir);
  ok = TRUE;

out:
  g_free (path);
  ae_free (z);
  ae_free (rows);
  ae_free (sound);
  if (sp.fft)
    ae_spectrum_clear (&sp);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_clear (&ae);
  return ok;
}
