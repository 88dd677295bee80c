/* train-video.c: ae-train's video-denoise task (see train-video.h).
 *
 * One step: the loader thread has cut, augmented and corrupted a batch of
 * patches (each example's randomness derived from the seed and its index,
 * so any timing gives the same batch); the main thread runs the U-Net on
 * the thread pool, the loss, the backward and the optimiser.
 */
#include "train-video.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ae.h"
#include "checkpoint.h"
#include "cli.h"
#include "image-data.h"
#include "loader.h"
#include "progress.h"
#include "rng.h"
#include "tensor.h"
#include "train-speech.h"       /* ae_train_interrupted */

#define N_VAL_SIGMAS 3
static const float val_sigmas[N_VAL_SIGMAS] = { 15.0f, 25.0f, 50.0f };

void
ae_video_train_options_init (AeVideoTrainOptions * o)
{
  memset (o, 0, sizeof (*o));
  o->val_fraction = 0.1;
  o->val_patches = 16;
  o->frame_interval_s = 1.0;
  o->max_frames_per_file = 20;
  o->arch.unshuffle = 2;
  o->arch.width = 32;
  o->arch.code = 64;
  o->arch.n_blocks = 2;
  /* 128: conv2d's GEMMs run per image, and at 1/4 or 1/8 of a smaller
   * patch they are too small to keep sgemm busy (bench/train) */
  o->patch = 128;
  o->sigma_min = 0.0f;
  o->sigma_max = 55.0f;
  o->camera_share = 0.3f;
  o->batch = 8;
  o->steps = 20000;
  o->optim.kind = AE_OPTIM_ADAM;
  o->optim.beta1 = 0.9f;
  o->optim.beta2 = 0.999f;
  o->optim.eps = 1e-8f;
  o->lr = 1e-3f;
  o->schedule = AE_SCHEDULE_COSINE;
  o->warmup = 200;
  o->clip = 1.0f;
  o->seed = 1;
  o->threads = (int) MIN (g_get_num_processors (), 64);
  o->val_every = 500;
}

/* --- noise --- */

static float
quantise (float v)
{
  return rintf (CLAMP (v, 0.0f, 1.0f) * 255.0f) / 255.0f;
}

void
ae_video_corrupt (const float *clean, float *noisy, float *level, gsize n,
    float sigma, float shot_share, AeRng * rng)
{
  /* Variance a x + b^2, equal to sigma^2 at mid-grey. */
  float a = 2.0f * shot_share * sigma * sigma;
  float b2 = (1.0f - shot_share) * sigma * sigma;
  gsize i;
  double z[2];

  for (i = 0; i < n; i++) {
    float sd = sqrtf (a * clean[i] + b2);
    if (i % 2 == 0)
      ae_rng_normal_pair (rng, &z[0], &z[1]);
    noisy[i] = quantise (clean[i] + sd * (float) z[i % 2]);
    level[i] = sqrtf (a * noisy[i] + b2);
  }
}

/* In-place transpose of a square patch: with the flips, all 8 symmetries. */
static void
transpose (float *p, int side)
{
  int y, x;

  for (y = 0; y < side; y++)
    for (x = y + 1; x < side; x++) {
      float t = p[y * side + x];
      p[y * side + x] = p[x * side + y];
      p[x * side + y] = t;
    }
}

/* --- batches --- */

typedef struct
{
  float *clean, *noisy, *level; /* (N, 1, P, P) each */
} Batch;

static Batch
batch_view (float *base, int n, int patch)
{
  gsize size = (gsize) n * patch * patch;
  Batch b = { base, base + size, base + 2 * size };

  return b;
}

typedef struct
{
  const AeVideoTrainOptions *o;
  const AeImageSet *images;
} Producer;

static void
produce_batch (gpointer slot, gsize slot_bytes, guint64 index,
    gpointer user_data)
{
  const Producer *p = user_data;
  const AeVideoTrainOptions *o = p->o;
  int pp = o->patch * o->patch, s;
  Batch b = batch_view (slot, o->batch, o->patch);

  for (s = 0; s < o->batch; s++) {
    AeRng rng;
    const AeImage *img;
    float sigma, shot = 0.0f;

    ae_rng_init (&rng, ae_rng_derive (o->seed, index * o->batch + s));
    img = &p->images->images[ae_rng_below (&rng, p->images->n_images)];
    ae_image_random_patch (img, o->patch, TRUE, &rng, b.clean + s * pp);
    if (ae_rng_next (&rng) & 1)
      transpose (b.clean + s * pp, o->patch);
    sigma = (float) ae_rng_range (&rng, o->sigma_min, o->sigma_max) / 255.0f;
    if (ae_rng_uniform (&rng) < o->camera_share)
      shot = (float) ae_rng_uniform (&rng);
    ae_video_corrupt (b.clean + s * pp, b.noisy + s * pp, b.level + s * pp, pp,
        sigma, shot, &rng);
  }
}

