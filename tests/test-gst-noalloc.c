/* test-gst-noalloc.c: aedenoise's hot path never allocates.
 *
 * This executable defines malloc, calloc, realloc, free and the aligned
 * variants itself, forwarding to glibc's __libc_* entry points; ELF symbol
 * interposition makes every library in the process, the plugin and GLib
 * included, call them.  A thread-local flag counts the calls made by this
 * thread between two points.  GSlice is switched to plain malloc so that
 * it cannot hide allocations in its magazines.
 *
 * After a warm-up through GstHarness (live: in place) or gst-check pads
 * (not live), the element's transform_ip / transform vfunc is called
 * directly on preallocated buffers of changing sizes, with property
 * changes in between, and must make no allocation.  The harness itself
 * allocates, which is why it is kept out of the counted window.  Not here:
 * post-messages (a message is an allocation by design, documented), model
 * loads and caps changes (setup, off the hot path).
 *
 * Sanitizer builds replace malloc themselves; there the test is skipped.
 */
#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/base/gstbasetransform.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "ae.h"
#include "test-gst-util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SKIP_TEST 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SKIP_TEST 1
#endif
#endif

#ifndef SKIP_TEST

#define EXPORT __attribute__ ((visibility ("default")))

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);
extern void *__libc_memalign (size_t alignment, size_t size);
extern void __libc_free (void *ptr);

static __thread int counting;
static __thread int n_allocs;
static __thread int n_frees;

EXPORT void *
malloc (size_t size)
{
  n_allocs += counting;
  return __libc_malloc (size);
}

EXPORT void *
calloc (size_t n, size_t size)
{
  n_allocs += counting;
  return __libc_calloc (n, size);
}

EXPORT void *
realloc (void *ptr, size_t size)
{
  n_allocs += counting;
  return __libc_realloc (ptr, size);
}

EXPORT void
free (void *ptr)
{
  n_frees += counting && ptr;
  __libc_free (ptr);
}

EXPORT void *
memalign (size_t alignment, size_t size)
{
  n_allocs += counting;
  return __libc_memalign (alignment, size);
}

EXPORT void *
aligned_alloc (size_t alignment, size_t size)
{
  n_allocs += counting;
  return __libc_memalign (alignment, size);
}

EXPORT int
posix_memalign (void **ptr, size_t alignment, size_t size)
{
  n_allocs += counting;
  *ptr = __libc_memalign (alignment, size);
  return *ptr ? 0 : ENOMEM;
}

static gchar *tmp_dir;
static gchar *models[2];        /* 16 and 48 kHz, when not embedded */

typedef struct
{
  const gchar *format;
  guint rate;
  guint channels;
  guint bps;
} Fmt;

static const Fmt fmts[] = {
  {"F32LE", 48000, 1, 4},
  {"S16LE", 16000, 2, 2},
  {"F32LE", 44100, 2, 4},
  {"S16LE", 11025, 1, 2},
  {"F32LE", 8000, 8, 4},
};

/* sizes in frames: tiny, odd, one hop, a chunk, more than a chunk, large */
static const gsize sizes[] = { 1, 7, 480, 1024, 1500, 4096, 333 };

#define MAX_FRAMES 4096

static const gchar *
model_for_rate (guint rate)
{
  return models[rate <= 16000 ? 0 : 1] ? models[rate <= 16000 ? 0 : 1] : "";
}

static gchar *
caps_string (const Fmt * f)
{
  return g_strdup_printf ("audio/x-raw, format=%s, layout=interleaved, "
      "rate=%u, channels=%u%s", f->format, f->rate, f->channels,
      f->channels > 2 ? ", channel-mask=(bitmask)0x0" : "");
}

static void
fill (GstBuffer * buf, guint i)
{
  GstMapInfo map;
  gsize j;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (j = 0; j < map.size; j++)
    map.data[j] = (guint8) (j * 31 + i * 7);
  gst_buffer_unmap (buf, &map);
}

/* Property changes between calls, so that applying settings is counted. */
static void
change_properties (GstElement * e, guint i)
{
  g_object_set (e, "mix", (i % 3) / 2.0f, "bypass", i % 5 == 0,
      "attenuation-limit", (gfloat) (i % 4) * 10.0f,
      "noise-floor", (gfloat) (i % 3) * 20.0f,
      "noise-smoothing", (gint) (i % 3) * 500 - 1,
      "vad-threshold", (i % 2) * 0.5f, "vad-hold", i % 300, NULL);
}

GST_START_TEST (test_live_no_alloc)
{
  const Fmt *f = &fmts[__i__];
  guint bpf = f->bps * f->channels, i;
  GstHarness *h = gst_harness_new ("aedenoise");
  GstBaseTransform *trans = GST_BASE_TRANSFORM (h->element);
  GstBaseTransformClass *klass = GST_BASE_TRANSFORM_GET_CLASS (trans);
  GstBuffer *buf;
  gchar *caps = caps_string (f);

  g_object_set (h->element, "model", model_for_rate (f->rate), NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  for (i = 0; i < 20; i++)
    gst_harness_push_and_pull (h, gst_harness_create_buffer (h,
            sizes[i % G_N_ELEMENTS (sizes)] * bpf));
  fail_unless (gst_base_transform_is_in_place (trans));

  buf = gst_buffer_new_allocate (NULL, MAX_FRAMES * bpf, NULL);
  for (i = 0; i < 100; i++) {
    GstFlowReturn ret;
    int allocs, frees;

    change_properties (h->element, i);
    gst_buffer_set_size (buf, sizes[i % G_N_ELEMENTS (sizes)] * bpf);
    fill (buf, i);
    if (i % 11 == 3)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
    else
      GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_GAP);
    GST_BUFFER_PTS (buf) = i * GST_MSECOND;

    n_allocs = n_frees = 0;
    counting = 1;
    ret = klass->transform_ip (trans, buf);
    counting = 0;
    allocs = n_allocs;
    frees = n_frees;

    fail_unless_equals_int (ret, GST_FLOW_OK);
    fail_unless (allocs == 0 && frees == 0, "%s %u Hz x %u, call %u "
        "(%" G_GSIZE_FORMAT " frames): %d allocations, %d frees", f->format,
        f->rate, f->channels, i, gst_buffer_get_size (buf) / bpf, allocs,
        frees);
  }
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstStaticPadTemplate sinktemplate = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate srctemplate = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));

