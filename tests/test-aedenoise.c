/* test-aedenoise.c: the aedenoise element, through GstHarness (live) and
 * gst-check pads (not live), with the element loaded from the build tree.
 *
 * Speech is espeak-ng resampled by sox, noise is sox pink noise; without
 * those tools a synthetic voiced signal and LCG noise stand in.  Models:
 * the embedded defaults when this build has them, otherwise seeded random
 * models written at start-up (the plumbing does not care what the network
 * learnt); test_default_models fails while the defaults are missing.
 * Crafted models with zeroed output weights give exact gains and speech
 * probabilities for the property tests.
 *
 * Random choices (buffer splits, click positions, noise offsets) come from
 * one seed, printed at start; `--seed N` replays a run.  Not here: speed
 * (bench/) and allocation in the hot path (test-gst-noalloc.c).
 */
#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ae.h"
#include "test-gst-util.h"

#define ALL_CAPS "audio/x-raw, format = (string) { F32LE, S16LE }, " \
    "layout = (string) interleaved, rate = (int) [ 1, MAX ], " \
    "channels = (int) [ 1, 8 ]"

static GstStaticPadTemplate sinktemplate = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (ALL_CAPS));
static GstStaticPadTemplate srctemplate = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (ALL_CAPS));

static const guint rates[] = {
  8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000
};

static guint32 seed;
static GRand *rng;
static gchar *tmp_dir;
static gboolean have_defaults;
static gchar *random_model[2];  /* 16 kHz, 48 kHz */
static gchar *attenuator_model; /* 48 kHz: every gain 0, speech prob 0 */
static gchar *neutral_model;    /* 48 kHz: every gain 1, speech prob 0 */
static gchar *splitter_model;   /* 48 kHz: every gain 1/2, speech prob 1 */
static gchar *garbage_model;
static gboolean have_tools;

typedef struct
{
  GstAudioFormat format;
  guint rate;
  guint channels;
} Fmt;

/* helpers: models */

static gchar *
write_model (const gchar * name, guint rate, gboolean crafted,
    gfloat gain_bias, gfloat prob_bias)
{
  GError *err = NULL;
  gchar *path = ae_test_write_model (tmp_dir, name, rate, seed, crafted,
      gain_bias, prob_bias, &err);

  /* runs in main, before check's messaging exists */
  g_assert_no_error (err);
  return path;
}

/* What the element runs for model="" at @rate, or its stand-in. */
static const gchar *
model_for_rate (guint rate)
{
  if (have_defaults)
    return "";
  return random_model[rate <= 16000 ? 0 : 1];
}

static AeModel *
load_model_for_rate (guint rate)
{
  const gchar *path = model_for_rate (rate);
  GError *err = NULL;
  AeModel *m;

  if (path[0] == '\0')
    m = ae_model_new_default_audio (rate <= 16000 ? 16000 : 48000, &err);
  else
    m = ae_model_new_from_file (path, &err);
  fail_unless (m != NULL, "%s", err ? err->message : "");
  return m;
}

/* The model latency, converted to frames at @rate. */
static gdouble
model_latency_frames (guint rate)
{
  AeModel *m = load_model_for_rate (rate);
  gdouble f = (gdouble) ae_model_get_latency_samples (m) * rate /
      ae_model_get_sample_rate (m);

  ae_model_unref (m);
  return f;
}

/* helpers: signals */

