/* audio-data.c: decode, downmix to channel 0, resample, split.
 *
 * Files are found first and sorted, the split is decided on paths, and
 * only then are the chosen files decoded, by a few worker threads that
 * each take the next file index.  Every result lands in the slot of its
 * index, so the set does not depend on the thread count or the order in
 * which the folder is listed.
 *
 * Resampling uses GstAudioResampler (Kaiser windowed sinc, quality 6:
 * about 100 dB stop-band attenuation, 750x real time for 44.1 -> 48 kHz
 * on one core).  The resampler's output is already time-aligned (output
 * sample 0 is input time 0); it only needs max_latency input samples of
 * look-ahead, so each file is padded with that many zeros and the output
 * is cut to round (n_in * rate / in_rate) samples.
 */
#include "audio-data.h"

#include "ae.h"
#include "rng.h"
#include "tensor.h"

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <sndfile.h>

#include <math.h>
#include <string.h>

#define RESAMPLER_QUALITY 6
#define READ_CHUNK_FRAMES 16384
#define MAX_DEPTH 32
#define MAX_RATE 768000
/* Longer files are refused (3 hours is 2 GB of floats at 48 kHz), and a
 * header's frame count, which a broken file can inflate, only sizes the
 * first allocation up to INITIAL_FRAMES_MAX (64 MB). */
#define MAX_SECONDS (3 * 3600)
#define INITIAL_FRAMES_MAX ((gsize) 1 << 24)

static const char *const audio_extensions[] = {
  ".wav", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", NULL
};

void
ae_load_options_init (AeLoadOptions * options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof (*options));
  options->rate = 48000;
  options->part = AE_SPLIT_ALL;
  options->heldout_fraction = 0.1;
  options->n_threads = 2;
}

char **
ae_heldout_list_read (const char *path, GError ** error)
{
  GPtrArray *out;
  char *contents = NULL;
  char **lines;
  GError *local_error = NULL;
  guint i;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, NULL, &local_error)) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO,
        "held-out list %s: %s", path, local_error->message);
    g_error_free (local_error);
    return NULL;
  }

  out = g_ptr_array_new ();
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    char *line = g_strstrip (lines[i]);

    if (line[0] == '\0' || line[0] == '#')
      continue;
    g_ptr_array_add (out, g_strdup (line));
  }
  g_ptr_array_add (out, NULL);
  g_strfreev (lines);
  g_free (contents);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
ae_heldout_match (const char *const *heldout, const char *path)
{
  guint i;

  g_return_val_if_fail (path != NULL, FALSE);

  if (heldout == NULL)
    return FALSE;
  for (i = 0; heldout[i] != NULL; i++) {
    const char *fragment = heldout[i];
    const char *p = path;

    /* "/" + fragment, without building the string: find each '/' and
     * compare what follows it. */
    if (fragment[0] == '\0')
      continue;
    while ((p = strchr (p, '/')) != NULL) {
      p++;
      if (g_str_has_prefix (p, fragment))
        return TRUE;
    }
  }
  return FALSE;
}

/* --- finding files --- */

static gboolean
is_audio_name (const char *name)
{
  char *lower = g_ascii_strdown (name, -1);
  gboolean found = FALSE;
  guint i;

  for (i = 0; audio_extensions[i] != NULL && !found; i++)
    found = g_str_has_suffix (lower, audio_extensions[i]);
  g_free (lower);
  return found;
}

/* Appends the audio files under @dir to @files; folders that cannot be
 * listed go to @unlisted as "PATH: reason". */
static void
collect_files (const char *dir, guint depth, GPtrArray * files,
    GPtrArray * unlisted)
{
  GDir *d;
  const char *name;
  GError *local_error = NULL;

  if (depth > MAX_DEPTH) {
    g_ptr_array_add (unlisted, g_strdup_printf ("%s: folders nested deeper "
            "than %d levels", dir, MAX_DEPTH));
    return;
  }
  d = g_dir_open (dir, 0, &local_error);
  if (d == NULL) {
    g_ptr_array_add (unlisted, g_strdup_printf ("%s: %s", dir,
            local_error->message));
    g_error_free (local_error);
    return;
  }
  while ((name = g_dir_read_name (d)) != NULL) {
    char *path;

    if (name[0] == '.')
      continue;
    path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      collect_files (path, depth + 1, files, unlisted);
      g_free (path);
    } else if (is_audio_name (name)
        && g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      g_ptr_array_add (files, path);
    } else {
      g_free (path);
    }
  }
  g_dir_close (d);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Keeps the files of @files (sorted) on the requested side of the seeded
 * group split: round (fraction * n_groups) whole folders, at least one,
 * are held out. */