/* --- loss --- */

/* Loss of denoised = noisy - noise against clean; with @dnoise, its
 * gradient with respect to noise.  Returns the MSE too (for PSNR). */
static double
denoise_loss (const float *noise, const Batch * b, gsize n, gboolean l1,
    float *dnoise, double *mse)
{
  double sum = 0.0, sq = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    float e = b->noisy[i] - noise[i] - b->clean[i];
    sq += (double) e *e;
    sum += l1 ? fabsf (e) : e * e;
    if (dnoise)
      dnoise[i] = -(l1 ? (e > 0.0f) - (e < 0.0f) : 2.0f * e) / (float) n;
  }
  *mse = sq / n;
  return sum / n;
}

static double
psnr (double mse)
{
  return 10.0 * log10 (1.0 / MAX (mse, 1e-12));
}

/* --- validation --- */

typedef struct
{
  int n;                        /* patches per sigma */
  float *data;                  /* N_VAL_SIGMAS batches */
  float *noise;
  double input_psnr[N_VAL_SIGMAS];
  AeVideoActs *acts;
} ValSet;

static gboolean
val_set_init (ValSet * v, const AeVideoTrainOptions * o,
    const AeVideoNet * net, const AeImageSet * images, GError ** error)
{
  int pp = o->patch * o->patch, k, s;
  AeRng rng;

  memset (v, 0, sizeof (*v));
  v->n = o->val_patches;
  v->data = ae_alloc_floats ((gsize) N_VAL_SIGMAS * 3 * v->n * pp);
  v->noise = ae_alloc_floats ((gsize) v->n * pp);
  ae_rng_init (&rng, ae_rng_derive (o->seed ^ 0x7a1dull, 0));
  for (k = 0; k < N_VAL_SIGMAS; k++) {
    Batch b = batch_view (v->data + (gsize) k * 3 * v->n * pp, v->n,
        o->patch);
    double mse;
    for (s = 0; s < v->n; s++) {
      const AeImage *img = &images->images[ae_rng_below (&rng,
              images->n_images)];
      ae_image_random_patch (img, o->patch, FALSE, &rng, b.clean + s * pp);
      ae_video_corrupt (b.clean + s * pp, b.noisy + s * pp, b.level + s * pp, pp,
          val_sigmas[k] / 255.0f, 0.0f, &rng);
    }
    memset (v->noise, 0, sizeof (float) * v->n * pp);
    denoise_loss (v->noise, &b, (gsize) v->n * pp, FALSE, NULL, &mse);
    v->input_psnr[k] = psnr (mse);
  }
  v->acts = ae_video_acts_new (net, v->n, o->patch, o->patch, FALSE,
      o->threads, error);
  return v->acts != NULL;
}

static void
val_set_clear (ValSet * v)
{
  ae_free (v->data);
  ae_free (v->noise);
  ae_video_acts_free (v->acts);
}

/* Mean MSE over the sigmas; PSNR of each into @out_psnr. */
static double
validate (ValSet * v, const AeVideoTrainOptions * o, const AeVideoNet * net,
    const float *params, AeThreadPool * pool, double *out_psnr)
{
  int pp = o->patch * o->patch, k;
  double total = 0.0;

  for (k = 0; k < N_VAL_SIGMAS; k++) {
    Batch b = batch_view (v->data + (gsize) k * 3 * v->n * pp, v->n,
        o->patch);
    double mse;
    ae_videonet_forward (net, v->acts, params, b.noisy, b.level, v->noise,
        pool);
    denoise_loss (v->noise, &b, (gsize) v->n * pp, FALSE, NULL, &mse);
    out_psnr[k] = psnr (mse);
    total += mse;
  }
  return total / N_VAL_SIGMAS;
}

/* --- the loop --- */

static gboolean
load_images (AeImageSet * set, GPtrArray * paths,
    const AeVideoTrainOptions * o, const char *what, GError ** error)
{
  AeImageLoadOptions lo;

  ae_image_load_options_init (&lo);
  lo.frame_interval_s = o->frame_interval_s;
  lo.max_frames_per_file = o->max_frames_per_file;
  lo.min_side = o->patch;
  return ae_image_set_load_part (set, paths, &lo, o->images_dir, what,
      error);
}