static gboolean
run_tool (const gchar * cmd)
{
  gint status = -1;
  GError *err = NULL;

  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, &err)) {
    g_printerr ("%s: %s\n", cmd, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  return g_spawn_check_wait_status (status, NULL);
}

static float *
read_f32_file (const gchar * path, gsize * n)
{
  gchar *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  *n = len / sizeof (float);
  return (float *) data;
}

/* Mono speech and noise at @rate (cached per rate). */
static void
get_sources (guint rate, const float **speech, gsize * n_speech,
    const float **noise, gsize * n_noise)
{
  static GHashTable *cache_speech, *cache_noise;
  static GHashTable *len_speech, *len_noise;
  float *s, *z;
  gsize ns = 0, nz = 0, i;

  if (!cache_speech) {
    cache_speech = g_hash_table_new (NULL, NULL);
    cache_noise = g_hash_table_new (NULL, NULL);
    len_speech = g_hash_table_new (NULL, NULL);
    len_noise = g_hash_table_new (NULL, NULL);
  }
  s = g_hash_table_lookup (cache_speech, GUINT_TO_POINTER (rate));
  if (!s) {
    s = z = NULL;
    if (have_tools) {
      gchar *sp = g_strdup_printf ("%s/speech-%u.f32", tmp_dir, rate);
      gchar *np = g_strdup_printf ("%s/noise-%u.f32", tmp_dir, rate);
      gchar *c1 = g_strdup_printf ("sox -V1 %s/speech.wav -r %u -c 1 -b 32 "
          "-e floating-point -t raw %s gain -n -6", tmp_dir, rate, sp);
      gchar *c2 = g_strdup_printf ("sox -V1 -R -n -r %u -c 1 -b 32 "
          "-e floating-point -t raw %s synth 8 pinknoise vol 0.5", rate, np);

      if (run_tool (c1) && run_tool (c2)) {
        s = read_f32_file (sp, &ns);
        z = read_f32_file (np, &nz);
      }
      g_free (sp);
      g_free (np);
      g_free (c1);
      g_free (c2);
    }
    if (!s || !z || ns < rate || nz < rate) {
      /* a voiced sound gliding 110..220 Hz with a 3 Hz syllable envelope,
       * and uniform LCG noise */
      guint32 lcg = 12345;
      gdouble phase = 0.0;

      g_free (s);
      g_free (z);
      ns = nz = 6 * rate;
      s = g_new (float, ns);
      z = g_new (float, nz);
      for (i = 0; i < ns; i++) {
        gdouble t = (gdouble) i / rate, f0 = 165 + 55 * sin (2 * G_PI * t);
        gdouble env = 0.5 + 0.5 * sin (2 * G_PI * 3 * t), v = 0;
        int h;

        phase += 2 * G_PI * f0 / rate;
        for (h = 1; h < 12 && h * f0 < rate / 2.0; h++)
          v += sin (h * phase) / h;
        s[i] = (float) (0.2 * env * v);
        lcg = lcg * 1664525u + 1013904223u;
        z[i] = ((lcg >> 8) / (gfloat) (1 << 24) - 0.5f) * 0.5f;
      }
    }
    g_hash_table_insert (cache_speech, GUINT_TO_POINTER (rate), s);
    g_hash_table_insert (cache_noise, GUINT_TO_POINTER (rate), z);
    g_hash_table_insert (len_speech, GUINT_TO_POINTER (rate),
        GSIZE_TO_POINTER (ns));
    g_hash_table_insert (len_noise, GUINT_TO_POINTER (rate),
        GSIZE_TO_POINTER (nz));
  }
  *speech = s;
  *noise = g_hash_table_lookup (cache_noise, GUINT_TO_POINTER (rate));
  *n_speech = GPOINTER_TO_SIZE (g_hash_table_lookup (len_speech,
          GUINT_TO_POINTER (rate)));
  *n_noise = GPOINTER_TO_SIZE (g_hash_table_lookup (len_noise,
          GUINT_TO_POINTER (rate)));
}

/* @n_frames of interleaved speech + noise (each channel its own stretch of
 * noise); @speech_gain 0 for noise only. */
static float *
make_signal (const Fmt * f, gsize n_frames, gfloat speech_gain,
    gfloat noise_gain)
{
  const float *s, *z;
  gsize ns, nz, i;
  float *x = g_new (float, n_frames * f->channels);
  guint c;

  get_sources (f->rate, &s, &ns, &z, &nz);
  for (c = 0; c < f->channels; c++) {
    gsize s_off = f->rate / 5 + c * (f->rate / 7);
    gsize z_off = g_rand_int_range (rng, 0, nz);

    for (i = 0; i < n_frames; i++)
      x[i * f->channels + c] = speech_gain * s[(s_off + i) % ns] +
          noise_gain * z[(z_off + i) % nz];
  }
  return x;
}

static GstBuffer *
buffer_from_floats (const Fmt * f, const float *x, gsize n_frames,
    guint64 first_frame)
{
  gsize i, n = n_frames * f->channels;
  GstBuffer *buf;
  GstMapInfo map;

  if (f->format == GST_AUDIO_FORMAT_S16) {
    buf = gst_buffer_new_allocate (NULL, n * 2, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    for (i = 0; i < n; i++)
      ((gint16 *) map.data)[i] = CLAMP (lrintf (x[i] * 32768.0f), -32768,
          32767);
  } else {
    buf = gst_buffer_new_allocate (NULL, n * 4, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    memcpy (map.data, x, n * 4);
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first_frame, GST_SECOND,
      f->rate);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (first_frame +
      n_frames, GST_SECOND, f->rate) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = first_frame;
  GST_BUFFER_OFFSET_END (buf) = first_frame + n_frames;
  return buf;
}

static guint
bpf_of (const Fmt * f)
{
  return f->channels * (f->format == GST_AUDIO_FORMAT_S16 ? 2 : 4);
}

/* Output bytes as floats (S16 scaled by 1/32768). */
static float *
floats_from_bytes (const Fmt * f, const GByteArray * b, gsize * n_frames)
{
  gsize i, n;
  float *x;

  *n_frames = b->len / bpf_of (f);
  n = *n_frames * f->channels;
  x = g_new (float, n + 1);
  for (i = 0; i < n; i++)
    x[i] = f->format == GST_AUDIO_FORMAT_S16 ?
        ((const gint16 *) b->data)[i] / 32768.0f :
        ((const float *) b->data)[i];
  return x;
}

/* As the element would see @x after format conversion (S16 quantised). */
static float *
quantise (const Fmt * f, const float *x, gsize n_frames)
{
  gsize i, n = n_frames * f->channels;
  float *q = g_new (float, n);

  for (i = 0; i < n; i++)
    q[i] = f->format == GST_AUDIO_FORMAT_S16 ?
        CLAMP (lrintf (x[i] * 32768.0f), -32768, 32767) / 32768.0f : x[i];
  return q;
}

static gdouble
rms_db (const float *x, gsize from, gsize to, guint channels, guint c)
{
  gdouble sum = 0;
  gsize i;

  for (i = from; i < to; i++)
    sum += (gdouble) x[i * channels + c] * x[i * channels + c];
  return 10 * log10 (MAX (sum / MAX (to - from, 1), 1e-20));
}

static gsize *
random_splits (gsize n_frames, guint * n_splits)
{
  gsize *sizes = g_new (gsize, n_frames + 1), done = 0;
  guint n = 0;

  while (done < n_frames) {
    gsize s = g_rand_int_range (rng, 1, 4097);

    s = MIN (s, n_frames - done);

    sizes[n++] = s;
    done += s;
  }
  *n_splits = n;
  return sizes;
}

static gchar *
caps_string (const Fmt * f)
{
  return g_strdup_printf ("audio/x-raw, format=%s, layout=interleaved, "
      "rate=%u, channels=%u%s", gst_audio_format_to_string (f->format),
      f->rate, f->channels, f->channels > 2 ?
      ", channel-mask=(bitmask)0x0" : "");
}

/* helpers: live (GstHarness answers the latency query with live = TRUE) */

static GstHarness *
live_new (const Fmt * f, const gchar * first_property, ...)
{
  GstHarness *h = gst_harness_new ("aedenoise");
  gchar *caps = caps_string (f);
  va_list args;

  g_object_set (h->element, "model", model_for_rate (f->rate), NULL);
  if (first_property) {
    va_start (args, first_property);
    g_object_set_valist (G_OBJECT (h->element), first_property, args);
    va_end (args);
  }
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

static void
pull_all (GstHarness * h, GByteArray * out, GPtrArray * bufs)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h))) {
    GstMapInfo map;

    gst_buffer_map (b, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (b, &map);
    if (bufs)
      g_ptr_array_add (bufs, b);
    else
      gst_buffer_unref (b);
  }
}

/* Pushes @x in buffers of @sizes (NULL: one buffer), then EOS if @eos;
 * returns every output byte. */
static GByteArray *
live_push (GstHarness * h, const Fmt * f, const float *x, gsize n_frames,
    const gsize * sizes, guint n_sizes, gboolean eos, GPtrArray * bufs)
{
  GByteArray *out = g_byte_array_new ();
  gsize done = 0, first_len = 0;
  guint i = 0;

  while (done < n_frames) {
    gsize n = sizes ? sizes[i++] : n_frames;

    fail_unless_equals_int (gst_harness_push (h, buffer_from_floats (f,
                x + done * f->channels, n, done)), GST_FLOW_OK);
    done += n;
    pull_all (h, out, bufs);
    /* live: in place, every buffer out as it came in */
    fail_unless_equals_uint64 (out->len - first_len, done * bpf_of (f));
  }
  fail_unless (i == n_sizes || !sizes);
  if (eos) {
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    pull_all (h, out, bufs);
  }
  return out;
}

/* helpers: not live (a bare gst-check src pad answers no latency query) */

static GstElement *
nonlive_new (const Fmt * f, GstBus ** bus, const gchar * first_property, ...)
{
  GstElement *e = gst_check_setup_element ("aedenoise");
  GstPad *srcpad, *sinkpad;
  GstCaps *caps;
  gchar *s = caps_string (f);
  va_list args;

  g_object_set (e, "model", model_for_rate (f->rate), NULL);
  if (first_property) {
    va_start (args, first_property);
    g_object_set_valist (G_OBJECT (e), first_property, args);
    va_end (args);
  }
  if (bus) {
    *bus = gst_bus_new ();
    gst_element_set_bus (e, *bus);
  }
  srcpad = gst_check_setup_src_pad (e, &srctemplate);
  sinkpad = gst_check_setup_sink_pad (e, &sinktemplate);
  gst_pad_set_active (srcpad, TRUE);
  gst_pad_set_active (sinkpad, TRUE);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  caps = gst_caps_from_string (s);
  gst_check_setup_events (srcpad, e, caps, GST_FORMAT_TIME);
  gst_caps_unref (caps);
  g_free (s);
  /* the check pads keep the references gst_check_teardown_*_pad drops */
  return e;
}

static GstPad *
nonlive_srcpad (GstElement * e)
{
  GstPad *sink = gst_element_get_static_pad (e, "sink");
  GstPad *peer = gst_pad_get_peer (sink);

  gst_object_unref (sink);
  gst_object_unref (peer);      /* the check pad keeps living */
  return peer;
}

static void
nonlive_free (GstElement * e, GstBus * bus)
{
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  if (bus) {
    gst_element_set_bus (e, NULL);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
  }
  gst_check_drop_buffers ();
  gst_check_teardown_src_pad (e);
  gst_check_teardown_sink_pad (e);
  gst_check_teardown_element (e);
}

/* Pushes like live_push, then returns the bytes the check sink got since
 * the last call (and empties its list). */
static GByteArray *
nonlive_push (GstElement * e, const Fmt * f, const float *x, gsize n_frames,
    const gsize * sizes, guint n_sizes, gboolean eos, guint64 first_frame)
{
  GstPad *srcpad = nonlive_srcpad (e);
  GByteArray *out = g_byte_array_new ();
  gsize done = 0;
  guint i = 0;
  GList *l;

  while (done < n_frames) {
    gsize n = sizes ? sizes[i++] : n_frames;

    fail_unless_equals_int (gst_pad_push (srcpad, buffer_from_floats (f,
                x + done * f->channels, n, first_frame + done)), GST_FLOW_OK);
    done += n;
  }
  if (eos)
    fail_unless (gst_pad_push_event (srcpad, gst_event_new_eos ()));
  for (l = buffers; l; l = l->next) {
    GstMapInfo map;

    gst_buffer_map (l->data, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (l->data, &map);
  }
  return out;
}

/* The whole of one run through a fresh live element. */
static GByteArray *
live_run (const Fmt * f, const float *x, gsize n_frames, const gsize * sizes,
    guint n_sizes, gboolean eos)
{
  GstHarness *h = live_new (f, NULL);
  GByteArray *out = live_push (h, f, x, n_frames, sizes, n_sizes, eos, NULL);

  gst_harness_teardown (h);
  return out;
}

static GByteArray *
nonlive_run (const Fmt * f, const float *x, gsize n_frames,
    const gsize * sizes, guint n_sizes, const gchar * first_property, ...)
{
  GstElement *e;
  GByteArray *out;
  va_list args;

  e = nonlive_new (f, NULL, NULL);
  if (first_property) {
    va_start (args, first_property);
    g_object_set_valist (G_OBJECT (e), first_property, args);
    va_end (args);
  }
  out = nonlive_push (e, f, x, n_frames, sizes, n_sizes, TRUE, 0);
  nonlive_free (e, NULL);
  return out;
}

static void
assert_bytes_equal (const GByteArray * a, const GByteArray * b,
    const gchar * what)
{
  gsize i;

  fail_unless_equals_uint64 (a->len, b->len);
  for (i = 0; i < a->len; i++)
    if (a->data[i] != b->data[i])
      fail ("%s: first difference at byte %" G_GSIZE_FORMAT " of %u "
          "(seed %u)", what, i, a->len, seed);
}

/* Caps table: every format x rate x channels (1, 2, 8), live, gives finite,
 * non-silent output of the right length. */
static Fmt caps_table[G_N_ELEMENTS (rates) * 2 * 3];

static void
fill_caps_table (void)
{
  static const guint channels[] = { 1, 2, 8 };
  guint r, fmt, c, i = 0;

  for (fmt = 0; fmt < 2; fmt++)
    for (r = 0; r < G_N_ELEMENTS (rates); r++)
      for (c = 0; c < G_N_ELEMENTS (channels); c++) {
        caps_table[i].format = fmt ? GST_AUDIO_FORMAT_S16 :
            GST_AUDIO_FORMAT_F32;
        caps_table[i].rate = rates[r];
        caps_table[i].channels = channels[c];
        i++;
      }
}

GST_START_TEST (test_caps_table)
{
  const Fmt *f = &caps_table[__i__];
  gsize n = f->rate * 6 / 10, n_out, i, sz = f->rate / 100;
  float *x = make_signal (f, n, 1.0f, 0.1f), *y;
  GstHarness *h = live_new (f, NULL);
  GstClockTime latency;
  GByteArray *out;
  gsize *sizes = g_new (gsize, n / sz + 1);
  guint c, n_sizes = 0;
  gsize tail;

  for (i = 0; i < n; i += sz)
    sizes[n_sizes++] = MIN (sz, n - i);
  out = live_push (h, f, x, n, sizes, n_sizes, TRUE, NULL);
  latency = gst_harness_query_latency (h);
  y = floats_from_bytes (f, out, &n_out);

  /* live: one frame out per frame in, plus a latency's worth at EOS */
  tail = n_out - n;
  fail_unless (n_out >= n);
  fail_unless (fabs (tail - (gdouble) latency * f->rate / GST_SECOND) <= 1.0,
      "EOS tail %" G_GSIZE_FORMAT " frames, latency %" GST_TIME_FORMAT,
      tail, GST_TIME_ARGS (latency));
  for (i = 0; i < n_out * f->channels; i++)
    fail_unless (isfinite (y[i]), "sample %" G_GSIZE_FORMAT " is %g", i,
        y[i]);
  for (c = 0; c < f->channels; c++) {
    gdouble db = rms_db (y, 0, n_out, f->channels, c);

    fail_unless (db > -50.0, "%s %u Hz x %u: channel %u at %.1f dB",
        gst_audio_format_to_string (f->format), f->rate, f->channels, c, db);
  }

  g_byte_array_unref (out);
  gst_harness_teardown (h);
  g_free (sizes);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Any split of the input into buffers gives the same bits as one buffer,
 * live and not live (guards against state kept per buffer rather than per
 * sample, e.g. a resampler or chunk boundary that depends on the split). */
static const Fmt split_table[] = {
  {GST_AUDIO_FORMAT_F32, 48000, 1},
  {GST_AUDIO_FORMAT_F32, 16000, 2},
  {GST_AUDIO_FORMAT_S16, 44100, 2},
  {GST_AUDIO_FORMAT_F32, 11025, 1},
  {GST_AUDIO_FORMAT_S16, 8000, 8},
  {GST_AUDIO_FORMAT_F32, 22050, 1},
};

GST_START_TEST (test_split_identity)
{
  const Fmt *f = &split_table[__i__];
  gsize n = f->rate * 3 / 2;
  float *x = make_signal (f, n, 1.0f, 0.2f);
  guint n_splits;
  gsize *splits = random_splits (n, &n_splits);
  GByteArray *a, *b;

  a = live_run (f, x, n, NULL, 0, TRUE);
  b = live_run (f, x, n, splits, n_splits, TRUE);
  assert_bytes_equal (a, b, "live");
  g_byte_array_unref (a);
  g_byte_array_unref (b);

  a = nonlive_run (f, x, n, NULL, 0, NULL);
  b = nonlive_run (f, x, n, splits, n_splits, NULL);
  assert_bytes_equal (a, b, "not live");
  fail_unless_equals_uint64 (a->len, n * bpf_of (f));
  g_byte_array_unref (a);
  g_byte_array_unref (b);

  g_free (splits);
  g_free (x);
}

GST_END_TEST;

/* Not live: a click comes out where it went in, the output has the input's
 * length, and speech correlates best at lag 0 (guards against the latency
 * being dropped twice, not at all, or at the wrong rate). */
static const Fmt align_table[] = {
  {GST_AUDIO_FORMAT_F32, 48000, 1},
  {GST_AUDIO_FORMAT_S16, 16000, 2},
  {GST_AUDIO_FORMAT_F32, 44100, 1},
  {GST_AUDIO_FORMAT_F32, 11025, 1},
  {GST_AUDIO_FORMAT_F32, 8000, 1},
  {GST_AUDIO_FORMAT_S16, 32000, 1},
  {GST_AUDIO_FORMAT_F32, 24000, 2},
  {GST_AUDIO_FORMAT_F32, 22050, 1},
};

static gssize
peak_index (const float *y, gsize n, guint channels, guint c)
{
  gsize i, best = 0;

  for (i = 0; i < n; i++)
    if (fabsf (y[i * channels + c]) > fabsf (y[best * channels + c]))
      best = i;
  return best;
}

GST_START_TEST (test_alignment_nonlive)
{
  const Fmt *f = &align_table[__i__];
  gboolean native = f->rate == 16000 || f->rate == 48000;
  gsize n = f->rate, click = g_rand_int_range (rng, f->rate / 10,
      f->rate * 8 / 10), n_out, i;
  float *x = g_new0 (float, n * f->channels), *y, *s, *q;
  guint n_splits;
  gsize *splits = random_splits (n, &n_splits);
  GByteArray *out;
  gssize lag, best_lag = 0;
  gdouble best = -1;
  guint c;

  /* a click, dry path only */
  for (c = 0; c < f->channels; c++)
    x[click * f->channels + c] = 0.5f;
  out = nonlive_run (f, x, n, splits, n_splits, "mix", 0.0f, NULL);
  y = floats_from_bytes (f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  for (c = 0; c < f->channels; c++) {
    gssize p = peak_index (y, n_out, f->channels, c);

    fail_unless (ABS (p - (gssize) click) <= (native ? 0 : 1),
        "click in at %" G_GSIZE_FORMAT ", out at %" G_GSSIZE_FORMAT
        " (seed %u)", click, p, seed);
  }
  if (native) {
    /* the dry path at the model rate is the input, exactly */
    q = quantise (f, x, n);
    fail_unless (memcmp (q, y, n * f->channels * sizeof (float)) == 0);
    g_free (q);
  }
  g_byte_array_unref (out);
  g_free (y);

  /* speech through the network: best correlation at lag 0 */
  s = make_signal (f, n, 1.0f, 0.05f);
  out = nonlive_run (f, s, n, splits, n_splits, NULL);
  y = floats_from_bytes (f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  for (lag = -200; lag <= 200; lag++) {
    gdouble acc = 0;

    for (i = 300; i + 300 < n; i++)
      acc += (gdouble) s[i * f->channels] * y[(i + lag) * f->channels];
    if (acc > best) {
      best = acc;
      best_lag = lag;
    }
  }
  fail_unless (ABS (best_lag) <= (native ? 0 : 1), "best lag %"
      G_GSSIZE_FORMAT, best_lag);

  g_byte_array_unref (out);
  g_free (splits);
  g_free (s);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* The same through a real file pipeline: filesrc ! wavparse.  At 48 kHz
 * with mix=0 the output file is the input file. */
GST_START_TEST (test_file_pipeline)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate * 2, n_out;
  float *x = make_signal (&f, n, 1.0f, 0.1f), *y;
  gchar *wav = g_build_filename (tmp_dir, "in.wav", NULL);
  gchar *desc;
  GstElement *pipe, *sink;
  GstBuffer *buf;
  GstSample *sample;
  GstBus *bus;
  GstMessage *msg;
  GstFlowReturn flow;
  GByteArray *out = g_byte_array_new ();

  /* write the wav through GStreamer itself */
  desc = g_strdup_printf ("appsrc name=src format=time caps=\"audio/x-raw,"
      "format=F32LE,layout=interleaved,rate=48000,channels=1\" ! wavenc ! "
      "filesink location=%s", wav);
  pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL);
  g_free (desc);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "src");
  buf = buffer_from_floats (&f, x, n, 0);
  g_signal_emit_by_name (sink, "push-buffer", buf, &flow);
  fail_unless_equals_int (flow, GST_FLOW_OK);
  gst_buffer_unref (buf);
  g_signal_emit_by_name (sink, "end-of-stream", &flow);
  gst_object_unref (sink);
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);

  desc = g_strdup_printf ("filesrc location=%s ! wavparse ! aedenoise "
      "model=\"%s\" mix=0 ! appsink name=sink sync=false", wav,
      model_for_rate (48000));
  pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while (TRUE) {
    GstMapInfo map;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (!sample)
      break;
    buf = gst_sample_get_buffer (sample);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);

  y = floats_from_bytes (&f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  fail_unless (memcmp (x, y, n * sizeof (float)) == 0);

  g_unlink (wav);
  g_free (wav);
  g_free (x);
  g_free (y);
  g_byte_array_unref (out);
}

GST_END_TEST;

/* The latency query gives the model latency converted to ns at the model
 * rates, and at the others the delay an impulse really takes (guards
 * against audiornnoise's integer-division zero and against leaving out the
 * resampler). */
GST_START_TEST (test_latency_query)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, rates[__i__], 1 };
  gsize n = f.rate / 2, click = f.rate / 10, n_out;
  gboolean native = f.rate == 16000 || f.rate == 48000;
  float *x = g_new0 (float, n), *y;
  GstHarness *h = live_new (&f, "mix", 0.0f, NULL);
  AeModel *m = load_model_for_rate (f.rate);
  GstClockTime latency, model_ns;
  GByteArray *out;
  gdouble measured;
  gssize p;

  x[click] = 0.5f;
  out = live_push (h, &f, x, n, NULL, 0, FALSE, NULL);
  latency = gst_harness_query_latency (h);
  model_ns = gst_util_uint64_scale_round (ae_model_get_latency_samples (m),
      GST_SECOND, ae_model_get_sample_rate (m));
  y = floats_from_bytes (&f, out, &n_out);
  p = peak_index (y, n_out, 1, 0);
  measured = (gdouble) (p - (gssize) click) * GST_SECOND / f.rate;

  if (native) {
    fail_unless_equals_uint64 (latency, model_ns);
  } else {
    fail_unless (latency > model_ns);
  }
  /* the impulse: within one sample of the reported latency */
  fail_unless (fabs (measured - (gdouble) latency) <= (gdouble) GST_SECOND /
      f.rate, "%u Hz: latency %" GST_TIME_FORMAT ", impulse delayed %.0f ns",
      f.rate, GST_TIME_ARGS (latency), measured);

  ae_model_unref (m);
  g_byte_array_unref (out);
  gst_harness_teardown (h);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* mix=0 and bypass give the input, delayed by the latency (live) or in
 * place (not live), bit for bit at the model rates. */
static const Fmt dry_table[] = {
  {GST_AUDIO_FORMAT_F32, 48000, 2},
  {GST_AUDIO_FORMAT_S16, 48000, 1},
  {GST_AUDIO_FORMAT_F32, 16000, 1},
  {GST_AUDIO_FORMAT_S16, 16000, 8},
};

static void
check_dry (const Fmt * f, const gchar * prop, const GValue * v)
{
  gsize n = f->rate, n_out, lat = (gsize) model_latency_frames (f->rate);
  float *x = make_signal (f, n, 1.0f, 0.3f), *y, *q = quantise (f, x, n);
  GstHarness *h = live_new (f, NULL);
  GstElement *e;
  GByteArray *out;

  g_object_set_property (G_OBJECT (h->element), prop, v);
  out = live_push (h, f, x, n, NULL, 0, FALSE, NULL);
  y = floats_from_bytes (f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  fail_unless (memcmp (y + lat * f->channels, q,
          (n - lat) * f->channels * sizeof (float)) == 0, "%s", prop);
  g_free (y);
  g_byte_array_unref (out);
  gst_harness_teardown (h);

  e = nonlive_new (f, NULL, NULL);
  g_object_set_property (G_OBJECT (e), prop, v);
  out = nonlive_push (e, f, x, n, NULL, 0, TRUE, 0);
  y = floats_from_bytes (f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  fail_unless (memcmp (y, q, n * f->channels * sizeof (float)) == 0, "%s",
      prop);
  nonlive_free (e, NULL);

  g_free (y);
  g_free (q);
  g_free (x);
  g_byte_array_unref (out);
}

GST_START_TEST (test_mix_zero)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_FLOAT);
  g_value_set_float (&v, 0.0f);
  check_dry (&dry_table[__i__], "mix", &v);
}

GST_END_TEST;

GST_START_TEST (test_bypass)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_BOOLEAN);
  g_value_set_boolean (&v, TRUE);
  check_dry (&dry_table[__i__], "bypass", &v);
}

