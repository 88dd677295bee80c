/* test-videonet.c: the video U-Net (nn/videonet.h).
 *
 *   - the whole network's parameter gradient against central finite
 *     differences along random directions;
 *   - forward and backward give the same bits with 1, 2 and 3 threads;
 *   - an untrained model passes its input nearly through (noise ~ 0);
 *   - multiply-adds per pixel against a count written out by hand;
 *   - save and load give the same parameters, and the loader names what
 *     is wrong with a file whose tensors or metadata do not fit.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ae.h"
#include "safetensors.h"
#include "tensor.h"
#include "videonet.h"

static void
random_fill (float *x, gsize n, double lo, double hi)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = (float) g_test_rand_double_range (lo, hi);
}

/* loss = sum (noise * weights): dnoise = weights. */
static double
probe_loss (const AeVideoNet * net, AeVideoActs * acts, const float *params,
    const float *x, const float *level, const float *weights, float *noise,
    gsize n)
{
  double sum = 0.0;
  gsize i;

  ae_videonet_forward (net, acts, params, x, level, noise, NULL);
  for (i = 0; i < n; i++)
    sum += (double) noise[i] * weights[i];
  return sum;
}

static void
test_gradients (void)
{
  AeVideoArch arch = { 2, 5, 6, 2 };
  AeVideoNet net;
  AeVideoActs *acts;
  int n = 2, h = 8, w = 12, l, trial, matched = 0, checked = 0, missed = 0;
  gsize pixels = (gsize) n * h * w;
  float *params, *dparams, *x, *level, *weights, *noise;

  g_assert_true (ae_videonet_init (&net, &arch, NULL));
  acts = ae_video_acts_new (&net, n, h, w, TRUE, 1, NULL);
  g_assert_nonnull (acts);
  params = ae_alloc_floats (net.n_params);
  dparams = ae_alloc_floats (net.n_params);
  x = ae_alloc_floats (pixels);
  level = ae_alloc_floats (pixels);
  weights = ae_alloc_floats (pixels);
  noise = ae_alloc_floats (pixels);
  /* Weights big enough that the output layer matters, biases positive
   * enough that most ReLUs are open. */
  random_fill (params, net.n_params, -0.5, 0.5);
  random_fill (x, pixels, 0.0, 1.0);
  random_fill (level, pixels, 0.0, 0.2);
  random_fill (weights, pixels, -1.0, 1.0);

  probe_loss (&net, acts, params, x, level, weights, noise, pixels);
  memset (dparams, 0, sizeof (float) * net.n_params);
  ae_videonet_backward (&net, acts, params, weights, dparams, NULL);
  /* Parameter by parameter, a few weights and the first bias of every
   * layer.  A ReLU that flips inside [-h, h] bends the loss there and
   * spoils the central difference; the two one-sided differences then
   * disagree, and that parameter is skipped.  Most must match (about one
   * in ten meets a kink with these random weights). */
  for (l = 0; l < net.n_layers; l++)
    for (trial = 0; trial < 10; trial++) {
      const AeVideoLayer *layer = &net.layers[l];
      gsize weights_n = (gsize) layer->c_out * layer->c_in * layer->kernel *
          layer->kernel;
      gsize k = trial < 9 ? layer->weight_offset +
          g_test_rand_int_range (0, (gint) weights_n) : layer->bias_offset;
      double h_step = 1e-3, plus, minus, centre, numeric, ahead, behind;
      float saved = params[k];

      params[k] = saved + (float) h_step;
      plus = probe_loss (&net, acts, params, x, level, weights, noise,
          pixels);
      params[k] = saved - (float) h_step;
      minus = probe_loss (&net, acts, params, x, level, weights, noise,
          pixels);
      params[k] = saved;
      centre = probe_loss (&net, acts, params, x, level, weights, noise,
          pixels);
      numeric = (plus - minus) / (2 * h_step);
      ahead = (plus - centre) / h_step;
      behind = (centre - minus) / h_step;
      checked++;
      /* A kink test stricter than the match below, so a kink that slips
       * through moves the central difference by less than the tolerance. */
      if (fabs (ahead - behind) > 1e-2 * fabs (numeric) + 1e-2) {
        g_test_message ("%s[%" G_GSIZE_FORMAT "]: kink (one-sided %.5g, "
            "%.5g)", layer->name, k, ahead, behind);
        continue;
      }
      if (fabs (numeric - dparams[k]) <= 2e-2 * fabs (numeric) + 2e-2) {
        matched++;
      } else {
        /* two kinks on either side fool the test above now and then; a
         * wrong gradient misses on every parameter of its layer */
        g_test_message ("%s[%" G_GSIZE_FORMAT "]: analytic %.5g, numeric "
            "%.5g", layer->name, k, dparams[k], numeric);
        missed++;
      }
    }
  g_test_message ("%d of %d parameters matched", matched, checked);
  g_assert_cmpint (matched, >=, checked * 6 / 10);
  g_assert_cmpint (missed, <=, 4);      /* of 70; a wrong layer misses 10 */
  ae_video_acts_free (acts);
  ae_free (params);
  ae_free (dparams);
  ae_free (x);
  ae_free (level);
  ae_free (weights);
  ae_free (noise);
}

