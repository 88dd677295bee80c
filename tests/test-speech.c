/* test-speech.c: the speech network, its model file and AeStream.
 *
 *   - the whole network's gradients against central finite differences;
 *   - streaming: any split of the input gives the same bits;
 *   - unit gains reconstruct the input exactly, delayed by the latency;
 *   - mix = 0 and bypass give the delayed dry signal bit for bit;
 *   - a noise floor turned on mid-stream acts as if on from the start;
 *   - parity: the one-frame streaming path and the batched training path
 *     (different conv1d code paths) agree on the output;
 *   - growing a network deeper keeps its function while the new blocks
 *     are zero, and refuses any other change of architecture;
 *   - save and load give the same model, and the loader names what is
 *     wrong with a file whose tensors do not fit its architecture.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ae.h"
#include "gainsmooth.h"
#include "model.h"
#include "safetensors.h"
#include "spectrum.h"
#include "speechnet.h"
#include "tensor.h"

static void
random_fill (float *x, gsize n, float scale)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = (float) g_test_rand_double_range (-scale, scale);
}

static AeSpeechConfig
small_config (guint rate)
{
  AeSpeechConfig c = { 0 };

  c.sample_rate = rate;
  c.hop = rate / 100;
  c.bands_per_erb = 1.0f;
  c.arch.width = 12;
  c.arch.code = 8;
  c.arch.n_blocks = 2;
  c.arch.kernel = 3;
  g_assert_true (ae_speech_config_complete (&c, NULL));
  return c;
}

static AeModel *
random_model (guint rate, float scale)
{
  AeSpeechConfig c = small_config (rate);
  AeSpeechNet net;
  float *params;
  AeModel *model;
  GError *error = NULL;

  g_assert_true (ae_speechnet_init (&net, &c.arch, NULL));
  params = ae_alloc_floats (net.n_params);
  random_fill (params, net.n_params, scale);
  model = ae_model_new_speech (&c, params, NULL, &error);
  g_assert_no_error (error);
  ae_free (params);
  return model;
}

/* loss = sum (out * r) over the frame rows of the output buffer. */
static double
weighted_output (const AeSpeechNet * net, AeSpeechActs * acts,
    const float *r)
{
  int cols = net->arch.n_bands + 1, s, k;
  double sum = 0.0;

  for (s = 0; s < acts->n; s++) {
    const float *out = ae_speech_acts_row (acts, net, net->out_buf, s);
    for (k = 0; k < acts->t * cols; k++)
      sum += (double) out[k] * r[(gsize) s * acts->t * cols + k];
  }
  return sum;
}