GST_END_TEST;

/* Controllable: a control source driving mix to 0 from the start gives
 * the dry input, which the default mix of 1 would not (guards against
 * never calling gst_object_sync_values). */
GST_START_TEST (test_controller)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate / 2, n_out;
  float *x = make_signal (&f, n, 1.0f, 0.3f), *y;
  GstElement *e = gst_check_setup_element ("aedenoise");
  GstControlSource *cs = gst_interpolation_control_source_new ();
  GByteArray *out;
  GstPad *srcpad, *sinkpad;
  GstCaps *caps;
  gchar *s = caps_string (&f);

  g_object_set (e, "model", model_for_rate (f.rate), NULL);
  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
  fail_unless (gst_timed_value_control_source_set
      (GST_TIMED_VALUE_CONTROL_SOURCE (cs), 0, 0.0));
  fail_unless (gst_object_add_control_binding (GST_OBJECT (e),
          gst_direct_control_binding_new (GST_OBJECT (e), "mix", cs)));
  srcpad = gst_check_setup_src_pad (e, &srctemplate);
  sinkpad = gst_check_setup_sink_pad (e, &sinktemplate);
  gst_pad_set_active (srcpad, TRUE);
  gst_pad_set_active (sinkpad, TRUE);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  caps = gst_caps_from_string (s);
  gst_check_setup_events (srcpad, e, caps, GST_FORMAT_TIME);
  gst_caps_unref (caps);

  out = nonlive_push (e, &f, x, n, NULL, 0, TRUE, 0);
  y = floats_from_bytes (&f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  fail_unless (memcmp (x, y, n * sizeof (float)) == 0);

  nonlive_free (e, NULL);
  gst_object_unref (cs);
  g_byte_array_unref (out);
  g_free (s);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* The level of noise through @model with these settings, against the
 * input's, between @from_ms and @to_ms. */
static gdouble
level_change_db (const gchar * model, gfloat limit, gfloat noise_floor,
    gfloat vad_threshold, guint vad_hold_ms, gsize from_ms, gsize to_ms)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate * 2, n_out;
  float *x = make_signal (&f, n, 0.0f, 0.2f), *y;
  GstElement *e = nonlive_new (&f, NULL, "model", model, "attenuation-limit",
      limit, "noise-floor", noise_floor, "vad-threshold", vad_threshold,
      "vad-hold", vad_hold_ms, NULL);
  GByteArray *out = nonlive_push (e, &f, x, n, NULL, 0, TRUE, 0);
  gsize a = f.rate * from_ms / 1000, b = f.rate * to_ms / 1000;
  gdouble change;

  y = floats_from_bytes (&f, out, &n_out);
  fail_unless_equals_uint64 (n_out, n);
  change = rms_db (y, a, b, 1, 0) - rms_db (x, a, b, 1, 0);

  nonlive_free (e, NULL);
  g_byte_array_unref (out);
  g_free (x);
  g_free (y);
  return change;
}

