/* eval-video.c: `ae-train eval --model VIDEO.safetensors --images DIR`.
 *
 * Every frame of every image or video under DIR, in grey, cropped to a
 * multiple of 2 r, gets Gaussian noise of --sigma (seeded per frame,
 * clipped and rounded to 8 bits, as the benchmarks add it); the model
 * denoises the whole frame with the level map set to that sigma, and the
 * PSNR before and after is printed per frame and on average.  --output
 * writes each denoised frame as a PGM.
 */
#include "eval-video.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "ae.h"
#include "cli.h"
#include "image-data.h"
#include "rng.h"
#include "tensor.h"
#include "threadpool.h"
#include "train-video.h"
#include "videonet.h"

static gboolean
write_pgm (const char *path, const float *x, int w, int h, GError ** error)
{
  GString *s = g_string_new (NULL);
  gboolean ok;
  int i;

  g_string_printf (s, "P5\n%d %d\n255\n", w, h);
  for (i = 0; i < w * h; i++)
    g_string_append_c (s, (char) (guint8) lrintf (CLAMP (x[i], 0.0f, 1.0f) *
            255.0f));
  ok = g_file_set_contents (path, s->str, s->len, error);
  g_string_free (s, TRUE);
  return ok;
}

static double
psnr (const float *a, const float *b, gsize n)
{
  double sum = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    double d = CLAMP (a[i], 0.0f, 1.0f) - b[i];
    sum += d * d;
  }
  return 10.0 * log10 (1.0 / MAX (sum / n, 1e-12));
}

/* Noise, denoise and score one frame; with @pgm, write the result. */
static gboolean
eval_frame (const AeVideoNet * net, const float *params, AeThreadPool * pool,
    const AeImage * img, guint64 seed, double sigma, int threads,
    const char *pgm, double *p_in, double *p_out, GError ** error)
{
  int m = 2 * net->arch.unshuffle, w = img->width / m * m,
      h = img->height / m * m, y, x;
  gsize px = (gsize) w * h, k;
  AeVideoActs *acts = ae_video_acts_new (net, 1, h, w, FALSE, threads,
      error);
  float *clean, *noisy, *level, *out;
  gboolean ok = TRUE;
  AeRng rng;

  if (!acts)
    return FALSE;
  clean = ae_alloc_floats (px);
  noisy = ae_alloc_floats (px);
  level = ae_alloc_floats (px);
  out = ae_alloc_floats (px);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      clean[(gsize) y * w + x] = img->pixels[(gsize) y * img->width + x] /
          255.0f;
  ae_rng_init (&rng, seed);
  ae_video_corrupt (clean, noisy, level, px, (float) (sigma / 255.0), 0.0f,
      &rng);
  ae_videonet_forward (net, acts, params, noisy, level, out, pool);
  for (k = 0; k < px; k++)
    out[k] = noisy[k] - out[k];       /* the model predicts the noise */
  *p_in = psnr (noisy, clean, px);
  *p_out = psnr (out, clean, px);
  if (pgm)
    ok = write_pgm (pgm, out, w, h, error);
  ae_video_acts_free (acts);
  ae_free (clean);
  ae_free (noisy);
  ae_free (level);
  ae_free (out);
  return ok;
}

int
ae_video_cmd_eval (int argc, char **argv, GError ** error)
{
  char *model_path = NULL, *images = NULL, *output = NULL;
  double sigma = 25.0;
  gint64 seed = 1;
  int threads = 1, ret = 1;
  AeVideoNet net;
  float *params = NULL;
  char **files = NULL;
  AeImageSet set = { 0 };
  AeImageLoadOptions lo;
  AeThreadPool *pool = NULL;
  double sum_in = 0.0, sum_out = 0.0;
  guint i, n = 0;
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path,
        "video weight file", "MODEL"},
    {"images", 0, 0, G_OPTION_ARG_FILENAME, &images,
        "folder of images or videos", "DIR"},
    {"sigma", 0, 0, G_OPTION_ARG_DOUBLE, &sigma,
        "Gaussian noise sigma, 8-bit units (default 25)", "S"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "noise seed", "N"},
    {"threads", 0, 0, G_OPTION_ARG_INT, &threads, "threads", "N"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "folder for the denoised frames (PGM)", "DIR"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- denoise images and score "
      "them");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!ae_cli_parse (ctx, &argc, &argv, error))
    goto out;
  if (!model_path || !images || !(sigma >= 0.0 && sigma <= 255.0)
      || threads < 1 || threads > 256) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, "eval --images needs "
        "--model MODEL, and --sigma in 0..255, --threads 1..256");
    goto out;
  }
  if (!ae_videonet_load (model_path, &net, &params, error)
      || !(files = ae_image_list_files (images, error)))
    goto out;
  ae_image_load_options_init (&lo);
  lo.min_side = 2 * net.arch.unshuffle;
  if (!ae_image_set_load (&set, (const char *const *) files, &lo, error)
      || !(pool = ae_threadpool_new (threads, error)))
    goto out;
  ae_image_report_skipped (&set);
  if (output && g_mkdir_with_parents (output, 0755) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "cannot create %s", output);
    goto out;
  }

  for (i = 0; i < set.n_images; i++) {
    const AeImage *img = &set.images[i];
    double p_in, p_out;
    char *name = output ? g_strdup_printf ("%s/%04u.pgm", output, i) : NULL;
    gboolean ok = eval_frame (&net, params, pool, img,
        ae_rng_derive ((guint64) seed, i), sigma, threads, name, &p_in,
        &p_out, error);

    g_free (name);
    if (!ok)
      goto out;
    printf ("%-40s %4dx%-4d PSNR in %6.2f dB, out %6.2f dB\n",
        files[img->file_index],
        img->width / (2 * net.arch.unshuffle) * 2 * net.arch.unshuffle,
        img->height / (2 * net.arch.unshuffle) * 2 * net.arch.unshuffle,
        p_in, p_out);
    sum_in += p_in;
    sum_out += p_out;
    n++;
  }
  printf ("mean of %u frames at sigma %g: PSNR in %.2f dB, out %.2f dB\n", n,
      sigma, sum_in / MAX (n, 1), sum_out / MAX (n, 1));
  ret = 0;

out:
  g_option_context_free (ctx);
  ae_threadpool_free (pool);
  ae_image_set_clear (&set);
  g_strfreev (files);
  ae_free (params);
  g_free (model_path);
  g_free (images);
  g_free (output);
  return ret;
}