static void
test_threads_bit_identical (void)
{
  AeVideoArch arch = { 2, 16, 24, 2 };
  AeVideoNet net;
  int n = 2, h = 24, w = 40, t;
  gsize pixels = (gsize) n * h * w;
  float *params, *x, *level, *noise[3], *dparams[3];

  g_assert_true (ae_videonet_init (&net, &arch, NULL));
  params = ae_alloc_floats (net.n_params);
  x = ae_alloc_floats (pixels);
  level = ae_alloc_floats (pixels);
  ae_videonet_init_params (&net, params, 3);
  random_fill (params, net.n_params / 2, -0.2, 0.2);
  random_fill (x, pixels, 0.0, 1.0);
  random_fill (level, pixels, 0.0, 0.2);
  for (t = 0; t < 3; t++) {
    AeThreadPool *pool = ae_threadpool_new (t + 1, NULL);
    AeVideoActs *acts = ae_video_acts_new (&net, n, h, w, TRUE, t + 1, NULL);
    noise[t] = ae_alloc_floats (pixels);
    dparams[t] = ae_alloc_floats (net.n_params);
    memset (dparams[t], 0, sizeof (float) * net.n_params);
    ae_videonet_forward (&net, acts, params, x, level, noise[t], pool);
    ae_videonet_backward (&net, acts, params, x, dparams[t], pool);
    ae_video_acts_free (acts);
    ae_threadpool_free (pool);
  }
  for (t = 1; t < 3; t++) {
    g_assert_cmpmem (noise[0], pixels * 4, noise[t], pixels * 4);
    g_assert_cmpmem (dparams[0], net.n_params * 4, dparams[t],
        net.n_params * 4);
  }
  for (t = 0; t < 3; t++) {
    ae_free (noise[t]);
    ae_free (dparams[t]);
  }
  ae_free (params);
  ae_free (x);
  ae_free (level);
}

static void
test_untrained_passes_through (void)
{
  AeVideoArch arch = { 4, 16, 32, 2 };
  AeVideoNet net;
  AeVideoActs *acts;
  int h = 32, w = 48;
  gsize pixels = (gsize) h * w, i;
  float *params, *x, *level, *noise;
  double peak = 0.0;

  g_assert_true (ae_videonet_init (&net, &arch, NULL));
  acts = ae_video_acts_new (&net, 1, h, w, FALSE, 1, NULL);
  params = ae_alloc_floats (net.n_params);
  x = ae_alloc_floats (pixels);
  level = ae_alloc_floats (pixels);
  noise = ae_alloc_floats (pixels);
  ae_videonet_init_params (&net, params, 11);
  random_fill (x, pixels, 0.0, 1.0);
  random_fill (level, pixels, 0.0, 0.2);
  ae_videonet_forward (&net, acts, params, x, level, noise, NULL);
  for (i = 0; i < pixels; i++) {
    g_assert_true (isfinite (noise[i]));
    peak = MAX (peak, fabs (noise[i]));
  }
  g_assert_cmpfloat (peak, <, 0.05);
  g_assert_cmpfloat (peak, >, 0.0);
  ae_video_acts_free (acts);
  ae_free (params);
  ae_free (x);
  ae_free (level);
  ae_free (noise);
}