/* A model whose gains are all 0: attenuation-limit sets the output level.
 * 6 dB keeps it 6 dB down; 100 silences it; 0 leaves it. */
GST_START_TEST (test_attenuation_limit)
{
  gdouble d6, d100, d0;

  d6 = level_change_db (attenuator_model, 6.0f, 100.0f, 0.0f, 200, 200, 1800);
  d100 = level_change_db (attenuator_model, 100.0f, 100.0f, 0.0f, 200, 200,
      1800);
  d0 = level_change_db (attenuator_model, 0.0f, 100.0f, 0.0f, 200, 200, 1800);
  fail_unless (d6 > -7.0 && d6 < -5.0, "limit 6 dB: %.2f dB", d6);
  fail_unless (d100 < -60.0, "limit 100 dB: %.2f dB", d100);
  fail_unless (fabs (d0) < 0.5, "limit 0 dB: %.2f dB", d0);
}

GST_END_TEST;

/* A model that halves every band and is sure of speech splits each frame
 * into speech g^2 E and noise (1 - g^2) E: an input SNR of
 * 10 log10 (1/3) = -4.77 dB.  A noise floor of F dB then allows at most
 * F + 4.77 dB of attenuation: at F = 0 the output sits 4.77 dB down, not
 * the gains' 6.02.  The floor waits for 200 ms of speech, the attenuation
 * limit wins where it is lower, and with no speech heard (the attenuator
 * model) there is no floor. */