static void
split_by_group (GPtrArray * files, const AeLoadOptions * options)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func (g_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *held;
  AeRng rng;
  guint n_held, i;

  /* A folder's files need not be adjacent in path order ("a/b/c/x" sorts
   * between "a/b/a" and "a/b/d"), hence the hash table. */
  for (i = 0; i < files->len; i++) {
    char *group = g_path_get_dirname (g_ptr_array_index (files, i));

    if (g_hash_table_contains (seen, group)) {
      g_free (group);
    } else {
      g_hash_table_add (seen, group);
      g_ptr_array_add (groups, group);
    }
  }
  g_hash_table_unref (seen);
  g_ptr_array_sort (groups, compare_strings);

  n_held = (guint) floor (options->heldout_fraction * groups->len + 0.5);
  n_held = CLAMP (n_held, 1, groups->len);

  /* Partial Fisher-Yates: the first n_held entries are the draw. */
  ae_rng_init (&rng, options->split_seed);
  held = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < n_held; i++) {
    guint j = i + (guint) ae_rng_below (&rng, groups->len - i);
    gpointer tmp = groups->pdata[i];

    groups->pdata[i] = groups->pdata[j];
    groups->pdata[j] = tmp;
    g_hash_table_add (held, groups->pdata[i]);
  }

  for (i = 0; i < files->len;) {
    char *group = g_path_get_dirname (g_ptr_array_index (files, i));
    gboolean is_held = g_hash_table_contains (held, group);

    g_free (group);
    if (is_held != (options->part == AE_SPLIT_HELDOUT))
      g_ptr_array_remove_index (files, i);      /* keeps the order */
    else
      i++;
  }
  g_hash_table_unref (held);
  g_ptr_array_unref (groups);
}

/* --- decoding --- */

typedef struct
{
  float *samples;               /* aligned; NULL when skipped */
  gsize n_samples;
  char *skip_reason;            /* "PATH: reason" when skipped */
  gboolean too_short;
} FileResult;

typedef struct
{
  const char *const *paths;
  FileResult *results;
  guint n_files;
  guint rate;
  double min_seconds;
  gint next;                    /* atomic: next file index to take */
  GMutex sf_open_lock;          /* sf_open reports errors through a global */
} DecodeJob;

/* Reads channel 0 of @sf into a new buffer with @pad_frames zeros of room
 * after the samples.  Returns NULL with @reason set on a decode error. */
static float *
read_channel0 (SNDFILE * sf, const SF_INFO * info, gsize pad_frames,
    gsize * n_frames_out, char **reason)
{
  gsize capacity, n = 0;
  gsize max_frames = (gsize) info->samplerate * MAX_SECONDS;
  float *mono, *chunk;
  int channels = info->channels;

  capacity = info->frames > 0 ? MIN ((gsize) info->frames,
      INITIAL_FRAMES_MAX) : 65536;
  mono = g_new (float, capacity + pad_frames);
  chunk = g_new (float, (gsize) READ_CHUNK_FRAMES * channels);
  for (;;) {
    sf_count_t got = sf_readf_float (sf, chunk, READ_CHUNK_FRAMES);
    sf_count_t i;

    if (got <= 0)
      break;
    if (n + got > max_frames) {
      *reason = g_strdup_printf ("longer than %d hours", MAX_SECONDS / 3600);
      goto fail;
    }
    if (n + got > capacity) {
      capacity = MAX (capacity * 2, n + got);
      mono = g_renew (float, mono, capacity + pad_frames);
    }
    for (i = 0; i < got; i++)
      mono[n + i] = chunk[i * channels];
    n += got;
  }
  if (sf_error (sf) != SF_ERR_NO_ERROR) {
    *reason = g_strdup_printf ("decode error after %" G_GSIZE_FORMAT
        " frames: %s", n, sf_strerror (sf));
    goto fail;
  }
  g_free (chunk);
  memset (mono + n, 0, pad_frames * sizeof (float));
  *n_frames_out = n;
  return mono;

fail:
  g_free (chunk);
  g_free (mono);
  return NULL;
}