static void
test_network_gradients (void)
{
  AeSpeechArch arch = { 6, 10, 7, 2, 3 };
  AeSpeechNet net;
  AeSpeechActs acts;
  int n = 2, t = 9, cols, s, i;
  float *params, *dparams, *r, *features;
  gsize n_feat;
  double max_err = 0.0;
  float *dir;

  g_assert_true (ae_speechnet_init (&net, &arch, NULL));
  /* Finite differences need a smooth function: ReLU kinks anywhere
   * downstream spoil whole directions.  This test is about the wiring
   * (skips, residuals, slices), so it swaps ReLU for tanh, whose derivative
   * the backward also takes from the output; test-layers checks ReLU's
   * own backward. */
  for (i = 0; i < net.n_layers; i++)
    if (net.layers[i].act == AE_ACT_RELU)
      net.layers[i].act = AE_ACT_TANH;
  cols = arch.n_bands + 1;
  g_assert_true (ae_speech_acts_alloc (&acts, &net, n, t, TRUE));
  params = ae_alloc_floats (net.n_params);
  dparams = ae_alloc_floats (net.n_params);
  r = ae_alloc_floats ((gsize) n * t * cols);
  n_feat = (gsize) n * t * arch.n_bands;
  features = ae_alloc_floats (n_feat);
  random_fill (params, net.n_params, 0.3f);
  random_fill (r, (gsize) n * t * cols, 1.0f);
  random_fill (features, n_feat, 1.0f);

#define LOAD_FEATURES() \
  for (s = 0; s < n; s++) \
    memcpy (ae_speech_acts_row (&acts, &net, net.in_buf, s), \
        features + (gsize) s * t * arch.n_bands, \
        sizeof (float) * t * arch.n_bands)

  LOAD_FEATURES ();
  ae_speechnet_forward (&net, &acts, params);
  ae_speech_acts_zero_grad (&acts, &net);
  for (s = 0; s < n; s++) {
    float *g = acts.grad[net.out_buf] + (gsize) s *
        (net.buffers[net.out_buf].pad + t) * cols +
        (gsize) net.buffers[net.out_buf].pad * cols;
    memcpy (g, r + (gsize) s * t * cols, sizeof (float) * t * cols);
  }
  ae_speechnet_backward (&net, &acts, params, dparams);

  /* Directional derivatives, one random direction per tensor: the central
   * difference of the loss along v against <grad, v>.  Summing over a
   * whole tensor keeps float rounding and the odd ReLU kink crossed by the
   * step far below the O(1) error that wrong wiring (skips, residuals,
   * slices) would give.  Each layer alone is checked element by element
   * in double by test-layers. */
  dir = ae_alloc_floats (net.n_params);
  for (i = 0; i < 2 * net.n_layers; i++) {
    const AeSpeechLayer *l = &net.layers[i / 2];
    gsize off = i % 2 ? l->bias_offset : l->weight_offset;
    gsize len = i % 2 ? (gsize) l->c_out :
        (gsize) l->kernel * l->c_in * l->c_out, k;
    double analytic = 0.0, g_norm = 0.0, r_norm = 0.0, best = G_MAXDOUBLE;
    double eps;

    /* Half along the analytic gradient (no cancellation in <grad, v>),
     * half random (so every component is checked, not only the norm). */
    for (k = 0; k < len; k++) {
      dir[k] = (float) g_test_rand_double_range (-1.0, 1.0);
      g_norm += (double) dparams[off + k] * dparams[off + k];
      r_norm += (double) dir[k] * dir[k];
    }
    g_norm = sqrt (MAX (g_norm, 1e-30));
    r_norm = sqrt (r_norm);
    for (k = 0; k < len; k++) {
      dir[k] = (float) (dparams[off + k] / g_norm + dir[k] / r_norm);
      analytic += (double) dparams[off + k] * dir[k];
    }
    /* Large steps cross ReLU kinks, small ones drown in float rounding:
     * the best of three steps is what the forward pass can resolve. */
    for (eps = 1e-2; eps > 5e-4; eps /= 4) {
      double plus, minus;
      for (k = 0; k < len; k++)
        params[off + k] += (float) eps *dir[k];
      LOAD_FEATURES ();
      ae_speechnet_forward (&net, &acts, params);
      plus = weighted_output (&net, &acts, r);
      for (k = 0; k < len; k++)
        params[off + k] -= (float) (2 * eps) * dir[k];
      LOAD_FEATURES ();
      ae_speechnet_forward (&net, &acts, params);
      minus = weighted_output (&net, &acts, r);
      for (k = 0; k < len; k++)
        params[off + k] += (float) eps *dir[k];
      best = MIN (best, fabs ((plus - minus) / (2 * eps) - analytic));
    }
    g_test_message ("%s.%s: analytic %.5f, closest difference off by %.2e",
        l->name, i % 2 ? "bias" : "weight", analytic, best);
    max_err = MAX (max_err, best / (fabs (analytic) + 1e-2));
  }
  g_test_message ("largest relative gradient error %.2e", max_err);
  g_assert_cmpfloat (max_err, <, 5e-3);
  ae_free (dir);
#undef LOAD_FEATURES
  ae_speech_acts_free (&acts);
  ae_free (params);
  ae_free (dparams);
  ae_free (r);
  ae_free (features);
}

/* Output rows of a forward pass over @features, (n, t, F + 1). */
static float *
forward_outputs (const AeSpeechNet * net, const float *params,
    const float *features, int n, int t)
{
  int cols = net->arch.n_bands + 1, s;
  AeSpeechActs acts;
  float *out = ae_alloc_floats ((gsize) n * t * cols);

  g_assert_true (ae_speech_acts_alloc (&acts, net, n, t, FALSE));
  for (s = 0; s < n; s++)
    memcpy (ae_speech_acts_row (&acts, net, net->in_buf, s),
        features + (gsize) s * t * net->arch.n_bands,
        sizeof (float) * t * net->arch.n_bands);
  ae_speechnet_forward (net, &acts, params);
  for (s = 0; s < n; s++)
    memcpy (out + (gsize) s * t * cols,
        ae_speech_acts_row (&acts, net, net->out_buf, s),
        sizeof (float) * t * cols);
  ae_speech_acts_free (&acts);
  return out;
}