GST_START_TEST (test_noise_floor)
{
  gdouble snr_db = 10.0 * log10 (0.25 / 0.75), halved = 20.0 * log10 (0.5);
  gdouble off, on, early, floor3, limited, no_speech;

  off = level_change_db (splitter_model, 100.0f, 100.0f, 0.0f, 200, 300,
      1800);
  on = level_change_db (splitter_model, 100.0f, 0.0f, 0.0f, 200, 300, 1800);
  floor3 = level_change_db (splitter_model, 100.0f, 3.0f, 0.0f, 200, 300,
      1800);
  early = level_change_db (splitter_model, 100.0f, 0.0f, 0.0f, 200, 40, 180);
  limited = level_change_db (splitter_model, 2.0f, 0.0f, 0.0f, 200, 300,
      1800);
  no_speech = level_change_db (attenuator_model, 100.0f, 0.0f, 0.0f, 200,
      300, 1800);
  fail_unless (fabs (off - halved) < 0.05, "floor off: %.3f dB", off);
  fail_unless (fabs (on - snr_db) < 0.05, "floor 0 dB: %.3f dB, not %.3f",
      on, snr_db);
  fail_unless (fabs (floor3 - halved) < 0.05,
      "floor 3 dB (allows 7.77 dB, more than the gains take): %.3f dB",
      floor3);
  fail_unless (fabs (early - halved) < 0.05,
      "before 200 ms of speech: %.3f dB", early);
  fail_unless (fabs (limited + 2.0) < 0.05, "limit 2 dB: %.3f dB", limited);
  fail_unless (no_speech < -60.0, "no speech heard: %.2f dB", no_speech);
}

GST_END_TEST;

/* @x (@n frames of @f) through the embedded model with
 * noise-smoothing=@smoothing_ms, or the property left unset for -2. */
static float *
smoothing_output (const Fmt * f, const float *x, gsize n, gint smoothing_ms)
{
  GstElement *e = smoothing_ms == -2 ? nonlive_new (f, NULL, NULL) :
      nonlive_new (f, NULL, "noise-smoothing", smoothing_ms, NULL);
  GByteArray *out = nonlive_push (e, f, x, n, NULL, 0, TRUE, 0);
  gsize n_out;
  float *y = floats_from_bytes (f, out, &n_out);

  fail_unless_equals_uint64 (n_out, n);
  nonlive_free (e, NULL);
  g_byte_array_unref (out);
  return y;
}

/* 1.5 s of speech, then 2 s of keyboard-like clicks in silence: 3-8 ms
 * bursts of decaying noise, 4 to 12 a second, at the speech's peak level
 * down to 10 dB under it. */
static float *
speech_then_clicks (guint rate, gsize * n_out)
{
  const float *speech, *noise;
  gsize ns, nz, n_speech = rate * 3 / 2, n = n_speech + 2 * rate, i, t;
  float *x, peak = 0.0f;

  get_sources (rate, &speech, &ns, &noise, &nz);
  x = g_new0 (float, n);
  for (i = 0; i < n_speech; i++) {
    x[i] = speech[(rate / 5 + i) % ns];
    peak = MAX (peak, fabsf (x[i]));
  }
  for (t = n_speech + rate / 10; t + rate / 100 < n;
      t += g_rand_int_range (rng, rate / 12, rate / 4)) {
    gsize len = g_rand_int_range (rng, rate * 3 / 1000, rate * 8 / 1000);
    gfloat a = peak * (gfloat) g_rand_double_range (rng, 0.3, 1.0);

    for (i = 0; i < len; i++)
      x[t + i] = a * (gfloat) g_rand_double_range (rng, -1.0, 1.0) *
          expf (-4.0f * i / len);
  }
  *n_out = n;
  return x;
}

static gsize
count_differences (const float *a, const float *b, gsize n)
{
  gsize i, d = 0;

  for (i = 0; i < n; i++)
    d += a[i] != b[i];
  return d;
}

/* noise-smoothing changes the output, and its default (-2 here: the
 * property left unset) is the model's own: on for the embedded 48 kHz
 * model (1000 ms, which the rest of this test does not assume, only that
 * the default equals the model's and differs from off), off for 16 kHz.
 * Clicks in a pause after speech, where the smoothing would hold the gain
 * the silence earned, are removed as well as without it (within 3 dB;
 * without the transient rule of gainsmooth.h they kept about 20 dB more).
 * The arithmetic itself is tested in test-speech.c. */
GST_START_TEST (test_noise_smoothing)
{
  Fmt f48 = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  Fmt f16 = { GST_AUDIO_FORMAT_F32, 16000, 1 };
  gsize n48 = f48.rate * 3, n16 = f16.rate * 3;
  /* speech with noise about 26 dB under it, so that the SNR estimate the
   * smoothing waits for passes 10 dB */
  float *x48 = make_signal (&f48, n48, 1.0f, 0.05f);
  float *x16 = make_signal (&f16, n16, 1.0f, 0.05f);
  float *off = smoothing_output (&f48, x48, n48, 0);
  float *on = smoothing_output (&f48, x48, n48, 1000);
  float *dflt = smoothing_output (&f48, x48, n48, -2);
  float *off16 = smoothing_output (&f16, x16, n16, 0);
  float *dflt16 = smoothing_output (&f16, x16, n16, -2);
  AeModel *m48 = ae_model_new_default_audio (48000, NULL);
  gsize changed = count_differences (off, on, n48);

  fail_unless (m48 != NULL, "no embedded 48 kHz model");

  fail_unless (changed > n48 / 10, "smoothing 1000 ms changed only %"
      G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " samples", changed, n48);
  fail_unless_equals_int (ae_model_get_noise_smoothing_ms (m48), 1000);
  fail_unless_equals_uint64 (count_differences (dflt, on, n48), 0);
  fail_unless_equals_uint64 (count_differences (dflt16, off16, n16), 0);

  {
    gsize n, from = f48.rate * 3 / 2;
    float *clicks = speech_then_clicks (f48.rate, &n);
    float *c_off = smoothing_output (&f48, clicks, n, 0);
    float *c_on = smoothing_output (&f48, clicks, n, 1000);
    gdouble in = rms_db (clicks, from, n, 1, 0);
    gdouble left_off = rms_db (c_off, from, n, 1, 0) - in;
    gdouble left_on = rms_db (c_on, from, n, 1, 0) - in;

    GST_INFO ("clicks left: %.1f dB off, %.1f dB on", left_off, left_on);
    fail_unless (left_off < -10.0, "the model left clicks at %.1f dB",
        left_off);
    fail_unless (left_on < left_off + 3.0, "smoothing left clicks at "
        "%.1f dB, against %.1f dB without", left_on, left_off);
    g_free (clicks);
    g_free (c_off);
    g_free (c_on);
  }

  ae_model_unref (m48);
  g_free (x48);
  g_free (x16);
  g_free (off);
  g_free (on);
  g_free (dflt);
  g_free (off16);
  g_free (dflt16);
}

GST_END_TEST;

/* A model that passes everything but never hears speech: with the gate on,
 * noise is let through for the hold time, then silenced. */
GST_START_TEST (test_vad_gate)
{
  gdouble open, early, late;

  open = level_change_db (neutral_model, 100.0f, 100.0f, 0.0f, 200, 200,
      1800);
  early = level_change_db (neutral_model, 100.0f, 100.0f, 0.5f, 400, 0, 250);
  late = level_change_db (neutral_model, 100.0f, 100.0f, 0.5f, 400, 1000,
      1800);
  fail_unless (fabs (open) < 0.5, "gate off: %.2f dB", open);
  fail_unless (early > -1.0, "within the hold: %.2f dB", early);
  fail_unless (late < -40.0, "after the hold: %.2f dB", late);
}

GST_END_TEST;

/* post-messages: one message per interval with the documented fields
 * (level.c reads them from a bus the same way). */