/* A new resampler for every file: gst_audio_resampler_reset () does not
 * return it to its initial state (the output differs from a fresh one's,
 * and with it the set would depend on which thread decoded what), and
 * making one costs only 0.1-1 ms. */
static GstAudioResampler *
new_resampler (int in_rate, int out_rate)
{
  GstStructure *options;
  GstAudioResampler *r;

  options = gst_structure_new_empty ("ae-resampler");
  gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      RESAMPLER_QUALITY, in_rate, out_rate, options);
  r = gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_F32, 1, in_rate,
      out_rate, options);
  gst_structure_free (options);
  return r;
}

static void
decode_one (DecodeJob * job, guint index)
{
  const char *path = job->paths[index];
  FileResult *res = &job->results[index];
  SF_INFO info;
  SNDFILE *sf;
  float *mono = NULL, *out;
  gsize n_in = 0, n_want, n_avail, pad = 0;
  char *reason = NULL;
  GstAudioResampler *r = NULL;

  memset (&info, 0, sizeof (info));
  g_mutex_lock (&job->sf_open_lock);
  sf = sf_open (path, SFM_READ, &info);
  if (sf == NULL)
    reason = g_strdup_printf ("libsndfile cannot open it: %s",
        sf_strerror (NULL));
  g_mutex_unlock (&job->sf_open_lock);
  if (sf == NULL)
    goto skip;

  if (info.channels < 1 || info.samplerate < 1 || info.samplerate > MAX_RATE) {
    reason = g_strdup_printf ("implausible header: %d channels at %d Hz",
        info.channels, info.samplerate);
    goto skip;
  }
  if ((guint) info.samplerate != job->rate) {
    r = new_resampler (info.samplerate, job->rate);
    if (r == NULL) {
      reason = g_strdup_printf ("no resampler from %d Hz to %u Hz",
          info.samplerate, job->rate);
      goto skip;
    }
    /* max_latency input samples of look-ahead, and a few more so the
     * rounding of n_want below never runs past what is available. */
    pad = gst_audio_resampler_get_max_latency (r) + 8;
  }

  mono = read_channel0 (sf, &info, pad, &n_in, &reason);
  if (mono == NULL)
    goto skip;
  if (n_in == 0) {
    reason = g_strdup ("no samples");
    goto skip;
  }
  if (!ae_all_finite (mono, n_in)) {
    reason = g_strdup ("decoded samples include NaN or Inf");
    goto skip;
  }

  if (r == NULL) {
    n_want = n_in;
    out = ae_alloc_floats (n_want);
    if (out != NULL)
      memcpy (out, mono, n_in * sizeof (float));
  } else {
    gpointer in_planes[1], out_planes[1];

    n_want = (gsize) (((guint64) n_in * job->rate +
            (guint64) info.samplerate / 2) / (guint64) info.samplerate);
    n_avail = gst_audio_resampler_get_out_frames (r, n_in + pad);
    out = ae_alloc_floats (MAX (n_avail, n_want));
    if (out != NULL) {
      in_planes[0] = mono;
      out_planes[0] = out;
      gst_audio_resampler_resample (r, in_planes, n_in + pad, out_planes,
          n_avail);
    }
  }
  if (out == NULL) {
    reason = g_strdup_printf ("out of memory for %" G_GSIZE_FORMAT
        " samples", n_want);
    goto skip;
  }

  if (n_want < job->min_seconds * job->rate) {
    reason = g_strdup_printf ("%.3f s long, shorter than the %.3f s minimum",
        (double) n_want / job->rate, job->min_seconds);
    res->too_short = TRUE;
    ae_free (out);
    goto skip;
  }

  res->samples = out;
  res->n_samples = n_want;
  g_free (mono);
  sf_close (sf);
  if (r != NULL)
    gst_audio_resampler_free (r);
  return;

skip:
  res->skip_reason = g_strdup_printf ("%s: %s", path, reason);
  g_free (reason);
  g_free (mono);
  if (sf != NULL)
    sf_close (sf);
  if (r != NULL)
    gst_audio_resampler_free (r);
}