static void
test_macs (void)
{
  AeVideoArch arch = { 4, 24, 48, 2 };
  AeVideoNet net;
  double r2 = 16.0, lo2 = 64.0, want;

  g_assert_true (ae_videonet_init (&net, &arch, NULL));
  /* head, down, 2 blocks, up, tail, out: MACs per output pixel over the
   * output's share of the full resolution. */
  want = 9.0 * 32 * 24 / r2 + 9.0 * 24 * 48 / lo2 + 2 * 9.0 * 48 * 48 / lo2
      + 48.0 * 96 / lo2 + 9.0 * 24 * 24 / r2 + 9.0 * 24 * 16 / r2;
  g_assert_cmpfloat (fabs (ae_videonet_macs_per_pixel (&net) - want), <,
      1e-9);
  g_assert_cmpuint (net.n_params, ==, 32 * 24 * 9 + 24 + 24 * 48 * 9 + 48
      + 2 * (48 * 48 * 9 + 48) + 48 * 96 + 96 + 24 * 24 * 9 + 24 + 24 * 16 * 9
      + 16);
}

static void
test_save_load (void)
{
  AeVideoArch arch = { 2, 6, 8, 1 };
  AeVideoNet net, back;
  float *params, *loaded = NULL;
  gchar *dir = g_dir_make_tmp ("test-videonet-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "m.safetensors", NULL);
  gchar *bad = g_build_filename (dir, "bad.safetensors", NULL);
  const char *meta[] = { "ae.task", "video-denoise", NULL };
  AeSafetensorsWriter *w;
  GError *error = NULL;
  gint64 shape[4] = { 6, 8, 3, 3 };

  g_assert_true (ae_videonet_init (&net, &arch, NULL));
  params = ae_alloc_floats (net.n_params);
  ae_videonet_init_params (&net, params, 5);
  g_assert_true (ae_videonet_save (&net, params, path, meta, &error));
  g_assert_no_error (error);
  g_assert_true (ae_videonet_load (path, &back, &loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&back.arch, sizeof (arch), &arch, sizeof (arch));
  g_assert_cmpmem (loaded, net.n_params * 4, params, net.n_params * 4);
  ae_free (loaded);

  /* Wrong architecture name. */
  w = ae_safetensors_writer_new ();
  ae_safetensors_writer_add_metadata (w, "ae.arch", "speech-gain-v1");
  g_assert_true (ae_safetensors_writer_write_file (w, bad, NULL));
  ae_safetensors_writer_free (w);
  g_assert_false (ae_videonet_load (bad, &back, &loaded, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARCH);
  g_assert_nonnull (strstr (error->message, "speech-gain-v1"));
  g_clear_error (&error);

  /* Bad arch number. */
  w = ae_safetensors_writer_new ();
  ae_safetensors_writer_add_metadata (w, "ae.arch", AE_ARCH_VIDEO);
  ae_safetensors_writer_add_metadata (w, "ae.arch.unshuffle", "3");
  ae_safetensors_writer_add_metadata (w, "ae.arch.width", "6");
  ae_safetensors_writer_add_metadata (w, "ae.arch.code", "8");
  ae_safetensors_writer_add_metadata (w, "ae.arch.blocks", "1");
  g_assert_true (ae_safetensors_writer_write_file (w, bad, NULL));
  ae_safetensors_writer_free (w);
  g_assert_false (ae_videonet_load (bad, &back, &loaded, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARCH);
  g_assert_nonnull (strstr (error->message, "unshuffle 3"));
  g_clear_error (&error);

  /* Right metadata, tensors of the wrong shape. */
  w = ae_safetensors_writer_new ();
  ae_safetensors_writer_add_metadata (w, "ae.arch", AE_ARCH_VIDEO);
  ae_safetensors_writer_add_metadata (w, "ae.arch.unshuffle", "2");
  ae_safetensors_writer_add_metadata (w, "ae.arch.width", "6");
  ae_safetensors_writer_add_metadata (w, "ae.arch.code", "8");
  ae_safetensors_writer_add_metadata (w, "ae.arch.blocks", "0");
  ae_safetensors_writer_add_f32 (w, "head.weight", 4, shape, params);
  g_assert_true (ae_safetensors_writer_write_file (w, bad, NULL));
  ae_safetensors_writer_free (w);
  g_assert_false (ae_videonet_load (bad, &back, &loaded, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_SHAPE);
  g_clear_error (&error);

  ae_free (params);
  g_unlink (path);
  g_unlink (bad);
  g_rmdir (dir);
  g_free (path);
  g_free (bad);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/videonet/gradients", test_gradients);
  g_test_add_func ("/videonet/threads-bit-identical",
      test_threads_bit_identical);
  g_test_add_func ("/videonet/untrained-passes-through",
      test_untrained_passes_through);
  g_test_add_func ("/videonet/macs", test_macs);
  g_test_add_func ("/videonet/save-load", test_save_load);
  return g_test_run ();
}