GST_START_TEST (test_messages)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 2 };
  gsize n = f.rate, i;
  float *x = g_new (float, n * 2);
  GstBus *bus;
  GstElement *e = nonlive_new (&f, &bus, "post-messages", TRUE,
      "message-interval", (guint64) (100 * GST_MSECOND), NULL);
  GByteArray *out;
  GstMessage *msg;
  guint n_msgs = 0;

  /* channel 0 a sine at 0.5 (-9.03 dB RMS), channel 1 silence */
  for (i = 0; i < n; i++) {
    x[2 * i] = 0.5f * sinf (2 * G_PI * 440 * i / f.rate);
    x[2 * i + 1] = 0.0f;
  }
  out = nonlive_push (e, &f, x, n, NULL, 0, TRUE, 0);

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    const GValue *in_db, *out_db;
    GstClockTime ts, rt, st, dur, end;
    gdouble p;

    fail_unless (gst_structure_has_name (s, "aedenoise"));
    fail_unless (gst_structure_get (s, "timestamp", G_TYPE_UINT64, &ts,
            "running-time", G_TYPE_UINT64, &rt, "stream-time", G_TYPE_UINT64,
            &st, "duration", G_TYPE_UINT64, &dur, "endtime", G_TYPE_UINT64,
            &end, "speech-probability", G_TYPE_DOUBLE, &p, NULL));
    fail_unless_equals_uint64 (ts, n_msgs * 100 * GST_MSECOND);
    fail_unless_equals_uint64 (rt, ts);
    fail_unless_equals_uint64 (st, ts);
    fail_unless_equals_uint64 (dur, 100 * GST_MSECOND);
    fail_unless_equals_uint64 (end, ts + dur);
    fail_unless (p >= 0.0 && p <= 1.0);
    in_db = gst_structure_get_value (s, "input-rms-db");
    out_db = gst_structure_get_value (s, "output-rms-db");
    fail_unless (GST_VALUE_HOLDS_ARRAY (in_db));
    fail_unless (GST_VALUE_HOLDS_ARRAY (out_db));
    fail_unless_equals_int (gst_value_array_get_size (in_db), 2);
    fail_unless_equals_int (gst_value_array_get_size (out_db), 2);
    fail_unless (fabs (g_value_get_double (gst_value_array_get_value (in_db,
                    0)) + 9.03) < 0.1);
    fail_unless (g_value_get_double (gst_value_array_get_value (in_db,
                1)) <= -199.0);
    fail_unless (isfinite (g_value_get_double (gst_value_array_get_value
                (out_db, 0))));
    gst_message_unref (msg);
    n_msgs++;
  }
  fail_unless_equals_int (n_msgs, 10);

  g_byte_array_unref (out);
  nonlive_free (e, bus);
  g_free (x);
}

GST_END_TEST;

/* The snr-db field of every 100 ms message from @model on two seconds of
 * noise, into @snr (20 values). */
static void
message_snr_db (const gchar * model, gdouble * snr)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate * 2;
  float *x = make_signal (&f, n, 0.0f, 0.2f);
  GstBus *bus;
  GstElement *e = nonlive_new (&f, &bus, "model", model, "post-messages",
      TRUE, "message-interval", (guint64) (100 * GST_MSECOND), NULL);
  GByteArray *out = nonlive_push (e, &f, x, n, NULL, 0, TRUE, 0);
  GstMessage *msg;
  guint n_msgs = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GValue *v = gst_structure_get_value (gst_message_get_structure
        (msg), "snr-db");

    fail_unless (v && GST_VALUE_HOLDS_ARRAY (v));
    fail_unless_equals_int (gst_value_array_get_size (v), 1);
    fail_unless (n_msgs < 20);
    snr[n_msgs++] = g_value_get_double (gst_value_array_get_value (v, 0));
    gst_message_unref (msg);
  }
  fail_unless_equals_int (n_msgs, 20);
  g_byte_array_unref (out);
  nonlive_free (e, bus);
  g_free (x);
}

/* snr-db reports the noise floor's estimate: -200 until 200 ms of speech
 * has been heard, then, for the model that halves every band and is sure
 * of speech, 10 log10 (1/3) = -4.77 dB (see test_noise_floor); for one
 * that never hears speech, -200 throughout. */
GST_START_TEST (test_messages_snr)
{
  gdouble split[20], none[20], want = 10.0 * log10 (0.25 / 0.75);
  guint i;

  message_snr_db (splitter_model, split);
  message_snr_db (attenuator_model, none);
  fail_unless (split[0] <= -199.0, "first 100 ms: %.2f dB", split[0]);
  for (i = 3; i < 20; i++)
    fail_unless (fabs (split[i] - want) < 0.05, "message %u: %.3f dB, not "
        "%.3f", i, split[i], want);
  for (i = 0; i < 20; i++)
    fail_unless (none[i] <= -199.0, "no speech, message %u: %.2f dB", i,
        none[i]);
}

GST_END_TEST;

/* model=PATH: a 16 kHz file on 48 kHz caps runs, resampled, and its
 * latency is reported; changing it while playing posts a latency message
 * and the stream goes on. */
GST_START_TEST (test_model_file)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate / 2, n_out, i;
  float *x = make_signal (&f, n, 1.0f, 0.1f), *y;
  GstHarness *h = live_new (&f, NULL);
  GstClockTime before, after;
  GstBus *bus = gst_bus_new ();
  GByteArray *out;
  GstMessage *msg;
  gchar *path;
  AeModel *m16;

  gst_element_set_bus (h->element, bus);
  out = live_push (h, &f, x, n, NULL, 0, FALSE, NULL);
  g_byte_array_unref (out);
  before = gst_harness_query_latency (h);

  g_object_set (h->element, "model", random_model[0], NULL);
  g_object_get (h->element, "model", &path, NULL);
  fail_unless_equals_string (path, random_model[0]);
  g_free (path);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY);
  m16 = ae_model_new_from_file (random_model[0], NULL);
  fail_unless (m16 != NULL);
  after = gst_harness_query_latency (h);
  fail_unless (after > gst_util_uint64_scale_round
      (ae_model_get_latency_samples (m16), GST_SECOND, 16000));
  if (after != before)
    fail_unless (msg != NULL, "latency changed without a message");
  if (msg)
    gst_message_unref (msg);

  out = live_push (h, &f, x, n, NULL, 0, TRUE, NULL);
  y = floats_from_bytes (&f, out, &n_out);
  fail_unless (n_out >= n);
  for (i = 0; i < n_out; i++)
    fail_unless (isfinite (y[i]));
  fail_unless (rms_db (y, n_out / 2, n_out, 1, 0) > -50.0);

  ae_model_unref (m16);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_byte_array_unref (out);
  gst_harness_teardown (h);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* A corrupt or missing model file: a warning on the bus naming the
 * problem; the old model keeps running and the property keeps its value. */
GST_START_TEST (test_bad_model)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  const gchar *bad[2] = { garbage_model, "/nonexistent/model.safetensors" };
  gsize n = f.rate / 4;
  float *x = make_signal (&f, n, 1.0f, 0.1f);
  GstBus *bus;
  GstElement *e = nonlive_new (&f, &bus, NULL);
  GByteArray *out;
  guint i;

  for (i = 0; i < 2; i++) {
    GstMessage *msg;
    GError *err = NULL;
    gchar *dbg = NULL, *path;

    out = nonlive_push (e, &f, x, n, NULL, 0, FALSE, i * n);
    g_byte_array_unref (out);
    g_object_set (e, "model", bad[i], NULL);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "no warning for %s", bad[i]);
    gst_message_parse_warning (msg, &err, &dbg);
    fail_unless (strstr (err->message, bad[i]) != NULL, "%s", err->message);
    fail_unless (dbg != NULL && dbg[0] != '\0');
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

    g_object_get (e, "model", &path, NULL);
    fail_unless_equals_string (path, model_for_rate (f.rate));
    g_free (path);
  }
  /* still running: everything in comes out */
  out = nonlive_push (e, &f, x, n, NULL, 0, TRUE, 2 * n);
  fail_unless_equals_uint64 (out->len, 3 * n * bpf_of (&f));
  g_byte_array_unref (out);

  nonlive_free (e, bus);
  g_free (x);
}

GST_END_TEST;

/* FLUSH_STOP and DISCONT reset: what follows equals a fresh element's
 * output (guards against stale history, FIFO contents or counters). */
static const Fmt reset_table[] = {
  {GST_AUDIO_FORMAT_F32, 48000, 1},
  {GST_AUDIO_FORMAT_S16, 44100, 2},
  {GST_AUDIO_FORMAT_F32, 11025, 1},
};

GST_START_TEST (test_flush)
{
  const Fmt *f = &reset_table[__i__];
  gsize n = f->rate / 2;
  float *a = make_signal (f, n, 1.0f, 0.3f), *b = make_signal (f, n, 1.0f,
      0.3f);
  GstHarness *h = live_new (f, NULL);
  GByteArray *out, *fresh;
  GstSegment seg;

  out = live_push (h, f, a, n, NULL, 0, FALSE, NULL);
  g_byte_array_unref (out);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  out = live_push (h, f, b, n, NULL, 0, TRUE, NULL);
  fresh = live_run (f, b, n, NULL, 0, TRUE);
  assert_bytes_equal (out, fresh, "after flush");

  g_byte_array_unref (out);
  g_byte_array_unref (fresh);
  gst_harness_teardown (h);
  g_free (a);
  g_free (b);
}

GST_END_TEST;