static gpointer
decode_worker (gpointer user_data)
{
  DecodeJob *job = user_data;
  gint index;

  while ((index = g_atomic_int_add (&job->next, 1)) < (gint) job->n_files)
    decode_one (job, (guint) index);
  return NULL;
}

static void
decode_files (DecodeJob * job, guint n_threads)
{
  GThread **threads;
  guint i;

  n_threads = CLAMP (n_threads, 1, MAX (job->n_files, 1));
  if (n_threads == 1) {
    decode_worker (job);
    return;
  }
  threads = g_new (GThread *, n_threads - 1);
  for (i = 0; i + 1 < n_threads; i++)
    threads[i] = g_thread_new ("ae-decode", decode_worker, job);
  decode_worker (job);
  for (i = 0; i + 1 < n_threads; i++)
    g_thread_join (threads[i]);
  g_free (threads);
}

/* --- the set --- */

typedef struct
{
  guint index;                  /* into the sorted file list */
  const char *path;             /* borrowed from it */
  char *group;
} OrderEntry;

static gint
compare_order (gconstpointer a, gconstpointer b)
{
  const OrderEntry *ea = a, *eb = b;
  int c = strcmp (ea->group, eb->group);

  return c != 0 ? c : strcmp (ea->path, eb->path);
}

static const char *
part_name (AeSplitPart part)
{
  switch (part) {
    case AE_SPLIT_ALL:
      return "whole";
    case AE_SPLIT_TRAIN:
      return "training";
    case AE_SPLIT_HELDOUT:
      return "held-out";
  }
  return "unknown";
}