static void
test_grow_blocks (void)
{
  AeSpeechArch small = { 6, 10, 7, 2, 3 }, deep = small, wide = small;
  AeSpeechNet src, dst, other;
  int n = 2, t = 40, i;
  gsize n_out = (gsize) n * t * (small.n_bands + 1);
  float *src_params, *dst_params, *features, *want, *got;
  GError *error = NULL;

  deep.n_blocks = 4;
  g_assert_true (ae_speechnet_init (&src, &small, NULL));
  g_assert_true (ae_speechnet_init (&dst, &deep, NULL));
  src_params = ae_alloc_floats (src.n_params);
  dst_params = ae_alloc_floats (dst.n_params);
  features = ae_alloc_floats ((gsize) n * t * small.n_bands);
  random_fill (src_params, src.n_params, 0.3f);
  random_fill (features, (gsize) n * t * small.n_bands, 1.0f);
  ae_speechnet_init_params (&dst, dst_params, 5);
  g_assert_true (ae_speechnet_copy_layers (&dst, dst_params, &src,
          src_params, &error));
  g_assert_no_error (error);

  /* With the new blocks' weights at zero each adds exactly nothing, so the
   * grown network is the small one, bit for bit. */
  for (i = 0; i < dst.n_layers; i++) {
    const AeSpeechLayer *l = &dst.layers[i];
    if (strcmp (l->name, "block2") == 0 || strcmp (l->name, "block3") == 0)
      memset (dst_params + l->weight_offset, 0,
          sizeof (float) * l->kernel * l->c_in * l->c_out);
  }
  want = forward_outputs (&src, src_params, features, n, t);
  got = forward_outputs (&dst, dst_params, features, n, t);
  g_assert_cmpmem (want, n_out * sizeof (float), got, n_out * sizeof (float));

  /* Shrinking, or any change but the block count, is refused. */
  g_assert_false (ae_speechnet_copy_layers (&src, src_params, &dst,
          dst_params, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARCH);
  g_clear_error (&error);
  wide.width = 12;
  wide.n_blocks = 4;
  g_assert_true (ae_speechnet_init (&other, &wide, NULL));
  g_assert_false (ae_speechnet_copy_layers (&other, dst_params, &src,
          src_params, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARCH);
  g_assert_nonnull (strstr (error->message, "width 10"));
  g_clear_error (&error);

  ae_free (src_params);
  ae_free (dst_params);
  ae_free (features);
  ae_free (want);
  ae_free (got);
}

static float *
noise_signal (gsize n)
{
  float *x = ae_alloc_floats (n);
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = 0.3f * sinf (0.01f * i) + (float) g_test_rand_double_range (-0.2,
        0.2);
  return x;
}

static void
test_stream_split_identity (void)
{
  guint rates[] = { 16000, 48000 }, r;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    AeModel *model = random_model (rates[r], 0.3f);
    AeStream *whole = ae_stream_new (model, NULL);
    AeStream *pieces = ae_stream_new (model, NULL);
    gsize n = rates[r] / 2, done = 0;
    float *x = noise_signal (n), *a = ae_alloc_floats (n),
        *b = ae_alloc_floats (n);

    g_assert_cmpint (ae_stream_process (whole, a, x, n), ==, AE_STATUS_OK);
    while (done < n) {
      gsize piece = g_test_rand_int_range (1, 4097);
      gsize m = MIN (n - done, piece);
      /* In place half of the time: out == in must work. */
      if (g_test_rand_bit ()) {
        memcpy (b + done, x + done, m * sizeof (float));
        g_assert_cmpint (ae_stream_process (pieces, b + done, b + done, m),
            ==, AE_STATUS_OK);
      } else {
        g_assert_cmpint (ae_stream_process (pieces, b + done, x + done, m),
            ==, AE_STATUS_OK);
      }
      done += m;
    }
    g_assert_cmpmem (a, n * sizeof (float), b, n * sizeof (float));
    ae_stream_free (whole);
    ae_stream_free (pieces);
    ae_model_unref (model);
    ae_free (x);
    ae_free (a);
    ae_free (b);
  }
}

/* A model whose output layer says "gain 1" everywhere. */
static AeModel *
unit_gain_model (guint rate)
{
  AeSpeechConfig c = small_config (rate);
  AeSpeechNet net;
  const AeSpeechLayer *out;
  float *params;
  AeModel *model;
  int k;

  g_assert_true (ae_speechnet_init (&net, &c.arch, NULL));
  params = ae_alloc_floats (net.n_params);
  random_fill (params, net.n_params, 0.3f);
  out = &net.layers[net.n_layers - 1];
  memset (params + out->weight_offset, 0,
      sizeof (float) * out->c_in * out->c_out);
  for (k = 0; k < out->c_out; k++)
    params[out->bias_offset + k] = 40.0f;       /* sigmoid (40) == 1.0f */
  model = ae_model_new_speech (&c, params, NULL, NULL);
  ae_free (params);
  return model;
}

static void
test_stream_reconstruction_and_latency (void)
{
  AeModel *model = unit_gain_model (16000);
  AeStream *s = ae_stream_new (model, NULL);
  guint latency = ae_model_get_latency_samples (model);
  gsize n = 8000, i;
  float *x = noise_signal (n), *y = ae_alloc_floats (n);
  double err = 0.0;

  g_assert_cmpuint (latency, ==, 320);  /* 20 ms at 16 kHz */
  ae_stream_process (s, y, x, n);
  for (i = 0; i < latency; i++)
    g_assert_cmpfloat (fabsf (y[i]), <, 1e-6f);
  for (i = latency; i < n; i++)
    err = MAX (err, fabs (y[i] - x[i - latency]));
  g_test_message ("max reconstruction error %.2e", err);
  g_assert_cmpfloat (err, <, 1e-5);
  ae_stream_free (s);
  ae_model_unref (model);
  ae_free (x);
  ae_free (y);
}

static void
test_stream_dry_paths (void)
{
  AeModel *model = random_model (16000, 0.3f);
  AeStream *s = ae_stream_new (model, NULL);
  guint latency = ae_model_get_latency_samples (model);
  gsize n = 4000, i;
  float *x = noise_signal (n), *y = ae_alloc_floats (n);
  int mode;

  for (mode = 0; mode < 2; mode++) {
    ae_stream_reset (s);
    ae_stream_set_mix (s, mode == 0 ? 0.0f : 1.0f);
    ae_stream_set_bypass (s, mode == 1);
    ae_stream_process (s, y, x, n);
    for (i = latency; i < n; i++)
      g_assert_cmpfloat (y[i], ==, x[i - latency]);
  }
  ae_stream_free (s);
  ae_model_unref (model);
  ae_free (x);
  ae_free (y);
}

/* The noise floor's level estimate runs while the floor is off, so a
 * floor turned on mid-stream acts at once and as if it had been on all
 * along: from two frames after the switch the output is the same, bit for
 * bit, as a stream's with the floor on from the start (and before it, it
 * differs: the floor does something here). */
static void
test_stream_noise_floor_switch (void)
{
  AeModel *model = random_model (16000, 0.3f);
  AeStream *always = ae_stream_new (model, NULL);
  AeStream *later = ae_stream_new (model, NULL);
  guint hop = ae_model_get_hop_samples (model);
  gsize switch_at = 80 * hop, n = 160 * hop, i, differ = 0;
  float *x = noise_signal (n), *a = ae_alloc_floats (n);
  float *b = ae_alloc_floats (n);

  ae_stream_set_noise_floor (always, 0.0f);
  ae_stream_process (always, a, x, n);
  ae_stream_process (later, b, x, switch_at);
  ae_stream_set_noise_floor (later, 0.0f);
  ae_stream_process (later, b + switch_at, x + switch_at, n - switch_at);
  for (i = 0; i < switch_at; i++)
    differ += a[i] != b[i];
  g_assert_cmpuint (differ, >, hop);
  for (i = switch_at + 2 * hop; i < n; i++)
    g_assert_cmpfloat (a[i], ==, b[i]);
  ae_stream_free (always);
  ae_stream_free (later);
  ae_model_unref (model);
  ae_free (x);
  ae_free (a);
  ae_free (b);
}

/* The training path (batched, sgemm) and the streaming path (one frame,
 * direct loop) must give the same gains: reconstruct offline from the
 * batched network and compare with the stream's output. */
static void
test_stream_batch_parity (void)
{
  AeModel *model = random_model (16000, 0.3f);
  const AeSpeechNet *net = ae_model_get_speechnet (model);
  const AeSpeechConfig *c = ae_model_get_speech_config (model);
  AeSpectrum sp;
  AeSpeechActs acts;
  AeStream *s = ae_stream_new (model, NULL);
  int t_frames = 60, t, k, f;
  gsize n = (gsize) t_frames * c->hop, i;
  float *x = noise_signal (n), *y = ae_alloc_floats (n);
  float *offline = ae_alloc_floats (n + 2 * c->hop);
  float *frame, *spec, *energy, *gains;
  double err = 0.0, ref = 0.0;

  g_assert_true (ae_spectrum_init (&sp, c->sample_rate, c->hop,
          c->bands_per_erb, NULL));
  f = sp.n_bands;
  frame = ae_alloc_floats (sp.window);
  spec = ae_alloc_floats (2 * sp.n_bins);
  energy = ae_alloc_floats (f);
  gains = ae_alloc_floats (f);
  g_assert_true (ae_speech_acts_alloc (&acts, net, 1, t_frames, FALSE));
  for (t = 0; t < t_frames; t++) {
    memmove (frame, frame + c->hop, sizeof (float) * c->hop);
    memcpy (frame + c->hop, x + (gsize) t * c->hop, sizeof (float) * c->hop);
    ae_spectrum_analyze (&sp, spec, frame);
    ae_spectrum_band_energy (&sp, energy, spec);
    ae_spectrum_features (&sp, ae_speech_acts_row (&acts, net, net->in_buf,
            0) + (gsize) t * f, energy);
  }
  ae_speechnet_forward (net, &acts, ae_model_get_params (model));
  memset (frame, 0, sizeof (float) * sp.window);
  for (t = 0; t < t_frames; t++) {
    const float *out = ae_speech_acts_row (&acts, net, net->out_buf, 0) +
        (gsize) t * (f + 1);
    memmove (frame, frame + c->hop, sizeof (float) * c->hop);
    memcpy (frame + c->hop, x + (gsize) t * c->hop, sizeof (float) * c->hop);
    ae_spectrum_analyze (&sp, spec, frame);
    for (k = 0; k < f; k++)
      gains[k] = out[k];
    ae_spectrum_apply_gains (&sp, spec, gains);
    /* Frame t covers input [(t-1) hop, (t+1) hop): offline index + hop. */
    ae_spectrum_synthesize (&sp, offline + (gsize) t * c->hop, spec);
  }
  ae_stream_process (s, y, x, n);
  /* Stream output sample j is input sample j - 2 hop = offline[j - hop]. */
  for (i = 2 * c->hop; i < n; i++) {
    err = MAX (err, fabs (y[i] - offline[i - c->hop]));
    ref = MAX (ref, fabs (offline[i - c->hop]));
  }
  g_test_message ("stream vs batch: max diff %.2e of peak %.2e", err, ref);
  g_assert_cmpfloat (err, <=, 1e-5 * MAX (ref, 1e-3));

  ae_speech_acts_free (&acts);
  ae_spectrum_clear (&sp);
  ae_stream_free (s);
  ae_model_unref (model);
  ae_free (x);
  ae_free (y);
  ae_free (offline);
  ae_free (frame);
  ae_free (spec);
  ae_free (energy);
  ae_free (gains);
}

/* @model written with @meta to a temporary file and loaded back. */
static AeModel *
save_and_reload (const AeModel * model, const char *const *meta)
{
  char *dir = g_dir_make_tmp ("ae-test-XXXXXX", NULL);
  char *path = g_build_filename (dir, "m.safetensors", NULL);
  GError *error = NULL;
  AeModel *loaded;

  g_assert_true (ae_model_save (model, path, meta, &error));
  g_assert_no_error (error);
  loaded = ae_model_new_from_file (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  return loaded;
}

static void
test_model_save_load (void)
{
  AeModel *model = random_model (48000, 0.3f), *loaded;
  const char *meta[] = { "ae.task", "audio-denoise", NULL };

  loaded = save_and_reload (model, meta);
  g_assert_cmpuint (ae_model_get_n_params (loaded), ==,
      ae_model_get_n_params (model));
  g_assert_cmpmem (ae_model_get_params (loaded),
      ae_model_get_n_params (model) * sizeof (float),
      ae_model_get_params (model),
      ae_model_get_n_params (model) * sizeof (float));
  g_assert_cmpuint (ae_model_get_sample_rate (loaded), ==, 48000);
  g_assert_cmpuint (ae_model_get_latency_samples (loaded), ==, 960);
  g_assert_cmpstr (ae_model_get_metadata (loaded, "ae.task"), ==,
      "audio-denoise");
  ae_model_unref (loaded);
  ae_model_unref (model);
}

/* The noise smoothing a model is tuned with travels in its file: absent
 * when off, and read back as written (test-aedenoise checks that the
 * element's streams start with it). */
static void
test_model_noise_smoothing (void)
{
  AeSpeechConfig c = small_config (16000);
  AeModel *model = random_model (16000, 0.3f), *tuned, *loaded;
  GError *error = NULL;

  g_assert_cmpuint (ae_model_get_noise_smoothing_ms (model), ==, 0);
  g_assert_null (ae_model_get_metadata (model, AE_META_NOISE_SMOOTHING));
  c.noise_smoothing_ms = 250;
  tuned = ae_model_new_speech (&c, ae_model_get_params (model), NULL, &error);
  g_assert_no_error (error);
  loaded = save_and_reload (tuned, NULL);
  g_assert_cmpuint (ae_model_get_noise_smoothing_ms (loaded), ==, 250);
  g_assert_cmpstr (ae_model_get_metadata (loaded, AE_META_NOISE_SMOOTHING),
      ==, "250");
  ae_model_unref (loaded);
  ae_model_unref (tuned);
  ae_model_unref (model);
}

/* Sets every band of @gains to @value. */
static void
fill (float *gains, int n, float value)
{
  int b;

  for (b = 0; b < n; b++)
    gains[b] = value;
}

/* The smoother against the closed form of a first-order lag in the log
 * domain: held in noise (speech probability 0) at an SNR of 10 dB or more,
 * a step of the network's gain from 1 to g has reached
 * exp (ln g (1 - exp (-t / tau))) after t; at 5 dB SNR, and at speech
 * probability 0.9 (0.9^8 of it let through at once), the lag holds less,
 * as gainsmooth.h says.  With speech certain, at 0 dB SNR or below, with
 * the SNR unknown, or switched off, the gains pass bit for bit.  A band
 * whose energy jumps more than 10 dB over its running average (a
 * transient) takes the network's gain at once, bit for bit, while the
 * others keep lagging; a 9 dB jump does not. */
static void
test_gain_smoother (void)
{
  enum { N_BANDS = 4 };
  const float frame_ms = 10.0f, tau_ms = 100.0f, target = 0.01f;
  const float decay = expf (-frame_ms / tau_ms);
  const float passing[N_BANDS] = { 0.3f, 0.0f, 0.9f, 1.0f };
  struct
  {
    float prob, snr_db, hold;   /* hold: the lag's factor per frame */
  } lags[] = {
    {0.0f, 20.0f, decay},
    {0.0f, 10.0f, decay},
    {0.0f, 5.0f, 0.5f * decay},
    {0.9f, 30.0f, (1.0f - powf (0.9f, 8.0f)) * decay},
  }, passes[] = {
    {1.0f, 20.0f, 0.0f},
    {0.0f, 0.0f, 0.0f},
    {0.0f, -3.0f, 0.0f},
    {0.0f, AE_SNR_UNKNOWN, 0.0f},
  };
  const float steady[N_BANDS] = { 1.0f, 1.0f, 1.0f, 1.0f };
  AeGainSmoother g;
  float gains[N_BANDS], energy[N_BANDS], lagging;
  guint i;
  int t, b;

  g_assert_true (ae_gain_smoother_init (&g, N_BANDS, frame_ms));
  ae_gain_smoother_set_time (&g, tau_ms);
  for (i = 0; i < G_N_ELEMENTS (lags); i++) {
    ae_gain_smoother_reset (&g);
    for (t = 1; t <= 30; t++) {
      double expect = exp (log (target) * (1.0 - pow (lags[i].hold, t)));

      fill (gains, N_BANDS, target);
      ae_gain_smoother_apply (&g, gains, steady, lags[i].prob,
          lags[i].snr_db);
      for (b = 0; b < N_BANDS; b++)
        g_assert_cmpfloat (fabs (gains[b] - expect), <=, 1e-4 * expect);
    }
    /* the continuous-time form, for the full lag: one time constant */
    if (i == 0) {
      ae_gain_smoother_reset (&g);
      for (t = 0; t < (int) (tau_ms / frame_ms); t++) {
        fill (gains, N_BANDS, target);
        ae_gain_smoother_apply (&g, gains, steady, 0.0f, 20.0f);
      }
      g_assert_cmpfloat (fabs (logf (gains[0]) - logf (target) *
              (1.0f - expf (-1.0f))), <, 1e-4);
    }
  }
  for (i = 0; i <= G_N_ELEMENTS (passes); i++) {
    ae_gain_smoother_reset (&g);
    if (i == G_N_ELEMENTS (passes))
      ae_gain_smoother_set_time (&g, 0.0f);     /* off */
    for (t = 0; t < 5; t++) {
      memcpy (gains, passing, sizeof (gains));
      if (i == G_N_ELEMENTS (passes))
        ae_gain_smoother_apply (&g, gains, steady, 0.0f, 20.0f);
      else
        ae_gain_smoother_apply (&g, gains, steady, passes[i].prob,
            passes[i].snr_db);
      g_assert_cmpmem (gains, sizeof (gains), passing, sizeof (passing));
    }
  }

  /* transients: 20 steady frames in the full lag, then band 0 jumps by
   * 10.5 dB and band 1 by 9 dB in one frame that asks for 0.5 */
  ae_gain_smoother_set_time (&g, tau_ms);
  ae_gain_smoother_reset (&g);
  for (t = 0; t < 20; t++) {
    fill (gains, N_BANDS, target);
    ae_gain_smoother_apply (&g, gains, steady, 0.0f, 20.0f);
  }
  lagging = expf (logf (target) * (1.0f - powf (decay, 20.0f)));
  memcpy (energy, steady, sizeof (energy));
  energy[0] = powf (10.0f, 1.05f);
  energy[1] = powf (10.0f, 0.9f);
  fill (gains, N_BANDS, 0.5f);
  ae_gain_smoother_apply (&g, gains, energy, 0.0f, 20.0f);
  g_assert_cmpfloat (gains[0], ==, 0.5f);
  for (b = 1; b < N_BANDS; b++) {
    double expect = exp (logf (0.5f) + decay * (logf (lagging) -
            logf (0.5f)));
    g_assert_cmpfloat (fabs (gains[b] - expect), <=, 1e-4 * expect);
  }
  ae_gain_smoother_clear (&g);
}

/* Valid safetensors whose tensors or metadata do not fit the architecture:
 * each is refused with a message naming the culprit. */
static void
test_model_refusals (void)
{
  AeModel *model = random_model (16000, 0.3f);
  const AeSpeechNet *net = ae_model_get_speechnet (model);
  const AeSpeechLayer *enc1 = &net->layers[0];
  float *data = ae_alloc_floats (net->n_params);
  struct
  {
    const char *what;
    const char *expect;
  } cases[] = {
    {"missing", "enc1.weight"},
    {"shape", "enc1.weight"},
    {"extra", "bogus.weight"},
    {"arch", "architecture"},
    {"rate", "ae.sample_rate"},
    {"smoothing", "ae.noise_smoothing_ms"},
    {"smoothing-range", "ae.noise_smoothing_ms"},
  };
  guint c;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    AeSafetensorsWriter *w = ae_safetensors_writer_new ();
    GError *error = NULL;
    GBytes *bytes;
    AeModel *m;
    int l;
    gint64 bad[3] = { enc1->kernel, enc1->c_in + 1, enc1->c_out };

    ae_safetensors_writer_add_metadata (w, "ae.modality", "audio");
    ae_safetensors_writer_add_metadata (w, "ae.arch",
        !strcmp (cases[c].what, "arch") ? "speech-gain-v9" : AE_ARCH_SPEECH);
    ae_safetensors_writer_add_metadata (w, "ae.sample_rate",
        !strcmp (cases[c].what, "rate") ? "sixteen" : "16000");
    ae_safetensors_writer_add_metadata (w, "ae.hop_samples", "160");
    ae_safetensors_writer_add_metadata (w, "ae.window_samples", "320");
    ae_safetensors_writer_add_metadata (w, "ae.latency_samples", "320");
    ae_safetensors_writer_add_metadata (w, "ae.bands_per_erb", "1");
    ae_safetensors_writer_add_metadata (w, "ae.arch.n_bands",
        ae_model_get_metadata (model, "ae.arch.n_bands"));
    ae_safetensors_writer_add_metadata (w, "ae.arch.width", "12");
    ae_safetensors_writer_add_metadata (w, "ae.arch.code", "8");
    ae_safetensors_writer_add_metadata (w, "ae.arch.blocks", "2");
    ae_safetensors_writer_add_metadata (w, "ae.arch.kernel", "3");
    if (!strcmp (cases[c].what, "smoothing"))
      ae_safetensors_writer_add_metadata (w, "ae.noise_smoothing_ms", "soon");
    if (!strcmp (cases[c].what, "smoothing-range"))
      ae_safetensors_writer_add_metadata (w, "ae.noise_smoothing_ms",
          "10001");
    for (l = 0; l < net->n_layers; l++) {
      const AeSpeechLayer *layer = &net->layers[l];
      gint64 ws[3] = { layer->kernel, layer->c_in, layer->c_out };
      gint64 bs[1] = { layer->c_out };
      char *wn = g_strdup_printf ("%s.weight", layer->name);
      char *bn = g_strdup_printf ("%s.bias", layer->name);
      if (l == 0 && !strcmp (cases[c].what, "shape"))
        ae_safetensors_writer_add_f32 (w, wn, 3, bad, data);
      else if (!(l == 0 && !strcmp (cases[c].what, "missing")))
        ae_safetensors_writer_add_f32 (w, wn, 3, ws, data);
      ae_safetensors_writer_add_f32 (w, bn, 1, bs, data);
      g_free (wn);
      g_free (bn);
    }
    if (!strcmp (cases[c].what, "extra")) {
      gint64 one[1] = { 1 };
      ae_safetensors_writer_add_f32 (w, "bogus.weight", 1, one, data);
    }
    bytes = ae_safetensors_writer_to_bytes (w, &error);
    g_assert_no_error (error);
    m = ae_model_new_from_bytes (bytes, &error);
    g_assert_null (m);
    g_assert_nonnull (error);
    g_test_message ("%s: %s", cases[c].what, error->message);
    g_assert_nonnull (strstr (error->message, cases[c].expect));
    g_error_free (error);
    g_bytes_unref (bytes);
    ae_safetensors_writer_free (w);
  }
  ae_free (data);
  ae_model_unref (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/speech/network-gradients", test_network_gradients);
  g_test_add_func ("/speech/grow-blocks", test_grow_blocks);
  g_test_add_func ("/speech/stream-split-identity",
      test_stream_split_identity);
  g_test_add_func ("/speech/stream-reconstruction-latency",
      test_stream_reconstruction_and_latency);
  g_test_add_func ("/speech/stream-dry-paths", test_stream_dry_paths);
  g_test_add_func ("/speech/stream-noise-floor-switch",
      test_stream_noise_floor_switch);
  g_test_add_func ("/speech/stream-batch-parity", test_stream_batch_parity);
  g_test_add_func ("/speech/model-save-load", test_model_save_load);
  g_test_add_func ("/speech/model-refusals", test_model_refusals);
  g_test_add_func ("/speech/model-noise-smoothing",
      test_model_noise_smoothing);
  g_test_add_func ("/speech/gain-smoother", test_gain_smoother);
  return g_test_run ();
}