GST_START_TEST (test_discont)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 2 };
  gsize n = f.rate / 2;
  float *a = make_signal (&f, n, 1.0f, 0.3f), *b = make_signal (&f, n, 1.0f,
      0.3f);
  GstHarness *h = live_new (&f, NULL);
  GByteArray *out, *fresh;
  GstBuffer *buf;

  out = live_push (h, &f, a, n, NULL, 0, FALSE, NULL);
  g_byte_array_unref (out);
  buf = buffer_from_floats (&f, b, n, 0);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = g_byte_array_new ();
  pull_all (h, out, NULL);
  fresh = live_run (&f, b, n, NULL, 0, FALSE);
  assert_bytes_equal (out, fresh, "after DISCONT");

  g_byte_array_unref (out);
  g_byte_array_unref (fresh);
  gst_harness_teardown (h);
  g_free (a);
  g_free (b);
}

GST_END_TEST;

/* Not live, DISCONT: the delayed tail of the first part still comes out
 * (drained), then the second part starts aligned at its own timestamp. */
GST_START_TEST (test_discont_nonlive)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate / 2;
  float *a = make_signal (&f, n, 1.0f, 0.3f);
  GstElement *e = nonlive_new (&f, NULL, NULL);
  GstPad *srcpad = nonlive_srcpad (e);
  GstBuffer *buf;
  GList *l;
  gsize total = 0;
  GstClockTime second_ts = 10 * GST_SECOND;

  fail_unless_equals_int (gst_pad_push (srcpad, buffer_from_floats (&f, a,
              n, 0)), GST_FLOW_OK);
  buf = buffer_from_floats (&f, a, n, 0);
  GST_BUFFER_PTS (buf) = second_ts;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  fail_unless_equals_int (gst_pad_push (srcpad, buf), GST_FLOW_OK);
  fail_unless (gst_pad_push_event (srcpad, gst_event_new_eos ()));

  for (l = buffers; l; l = l->next) {
    GstBuffer *b = l->data;
    gsize frames = gst_buffer_get_size (b) / bpf_of (&f);

    if (total < n) {
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b),
          gst_util_uint64_scale_int (total, GST_SECOND, f.rate));
    } else {
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b), second_ts +
          gst_util_uint64_scale_int (total - n, GST_SECOND, f.rate));
    }
    if (total == n)
      fail_unless (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT));
    total += frames;
    fail_unless (total <= n || total - frames >= n, "a buffer straddles "
        "the DISCONT");
  }
  fail_unless_equals_uint64 (total, 2 * n);

  nonlive_free (e, NULL);
  g_free (a);
}

GST_END_TEST;

/* Caps change mid-stream: live, the new caps run like a fresh element;
 * not live, the old caps' tail is drained first, so every part keeps its
 * length. */
GST_START_TEST (test_caps_change)
{
  Fmt f1 = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  Fmt f2 = { GST_AUDIO_FORMAT_S16, 16000, 2 };
  gsize n1 = f1.rate / 2, n2 = f2.rate / 2;
  float *a = make_signal (&f1, n1, 1.0f, 0.3f);
  float *b = make_signal (&f2, n2, 1.0f, 0.3f);
  GstHarness *h = live_new (&f1, NULL);
  GByteArray *out, *fresh;
  GstElement *e;
  GstCaps *caps;
  gchar *s;
  gsize sizes[2] = { 0, 0 };
  GList *l;

  out = live_push (h, &f1, a, n1, NULL, 0, FALSE, NULL);
  fail_unless_equals_uint64 (out->len, n1 * bpf_of (&f1));
  g_byte_array_unref (out);
  s = caps_string (&f2);
  g_object_set (h->element, "model", model_for_rate (f2.rate), NULL);
  gst_harness_set_src_caps_str (h, s);
  out = live_push (h, &f2, b, n2, NULL, 0, FALSE, NULL);
  fresh = live_run (&f2, b, n2, NULL, 0, FALSE);
  assert_bytes_equal (out, fresh, "after caps change");
  g_byte_array_unref (out);
  g_byte_array_unref (fresh);
  gst_harness_teardown (h);

  e = nonlive_new (&f1, NULL, NULL);
  out = nonlive_push (e, &f1, a, n1, NULL, 0, FALSE, 0);
  g_byte_array_unref (out);
  caps = gst_caps_from_string (s);
  fail_unless (gst_pad_push_event (nonlive_srcpad (e),
          gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  out = nonlive_push (e, &f2, b, n2, NULL, 0, TRUE, 0);
  g_byte_array_unref (out);
  for (l = buffers; l; l = l->next) {
    GstBuffer *buf = l->data;

    /* the F32 mono part comes first and is 4 bytes a frame */
    if (sizes[0] < n1 * 4)
      sizes[0] += gst_buffer_get_size (buf);
    else
      sizes[1] += gst_buffer_get_size (buf);
  }
  fail_unless_equals_uint64 (sizes[0], n1 * bpf_of (&f1));
  fail_unless_equals_uint64 (sizes[1], n2 * bpf_of (&f2));
  nonlive_free (e, NULL);

  g_free (s);
  g_free (a);
  g_free (b);
}

GST_END_TEST;

/* GAP: input gaps go through as silence; an output keeps GAP exactly when
 * it is all zeros (guards against flagging the delayed tail of the sound
 * before the gap as GAP, which sinks would skip). */
GST_START_TEST (test_gap)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 1 };
  gsize n = f.rate / 2, sz = f.rate / 100, i, lat;
  float *x = make_signal (&f, n, 1.0f, 0.3f);
  float *zeros = g_new0 (float, sz);
  GstHarness *h = live_new (&f, NULL);
  GPtrArray *bufs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GByteArray *out;
  guint first_gap = 0;

  lat = (gsize) model_latency_frames (f.rate);
  out = live_push (h, &f, x, n, NULL, 0, FALSE, NULL);
  g_byte_array_unref (out);
  out = g_byte_array_new ();
  for (i = 0; i < 50; i++) {
    GstBuffer *buf = buffer_from_floats (&f, zeros, sz, n + i * sz);

    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    pull_all (h, out, bufs);
  }
  fail_unless_equals_int (bufs->len, 50);
  for (i = 0; i < bufs->len; i++) {
    GstBuffer *b = g_ptr_array_index (bufs, i);
    GstMapInfo map;
    gboolean zero = TRUE;
    gsize j;

    gst_buffer_map (b, &map, GST_MAP_READ);
    for (j = 0; j < map.size; j++)
      zero = zero && map.data[j] == 0;
    gst_buffer_unmap (b, &map);
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_GAP),
        zero);
    if (zero && !first_gap)
      first_gap = i + 1;
  }
  /* the first output of the gap carries the tail; silence follows within
   * a few latencies */
  fail_if (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (bufs, 0),
          GST_BUFFER_FLAG_GAP));
  fail_unless (first_gap > 0 && (first_gap - 1) * sz <= 4 * lat + sz,
      "first silent output %u", first_gap);

  g_ptr_array_unref (bufs);
  g_byte_array_unref (out);
  gst_harness_teardown (h);
  g_free (zeros);
  g_free (x);
}

GST_END_TEST;

/* Not live, timestamps from sample counts: output starts at the first
 * input timestamp, is contiguous, with offsets, and has the input's length
 * (guards against shifting the stream by the latency or passing input
 * timestamps through onto shorter buffers). */
GST_START_TEST (test_timestamps_nonlive)
{
  Fmt f = { GST_AUDIO_FORMAT_S16, rates[__i__], 2 };
  gsize n = f.rate, total = 0;
  float *x = make_signal (&f, n, 1.0f, 0.3f);
  GstElement *e = nonlive_new (&f, NULL, NULL);
  guint64 start = f.rate;       /* starts at 1 s */
  guint n_splits;
  gsize *splits = random_splits (n, &n_splits);
  GByteArray *out;
  GList *l;

  out = nonlive_push (e, &f, x, n, splits, n_splits, TRUE, start);
  fail_unless_equals_uint64 (out->len, n * bpf_of (&f));
  for (l = buffers; l; l = l->next) {
    GstBuffer *b = l->data;
    gsize frames = gst_buffer_get_size (b) / bpf_of (&f);
    GstClockTime ts = gst_util_uint64_scale_int (start + total, GST_SECOND,
        f.rate);

    fail_unless (frames > 0);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), ts);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
        gst_util_uint64_scale_int (start + total + frames, GST_SECOND,
            f.rate) - ts);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), start + total);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b),
        start + total + frames);
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (b,
            GST_BUFFER_FLAG_DISCONT), l == buffers);
    total += frames;
  }
  fail_unless_equals_uint64 (total, n);

  g_byte_array_unref (out);
  nonlive_free (e, NULL);
  g_free (splits);
  g_free (x);
}

GST_END_TEST;

/* Property changes from another thread while streaming (videoflip.c
 * test_stress_change_method): no crash, finite output, right length. */