GST_START_TEST (test_nonlive_no_alloc)
{
  const Fmt *f = &fmts[__i__];
  guint bpf = f->bps * f->channels, i;
  GstElement *e = gst_check_setup_element ("aedenoise");
  GstBaseTransform *trans = GST_BASE_TRANSFORM (e);
  GstBaseTransformClass *klass = GST_BASE_TRANSFORM_GET_CLASS (trans);
  GstPad *srcpad, *sinkpad;
  GstBuffer *in, *out;
  GstCaps *caps;
  gchar *s = caps_string (f);
  guint64 pts = 0;

  g_object_set (e, "model", model_for_rate (f->rate), NULL);
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
  for (i = 0; i < 20; i++) {
    gsize n = sizes[i % G_N_ELEMENTS (sizes)];

    in = gst_buffer_new_allocate (NULL, n * bpf, NULL);
    fill (in, i);
    GST_BUFFER_PTS (in) = gst_util_uint64_scale_int (pts, GST_SECOND,
        f->rate);
    pts += n;
    fail_unless_equals_int (gst_pad_push (srcpad, in), GST_FLOW_OK);
  }
  fail_if (gst_base_transform_is_in_place (trans));

  in = gst_buffer_new_allocate (NULL, MAX_FRAMES * bpf, NULL);
  out = gst_buffer_new_allocate (NULL, 2 * MAX_FRAMES * bpf, NULL);
  for (i = 0; i < 100; i++) {
    gsize n = sizes[i % G_N_ELEMENTS (sizes)];
    GstFlowReturn ret;
    int allocs, frees;

    change_properties (e, i);
    gst_buffer_set_size (in, n * bpf);
    gst_buffer_set_size (out, 2 * MAX_FRAMES * bpf);
    fill (in, i);
    GST_BUFFER_PTS (in) = gst_util_uint64_scale_int (pts, GST_SECOND,
        f->rate);
    pts += n;

    n_allocs = n_frees = 0;
    counting = 1;
    ret = klass->transform (trans, in, out);
    counting = 0;
    allocs = n_allocs;
    frees = n_frees;

    fail_unless (ret == GST_FLOW_OK || ret == GST_BASE_TRANSFORM_FLOW_DROPPED);
    fail_unless (allocs == 0 && frees == 0, "%s %u Hz x %u, call %u "
        "(%" G_GSIZE_FORMAT " frames): %d allocations, %d frees", f->format,
        f->rate, f->channels, i, n, allocs, frees);
  }
  gst_buffer_unref (in);
  gst_buffer_unref (out);

  gst_element_set_state (e, GST_STATE_NULL);
  gst_check_drop_buffers ();
  gst_check_teardown_src_pad (e);
  gst_check_teardown_sink_pad (e);
  gst_check_teardown_element (e);
}

GST_END_TEST;

/* The counter itself works: a g_malloc in the window is seen. */
GST_START_TEST (test_counter_sees_malloc)
{
  gpointer p;
  int allocs;

  n_allocs = 0;
  counting = 1;
  p = g_malloc (100);
  counting = 0;
  allocs = n_allocs;
  g_free (p);
  fail_unless_equals_int (allocs, 1);
}

GST_END_TEST;

static Suite *
noalloc_suite (void)
{
  Suite *s = suite_create ("gst-noalloc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_counter_sees_malloc);
  tcase_add_loop_test (tc, test_live_no_alloc, 0, G_N_ELEMENTS (fmts));
  tcase_add_loop_test (tc, test_nonlive_no_alloc, 0, G_N_ELEMENTS (fmts));
  return s;
}

static void
remove_tmp_dir (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (models); i++)
    if (models[i])
      g_unlink (models[i]);
  g_rmdir (tmp_dir);
}

int
main (int argc, char **argv)
{
  GError *err = NULL;
  AeModel *m16, *m48;
  int ret;

  /* before anything touches GSlice */
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  gst_check_init (&argc, &argv);

  tmp_dir = g_dir_make_tmp ("test-gst-noalloc-XXXXXX", &err);
  g_assert_no_error (err);
  m16 = ae_model_new_default_audio (16000, NULL);
  m48 = ae_model_new_default_audio (48000, NULL);
  if (!m16 || !m48) {
    models[0] = ae_test_write_model (tmp_dir, "random-16k.safetensors",
        16000, 1, FALSE, 0, 0, &err);
    g_assert_no_error (err);
    models[1] = ae_test_write_model (tmp_dir, "random-48k.safetensors",
        48000, 2, FALSE, 0, 0, &err);
    g_assert_no_error (err);
  }
  if (m16)
    ae_model_unref (m16);
  if (m48)
    ae_model_unref (m48);

  ret = gst_check_run_suite (noalloc_suite (), "gst-noalloc", __FILE__);
  remove_tmp_dir ();
  return ret;
}

#else /* SKIP_TEST */

int
main (int argc, char **argv)
{
  g_print ("sanitizer build: malloc cannot be interposed; skipped\n");
  return 77;
}

#endif /* SKIP_TEST */