static gboolean
save_model (const AeVideoTrainOptions * o, const AeVideoNet * net,
    const float *params, const AeImageSet * train, guint64 step,
    const double *val_psnr, GError ** error)
{
  char *data = g_strdup_printf ("%s: %u frames from %u files",
      o->images_dir, train->n_images, train->n_files_used);
  char *s_step = g_strdup_printf ("%" G_GUINT64_FORMAT, step);
  char *s_psnr = g_strdup_printf ("sigma 15: %.2f dB, 25: %.2f dB, 50: "
      "%.2f dB", val_psnr[0], val_psnr[1], val_psnr[2]);
  char *s_macs = g_strdup_printf ("%.0f", ae_videonet_macs_per_pixel (net));
  const char *meta[] = {
    "ae.task", "video-denoise",
    "ae.training.command", o->command_line ? o->command_line : "",
    "ae.training.data", data,
    "ae.training.step", s_step,
    "ae.training.val_psnr", s_psnr,
    "ae.macs_per_pixel", s_macs,
    NULL
  };
  gboolean ok = ae_videonet_save (net, params, o->output, meta, error);

  g_free (data);
  g_free (s_step);
  g_free (s_psnr);
  g_free (s_macs);
  return ok;
}

gboolean
ae_train_video (const AeVideoTrainOptions * options, GError ** error)
{
  AeVideoTrainOptions opts = *options;
  const AeVideoTrainOptions *o = &opts;
  AeVideoNet net;
  AeImageSet train = { 0 }, val_images = { 0 };
  GPtrArray *train_paths = g_ptr_array_new (), *val_paths =
      g_ptr_array_new ();
  char **files = NULL;
  AeThreadPool *pool = NULL;
  AeVideoActs *acts = NULL;
  AeOptimizer opt = { 0 };
  AeLoader *loader = NULL;
  AeProgress progress;
  AeCheckpointState state = { 0, G_MAXDOUBLE, 0 };
  ValSet val = { 0 };
  Producer prod = { o, &train };
  float *params = NULL, *grads = NULL, *noise = NULL, *dnoise = NULL;
  FILE *log = NULL;
  gsize pixels = (gsize) o->batch * o->patch * o->patch;
  double loss_ema = 0.0, flops_per_step;
  guint64 start_step;
  gboolean ok = FALSE;

  if (!ae_videonet_init (&net, &o->arch, error))
    return FALSE;
  /* conv2d splits the work over our pool; BLAS threads would compete. */
  openblas_set_num_threads (1);
  if (!(files = ae_image_list_files (o->images_dir, error))
      || !ae_image_split_files (files, o->val_fraction, o->seed, train_paths,
          val_paths, o->images_dir, error)
      || !load_images (&train, train_paths, o, "training", error)
      || !load_images (&val_images, val_paths, o, "validation", error))
    goto out;
  if (o->epochs > 0.0) {
    opts.steps = ae_cli_epochs_to_steps (o->epochs, train.n_images,
        o->batch);
    g_printerr ("ae-train: %g epochs = %" G_GUINT64_FORMAT " steps\n",
        o->epochs, o->steps);
  }
  g_printerr ("ae-train: %u training frames from %u files, %u validation "
      "frames from %u files; %" G_GSIZE_FORMAT " parameters, %.0f "
      "multiply-adds per pixel\n", train.n_images, train.n_files_used,
      val_images.n_images, val_images.n_files_used, net.n_params,
      ae_videonet_macs_per_pixel (&net));

  if (!(pool = ae_threadpool_new (o->threads, error))
      || !(acts = ae_video_acts_new (&net, o->batch, o->patch, o->patch,
              TRUE, o->threads, error))
      || !val_set_init (&val, o, &net, &val_images, error))
    goto out;
  params = ae_alloc_floats (net.n_params);
  grads = ae_alloc_floats (net.n_params);
  noise = ae_alloc_floats (pixels);
  dnoise = ae_alloc_floats (pixels);
  ae_videonet_init_params (&net, params, o->seed);
  if (!ae_optimizer_init (&opt, &o->optim, net.n_params)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, "optimizer settings");
    goto out;
  }
  ae_optimizer_start_average (&opt, params);
  if (opt.ema)
    g_printerr ("ae-train: validating and saving the weights' moving "
        "average (decay %g)\n", o->optim.ema_decay);
  if (o->resume && !ae_checkpoint_resume (o->resume, "video-denoise",
          params, &opt, &state, error))
    goto out;
  start_step = state.step;
  if (!ae_checkpoint_open_log (o->log_path, o->resume != NULL,
          "step,train_loss,val_loss,val_psnr_15,val_psnr_25,val_psnr_50,lr,"
          "grad_norm,seconds", &log, error))
    goto out;
  g_printerr ("ae-train: validation input PSNR %.2f / %.2f / %.2f dB at "
      "sigma 15 / 25 / 50\n", val.input_psnr[0], val.input_psnr[1],
      val.input_psnr[2]);

  loader = ae_loader_new (3, sizeof (float) * 3 * pixels, produce_batch,
      &prod, state.step);
  /* forward 2, backward 4 FLOPs per multiply-add and pixel */
  flops_per_step = 6.0 * ae_videonet_macs_per_pixel (&net) * pixels;
  ae_progress_init (&progress, start_step, o->steps, o->batch,
      flops_per_step);

  while (state.step < o->steps && !g_atomic_int_get (&ae_train_interrupted)) {
    float *slot = ae_loader_acquire (loader);
    Batch b = batch_view (slot, o->batch, o->patch);
    float lr = ae_schedule_lr (o->schedule, o->lr, state.step, o->steps,
        o->warmup);
    double loss, mse;
    float norm;

    ae_videonet_forward (&net, acts, params, b.noisy, b.level, noise, pool);
    loss = denoise_loss (noise, &b, pixels, o->l1, dnoise, &mse);
    ae_loader_release (loader, slot);
    if (!isfinite (loss)) {
      g_set_error (error, AE_ERROR, AE_ERROR_VALUE,
          "loss became %f at step %" G_GUINT64_FORMAT "; the last good "
          "model is in %s", loss, state.step, o->output);
      goto out;
    }
    memset (grads, 0, sizeof (float) * net.n_params);
    ae_videonet_backward (&net, acts, params, dnoise, grads, pool);
    norm = ae_clip_grad_norm (grads, net.n_params, o->clip);
    ae_optimizer_step (&opt, params, grads, lr);
    state.step++;
    loss_ema = state.step - start_step == 1 ? loss :
        0.98 * loss_ema + 0.02 * loss;
    ae_progress_step (&progress, state.step, loss_ema, lr);

    if (state.step % o->val_every == 0 || state.step == o->steps) {
      double psnrs[N_VAL_SIGMAS];
      const float *kept = ae_optimizer_eval_params (&opt, params);
      double val_loss = validate (&val, o, &net, kept, pool, psnrs);
      gboolean best = val_loss < state.best_val;

      ae_progress_break (&progress);
      g_printerr ("val step %" G_GUINT64_FORMAT ": loss %.6f, PSNR %.2f / "
          "%.2f / %.2f dB%s\n", state.step, val_loss, psnrs[0], psnrs[1],
          psnrs[2], best ? " (best)" : "");
      if (log) {
        fprintf (log, "%" G_GUINT64_FORMAT ",%.6f,%.6f,%.3f,%.3f,%.3f,%.3e,"
            "%.4f,%.0f\n", state.step, loss_ema, val_loss, psnrs[0],
            psnrs[1], psnrs[2], lr, norm, ae_progress_seconds (&progress));
        fflush (log);
      }
      if (!isfinite (val_loss)) {
        g_set_error (error, AE_ERROR, AE_ERROR_VALUE, "validation loss is "
            "%g; the last good model is in %s", val_loss, o->output);
        goto out;
      }
      if (best) {
        state.best_val = val_loss;
        state.bad_vals = 0;
        if (!save_model (o, &net, kept, &train, state.step, psnrs, error))
          goto out;
      } else {
        state.bad_vals++;
      }
      if (o->checkpoint && !ae_checkpoint_save (o->checkpoint,
              "video-denoise", params, &opt, &state, error))
        goto out;
      if (o->patience > 0 && state.bad_vals >= o->patience) {
        g_printerr ("ae-train: no better validation loss in %d checks; "
            "stopping early\n", state.bad_vals);
        break;
      }
    }
  }
  if (g_atomic_int_get (&ae_train_interrupted)) {
    if (o->checkpoint && !ae_checkpoint_save (o->checkpoint, "video-denoise",
            params, &opt, &state, error))
      goto out;
    g_printerr ("\nae-train: interrupted at step %" G_GUINT64_FORMAT
        "; checkpoint %s\n", state.step, o->checkpoint ? o->checkpoint :
        "(none)");
  } else {
    g_printerr ("ae-train: %" G_GUINT64_FORMAT " steps in %.0f s, %.2f "
        "GFLOP/s in the network; best validation loss %.6f\n",
        state.step - start_step, ae_progress_seconds (&progress),
        ae_progress_gflops (&progress, state.step), state.best_val);
  }
  ok = TRUE;

out:
  if (log)
    fclose (log);
  if (loader)
    ae_loader_free (loader);
  val_set_clear (&val);
  ae_video_acts_free (acts);
  ae_threadpool_free (pool);
  ae_optimizer_clear (&opt);
  ae_free (params);
  ae_free (grads);
  ae_free (noise);
  ae_free (dnoise);
  ae_image_set_clear (&train);
  ae_image_set_clear (&val_images);
  g_ptr_array_free (train_paths, TRUE);
  g_ptr_array_free (val_paths, TRUE);
  g_strfreev (files);
  return ok;
}