static gboolean stress_done;

static gpointer
stress_thread (gpointer data)
{
  GstElement *e = data;
  GRand *r = g_rand_new_with_seed (seed + 1);
  guint i = 0;

  while (!g_atomic_int_get (&stress_done)) {
    switch (i++ % 8) {
      case 0:
        g_object_set (e, "mix", (gfloat) g_rand_double (r), NULL);
        break;
      case 1:
        g_object_set (e, "bypass", g_rand_boolean (r), NULL);
        break;
      case 2:
        g_object_set (e, "attenuation-limit",
            (gfloat) g_rand_double_range (r, 0, 100), "noise-floor",
            (gfloat) g_rand_double_range (r, 0, 100), "noise-smoothing",
            g_rand_int_range (r, -1, 10001), NULL);
        break;
      case 3:
        g_object_set (e, "vad-threshold", (gfloat) g_rand_double (r),
            "vad-hold", g_rand_int_range (r, 0, 1000), NULL);
        break;
      case 4:
        g_object_set (e, "post-messages", g_rand_boolean (r),
            "message-interval", (guint64) g_rand_int_range (r, 1, 200) *
            GST_MSECOND, NULL);
        break;
      case 5:
        if (g_rand_int_range (r, 0, 4) == 0)
          g_object_set (e, "model", g_rand_boolean (r) ? random_model[0] :
              model_for_rate (48000), NULL);
        break;
      default:
        g_usleep (100);
        break;
    }
  }
  g_rand_free (r);
  return NULL;
}

GST_START_TEST (test_stress_properties)
{
  Fmt f = { GST_AUDIO_FORMAT_F32, 48000, 2 };
  gsize sz = 480, n_out = 0, i, j;
  float *x = make_signal (&f, sz * 100, 1.0f, 0.3f);
  GstHarness *h = live_new (&f, NULL);
  GstBus *bus = gst_bus_new ();
  GThread *thread;
  gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  gst_element_set_bus (h->element, bus);
  stress_done = FALSE;
  thread = g_thread_new ("stress", stress_thread, h->element);
  for (i = 0; g_get_monotonic_time () < end; i++) {
    GstBuffer *out;
    GstMapInfo map;

    fail_unless_equals_int (gst_harness_push (h, buffer_from_floats (&f,
                x + (i % 100) * sz * 2, sz, i * sz)), GST_FLOW_OK);
    out = gst_harness_pull (h);
    gst_buffer_map (out, &map, GST_MAP_READ);
    fail_unless_equals_uint64 (map.size, sz * bpf_of (&f));
    for (j = 0; j < sz * 2; j++)
      fail_unless (isfinite (((float *) map.data)[j]));
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    n_out += sz;
    /* keep the bus from growing without bound */
    gst_bus_set_flushing (bus, TRUE);
    gst_bus_set_flushing (bus, FALSE);
  }
  g_atomic_int_set (&stress_done, TRUE);
  g_thread_join (thread);
  fail_unless (n_out > 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (x);
}

GST_END_TEST;

/* The element's own default: both embedded models load and run. */
GST_START_TEST (test_default_models)
{
  guint r;

  for (r = 0; r < 2; r++) {
    guint rate = r ? 48000 : 16000;
    GError *err = NULL;
    AeModel *m = ae_model_new_default_audio (rate, &err);
    Fmt f = { GST_AUDIO_FORMAT_F32, rate, 1 };
    GstHarness *h;
    GByteArray *out;
    gchar *caps;
    float *x;

    fail_unless (m != NULL, "%s", err ? err->message : "");
    fail_unless_equals_int (ae_model_get_sample_rate (m), rate);
    ae_model_unref (m);

    h = gst_harness_new ("aedenoise");
    caps = caps_string (&f);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    x = make_signal (&f, rate / 4, 1.0f, 0.1f);
    out = live_push (h, &f, x, rate / 4, NULL, 0, FALSE, NULL);
    fail_unless_equals_uint64 (out->len, rate / 4 * 4);
    g_byte_array_unref (out);
    gst_harness_teardown (h);
    g_free (x);
  }
}

GST_END_TEST;

static void
remove_tmp_dir (void)
{
  GDir *dir = g_dir_open (tmp_dir, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *path = g_build_filename (tmp_dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (tmp_dir);
}

static Suite *
aedenoise_suite (void)
{
  Suite *s = suite_create ("aedenoise");
  TCase *tc = tcase_create ("general");

  fill_caps_table ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_caps_table, 0, G_N_ELEMENTS (caps_table));
  tcase_add_loop_test (tc, test_split_identity, 0,
      G_N_ELEMENTS (split_table));
  tcase_add_loop_test (tc, test_alignment_nonlive, 0,
      G_N_ELEMENTS (align_table));
  tcase_add_test (tc, test_file_pipeline);
  tcase_add_loop_test (tc, test_latency_query, 0, G_N_ELEMENTS (rates));
  tcase_add_loop_test (tc, test_mix_zero, 0, G_N_ELEMENTS (dry_table));
  tcase_add_loop_test (tc, test_bypass, 0, G_N_ELEMENTS (dry_table));
  tcase_add_test (tc, test_controller);
  tcase_add_test (tc, test_attenuation_limit);
  tcase_add_test (tc, test_noise_floor);
  tcase_add_test (tc, test_noise_smoothing);
  tcase_add_test (tc, test_vad_gate);
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_messages_snr);
  tcase_add_test (tc, test_model_file);
  tcase_add_test (tc, test_bad_model);
  tcase_add_loop_test (tc, test_flush, 0, G_N_ELEMENTS (reset_table));
  tcase_add_test (tc, test_discont);
  tcase_add_test (tc, test_discont_nonlive);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_gap);
  tcase_add_loop_test (tc, test_timestamps_nonlive, 0, G_N_ELEMENTS (rates));
  tcase_add_test (tc, test_stress_properties);
  tcase_add_test (tc, test_default_models);
  return s;
}

int
main (int argc, char **argv)
{
  GError *err = NULL;
  AeModel *m16, *m48;
  gchar *cmd;
  int i, ret;

  /* --seed N is ours: take it out before GStreamer parses the rest */
  seed = (guint32) g_get_real_time ();
  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = (guint32) g_ascii_strtoull (argv[i + 1], NULL, 10);
      memmove (&argv[i], &argv[i + 2], (argc - i - 1) * sizeof (char *));
      argc -= 2;
      i--;
    }
  }
  g_print ("seed %u (replay with --seed %u)\n", seed, seed);
  rng = g_rand_new_with_seed (seed);

  gst_check_init (&argc, &argv);

  tmp_dir = g_dir_make_tmp ("test-aedenoise-XXXXXX", &err);
  g_assert_no_error (err);

  m16 = ae_model_new_default_audio (16000, NULL);
  m48 = ae_model_new_default_audio (48000, NULL);
  have_defaults = m16 && m48;
  if (m16)
    ae_model_unref (m16);
  if (m48)
    ae_model_unref (m48);
  if (!have_defaults)
    g_print ("no embedded models in this build: the tests run on random "
        "models, and test_default_models fails\n");
  random_model[0] = write_model ("random-16k.safetensors", 16000, FALSE, 0,
      0);
  random_model[1] = write_model ("random-48k.safetensors", 48000, FALSE, 0,
      0);
  attenuator_model = write_model ("attenuator-48k.safetensors", 48000, TRUE,
      -30.0f, -30.0f);
  neutral_model = write_model ("neutral-48k.safetensors", 48000, TRUE,
      30.0f, -30.0f);
  splitter_model = write_model ("splitter-48k.safetensors", 48000, TRUE,
      0.0f, 30.0f);
  garbage_model = g_build_filename (tmp_dir, "garbage.safetensors", NULL);
  g_file_set_contents (garbage_model,
      "\x10\x00\x00\x00\x00\x00\x00\x00{not json at all", -1, &err);
  g_assert_no_error (err);

  have_tools = g_find_program_in_path ("espeak-ng") != NULL
      && g_find_program_in_path ("sox") != NULL;
  cmd = g_strdup_printf ("espeak-ng -w %s/speech.wav \"Noise is what the "
      "network takes away, and speech is what it leaves behind. One, two, "
      "three, four, five.\"", tmp_dir);
  if (have_tools && !run_tool (cmd))
    have_tools = FALSE;
  g_free (cmd);
  if (!have_tools)
    g_print ("espeak-ng or sox missing: synthetic speech and noise\n");

  ret = gst_check_run_suite (aedenoise_suite (), "aedenoise", __FILE__);

  remove_tmp_dir ();
  if (ret != 0)
    g_print ("failed with seed %u (replay with --seed %u)\n", seed, seed);
  return ret;
}