AeClipSet *
ae_clip_set_load (const char *dir, const AeLoadOptions * options,
    GPtrArray * skipped, GError ** error)
{
  AeLoadOptions defaults;
  AeClipSet *set = NULL;
  GPtrArray *files = NULL, *unlisted = NULL;
  DecodeJob job;
  GArray *order;
  char *root = NULL, *first_reason = NULL;
  guint n_audio, i, n_ok;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (gst_is_initialized (), NULL);

  if (options == NULL) {
    ae_load_options_init (&defaults);
    options = &defaults;
  }
  g_return_val_if_fail (options->rate > 0 && options->rate <= MAX_RATE, NULL);

  root = g_canonicalize_filename (dir, NULL);
  if (!g_file_test (root, G_FILE_TEST_EXISTS)) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO,
        "audio folder %s does not exist", root);
    goto out;
  }
  if (!g_file_test (root, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO,
        "audio folder %s is not a folder", root);
    goto out;
  }

  files = g_ptr_array_new_with_free_func (g_free);
  unlisted = g_ptr_array_new_with_free_func (g_free);
  collect_files (root, 0, files, unlisted);
  if (skipped != NULL) {
    for (i = 0; i < unlisted->len; i++)
      g_ptr_array_add (skipped, g_strdup (g_ptr_array_index (unlisted, i)));
  }
  n_audio = files->len;
  if (n_audio == 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "audio folder %s holds no audio files (.wav, .flac, .ogg)%s%s",
        root, unlisted->len ? "; could not list " : "",
        unlisted->len ? (char *) g_ptr_array_index (unlisted, 0) : "");
    goto out;
  }
  g_ptr_array_sort (files, compare_strings);

  if (options->part != AE_SPLIT_ALL) {
    if (options->heldout != NULL) {
      for (i = 0; i < files->len;) {
        gboolean held = ae_heldout_match (options->heldout,
            g_ptr_array_index (files, i));

        if (held != (options->part == AE_SPLIT_HELDOUT))
          g_ptr_array_remove_index (files, i);
        else
          i++;
      }
    } else {
      split_by_group (files, options);
    }
    if (files->len == 0) {
      g_set_error (error, AE_ERROR, AE_ERROR_DATA,
          "audio folder %s: the %s side of the held-out split is empty "
          "(%u audio files in all, split by %s)", root,
          part_name (options->part), n_audio,
          options->heldout ? "the held-out list" : "a seeded folder draw");
      goto out;
    }
  }

  memset (&job, 0, sizeof (job));
  job.paths = (const char *const *) files->pdata;
  job.n_files = files->len;
  job.results = g_new0 (FileResult, files->len);
  job.rate = options->rate;
  job.min_seconds = options->min_seconds;
  g_mutex_init (&job.sf_open_lock);
  decode_files (&job, options->n_threads ? options->n_threads : 2);
  g_mutex_clear (&job.sf_open_lock);

  /* Sort what decoded by (folder, path), so each group is one run. */
  order = g_array_new (FALSE, FALSE, sizeof (OrderEntry));
  for (i = 0; i < files->len; i++) {
    FileResult *res = &job.results[i];
    OrderEntry e;

    if (res->samples == NULL)
      continue;
    e.index = i;
    e.path = g_ptr_array_index (files, i);
    e.group = g_path_get_dirname (e.path);
    g_array_append_val (order, e);
  }
  g_array_sort (order, compare_order);

  set = g_new0 (AeClipSet, 1);
  set->rate = options->rate;
  set->clips = g_new0 (AeClip, MAX (order->len, 1));
  set->group_offsets = g_new0 (guint, order->len + 1);
  for (i = 0; i < files->len; i++) {
    FileResult *res = &job.results[i];

    if (res->samples != NULL)
      continue;
    if (res->too_short)
      set->n_skipped_short++;
    else
      set->n_skipped_unreadable++;
    if (first_reason == NULL)
      first_reason = g_strdup (res->skip_reason);
    if (skipped != NULL)
      g_ptr_array_add (skipped, res->skip_reason);
    else
      g_free (res->skip_reason);
  }
  for (i = 0; i < order->len; i++) {
    OrderEntry *e = &g_array_index (order, OrderEntry, i);
    FileResult *res = &job.results[e->index];
    AeClip *clip = &set->clips[i];

    clip->path = g_strdup (e->path);
    clip->group = e->group;     /* takes it */
    clip->samples = res->samples;
    clip->n_samples = res->n_samples;
    if (i == 0 || strcmp (clip->group, set->clips[i - 1].group) != 0)
      set->group_offsets[set->n_groups++] = i;
    clip->group_index = set->n_groups - 1;
    set->total_seconds += (double) res->n_samples / options->rate;
  }
  set->n_clips = n_ok = order->len;
  set->group_offsets[set->n_groups] = n_ok;
  g_array_unref (order);
  g_free (job.results);

  if (n_ok == 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "audio folder %s: none of its %u audio files is usable "
        "(%u unreadable, %u shorter than %.3f s; first: %s)", root,
        files->len, set->n_skipped_unreadable, set->n_skipped_short,
        options->min_seconds, first_reason);
    ae_clip_set_free (set);
    set = NULL;
  }

out:
  if (files != NULL)
    g_ptr_array_unref (files);
  if (unlisted != NULL)
    g_ptr_array_unref (unlisted);
  g_free (root);
  g_free (first_reason);
  return set;
}

void
ae_clip_set_free (AeClipSet * set)
{
  guint i;

  if (set == NULL)
    return;
  for (i = 0; i < set->n_clips; i++) {
    g_free (set->clips[i].path);
    g_free (set->clips[i].group);
    ae_free (set->clips[i].samples);
  }
  g_free (set->clips);
  g_free (set->group_offsets);
  g_free (set);
}

gboolean
ae_wav_write_mono (const char *path, const float *x, gsize n, guint rate,
    GError ** error)
{
  SF_INFO info = { 0 };
  SNDFILE *f;
  sf_count_t written;

  info.samplerate = (int) rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  if (!(f = sf_open (path, SFM_WRITE, &info))) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s: %s", path,
        sf_strerror (NULL));
    return FALSE;
  }
  written = sf_writef_float (f, x, (sf_count_t) n);
  if (sf_close (f) != 0 || written != (sf_count_t) n) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s: could not finish "
        "writing", path);
    return FALSE;
  }
  return TRUE;
}
