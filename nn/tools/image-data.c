/* image-data.c: decode image and video files to grey frames.
 *
 * One pipeline per file, pulled synchronously from an appsink: a still
 * image gives one buffer and EOS; a video gives frames until EOS or the
 * frame budget.  Errors are read from the bus between pulls, and a
 * per-file timeout guards against a decoder that neither errors nor
 * finishes.
 */
#include "image-data.h"

#include "ae.h"

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <string.h>

#define MAX_DEPTH 32
/* Larger frames are refused: 16384^2 bytes is 256 MiB per frame. */
#define MAX_SIDE 16384

static const char *const image_extensions[] = {
  ".png", ".jpg", ".jpeg", ".pgm", ".ppm", ".pnm", ".pbm", ".bmp", ".gif",
  ".tif", ".tiff", ".webp",
  ".mkv", ".webm", ".avi", ".mp4", ".mov", ".ogv", ".y4m", NULL
};

void
ae_image_load_options_init (AeImageLoadOptions * options)
{
  memset (options, 0, sizeof (*options));
  options->frame_interval_s = 1.0;
  options->max_frames_per_file = 16;
  options->min_side = 1;
  options->timeout_s = 30.0;
}

static gboolean
has_image_extension (const char *name)
{
  char *lower = g_ascii_strdown (name, -1);
  gboolean found = FALSE;
  guint i;

  for (i = 0; !found && image_extensions[i]; i++)
    found = g_str_has_suffix (lower, image_extensions[i]);
  g_free (lower);
  return found;
}

static gboolean
list_dir (const char *dir, int depth, GPtrArray * out, GError ** error)
{
  GDir *d;
  GError *local = NULL;
  const char *name;

  if (depth > MAX_DEPTH)
    return TRUE;
  if (!(d = g_dir_open (dir, 0, &local))) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "image folder %s: %s", dir,
        local->message);
    g_error_free (local);
    return FALSE;
  }
  while ((name = g_dir_read_name (d))) {
    char *path;

    if (name[0] == '.')
      continue;
    path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      list_dir (path, depth + 1, out, NULL);
      g_free (path);
    } else if (has_image_extension (name)
        && g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      g_ptr_array_add (out, path);
    } else {
      g_free (path);
    }
  }
  g_dir_close (d);
  return TRUE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
ae_image_list_files (const char *dir, GError ** error)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (dir != NULL, NULL);

  if (!list_dir (dir, 0, out, error)) {
    g_ptr_array_free (out, TRUE);
    return NULL;
  }
  if (out->len == 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "%s holds no image or video files (png, jpg, pnm, bmp, gif, tiff, "
        "webp, mkv, webm, avi, mp4, mov, ogv, y4m)", dir);
    g_ptr_array_free (out, TRUE);
    return NULL;
  }
  g_ptr_array_sort (out, compare_paths);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* Appends the frames of @path to @frames.  FALSE with a reason in @error
 * when the file does not decode. */
static gboolean
decode_file (const char *path, guint file_index,
    const AeImageLoadOptions * o, GArray * frames, guint * n_small,
    GError ** error)
{
  GstElement *pipeline, *src, *sink;
  GstBus *bus;
  GError *local = NULL;
  char *uri;
  gboolean ok = TRUE;
  GstClockTime next_pts = 0;
  gint64 deadline;
  guint n_kept = 0;

  uri = gst_filename_to_uri (path, &local);
  if (!uri) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s", local->message);
    g_error_free (local);
    return FALSE;
  }
  pipeline = gst_parse_launch ("uridecodebin name=src ! videoconvert ! "
      "videoscale ! video/x-raw,format=GRAY8 ! "
      "appsink name=sink sync=false max-buffers=4", &local);
  if (!pipeline) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "cannot build a decoder: %s",
        local ? local->message : "?");
    g_clear_error (&local);
    g_free (uri);
    return FALSE;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "uri", uri, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  deadline = g_get_monotonic_time () + (gint64) (o->timeout_s * 1e6);

  while (n_kept < MAX (o->max_frames_per_file, 1)) {
    GstSample *sample;
    GstMessage *msg;

    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        50 * GST_MSECOND);
    if (!sample) {
      if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
        break;
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (msg) {
        GError *gerr = NULL;
        gst_message_parse_error (msg, &gerr, NULL);
        g_set_error (error, AE_ERROR, AE_ERROR_DATA, "%s", gerr->message);
        g_error_free (gerr);
        gst_message_unref (msg);
        ok = FALSE;
        break;
      }
      if (g_get_monotonic_time () > deadline) {
        g_set_error (error, AE_ERROR, AE_ERROR_DATA,
            "no frame within %.0f s", o->timeout_s);
        ok = FALSE;
        break;
      }
      continue;
    }
    {
      GstBuffer *buf = gst_sample_get_buffer (sample);
      GstVideoInfo info;
      GstVideoFrame vf;
      GstClockTime pts = GST_BUFFER_PTS (buf);

      if (GST_CLOCK_TIME_IS_VALID (pts) && n_kept > 0 && pts < next_pts) {
        gst_sample_unref (sample);
        continue;
      }
      if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
          && GST_VIDEO_INFO_WIDTH (&info) <= MAX_SIDE
          && GST_VIDEO_INFO_HEIGHT (&info) <= MAX_SIDE
          && gst_video_frame_map (&vf, &info, buf, GST_MAP_READ)) {
        AeImage img;
        int y, stride = GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0);
        const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&vf, 0);

        img.file_index = file_index;
        img.width = GST_VIDEO_INFO_WIDTH (&info);
        img.height = GST_VIDEO_INFO_HEIGHT (&info);
        if (img.width < o->min_side || img.height < o->min_side) {
          (*n_small)++;
        } else {
          img.pixels = g_malloc ((gsize) img.width * img.height);
          for (y = 0; y < img.height; y++)
            memcpy (img.pixels + (gsize) y * img.width, data +
                (gsize) y * stride, img.width);
          g_array_append_val (frames, img);
          n_kept++;
        }
        gst_video_frame_unmap (&vf);
        if (GST_CLOCK_TIME_IS_VALID (pts))
          next_pts = pts + (GstClockTime) (o->frame_interval_s * GST_SECOND);
      }
      gst_sample_unref (sample);
    }
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (uri);
  return ok;
}

gboolean
ae_image_set_load (AeImageSet * set, const char *const *paths,
    const AeImageLoadOptions * o, GError ** error)
{
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (AeImage));
  guint i;

  g_return_val_if_fail (gst_is_initialized (), FALSE);

  memset (set, 0, sizeof (*set));
  set->skipped = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; paths[i]; i++) {
    GError *local = NULL;
    guint before = frames->len, n_small = 0;

    if (!decode_file (paths[i], i, o, frames, &n_small, &local)) {
      g_ptr_array_add (set->skipped, g_strdup_printf ("%s: %s", paths[i],
              local->message));
      g_error_free (local);
    } else if (frames->len == before) {
      g_ptr_array_add (set->skipped, g_strdup_printf (n_small ?
              "%s: frames smaller than %d pixels" : "%s: no video frames",
              paths[i], o->min_side));
    } else {
      set->n_files_used++;
    }
  }
  set->n_images = frames->len;
  set->images = (AeImage *) g_array_free (frames, FALSE);
  if (set->n_images == 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "none of the %u files gave a usable frame (at least %d x %d): %s",
        i, o->min_side, o->min_side, set->skipped->len ?
        (char *) g_ptr_array_index (set->skipped, 0) : "");
    ae_image_set_clear (set);
    return FALSE;
  }
  return TRUE;
}

void
ae_image_set_clear (AeImageSet * set)
{
  guint i;

  for (i = 0; set->images && i < set->n_images; i++)
    g_free (set->images[i].pixels);
  g_free (set->images);
  if (set->skipped)
    g_ptr_array_free (set->skipped, TRUE);
  memset (set, 0, sizeof (*set));
}

static void
crop (const AeImage * image, int patch, int x0, int y0, gboolean flip_x,
    gboolean flip_y, float *out)
{
  int r, c;

  for (r = 0; r < patch; r++) {
    const guint8 *row = image->pixels +
        (gsize) (y0 + (flip_y ? patch - 1 - r : r)) * image->width + x0;
    for (c = 0; c < patch; c++)
      out[r * patch + c] = row[flip_x ? patch - 1 - c : c] * (1.0f / 255.0f);
  }
}

void
ae_image_random_patch (const AeImage * image, int patch, gboolean flips,
    AeRng * rng, float *out)
{
  int x0, y0;
  gboolean fx = FALSE, fy = FALSE;

  g_return_if_fail (image->width >= patch && image->height >= patch);

  x0 = (int) ae_rng_below (rng, image->width - patch + 1);
  y0 = (int) ae_rng_below (rng, image->height - patch + 1);
  if (flips) {
    guint64 bits = ae_rng_next (rng);
    fx = bits & 1;
    fy = (bits >> 1) & 1;
  }
  crop (image, patch, x0, y0, fx, fy, out);
}

guint
ae_image_n_tiles (const AeImage * image, int patch)
{
  return (guint) (image->width / patch) * (guint) (image->height / patch);
}

void
ae_image_tile (const AeImage * image, int patch, guint index, float *out)
{
  guint across = (guint) (image->width / patch);

  g_return_if_fail (index < ae_image_n_tiles (image, patch));
  crop (image, patch, (int) (index % across) * patch,
      (int) (index / across) * patch, FALSE, FALSE, out);
}

gboolean
ae_image_split_files (char **files, double fraction, guint64 seed, GPtrArray * train,
    GPtrArray * val, const char *dir, GError ** error)
{
  guint n = g_strv_length (files), n_val, i;
  guint *order;
  AeRng rng;

  if (n < 2) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "%s holds %u image file; the split by file needs at least 2", dir,
        n);
    return FALSE;
  }
  n_val = CLAMP ((guint) (fraction * n + 0.5), 1, n - 1);
  order = g_new (guint, n);
  for (i = 0; i < n; i++)
    order[i] = i;
  ae_rng_init (&rng, ae_rng_derive (seed, 101));
  for (i = n - 1; i > 0; i--) {
    guint j = (guint) ae_rng_below (&rng, i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (i = 0; i < n; i++)
    g_ptr_array_add (i < n_val ? val : train, files[order[i]]);
  g_ptr_array_add (train, NULL);
  g_ptr_array_add (val, NULL);
  g_free (order);
  return TRUE;
}

void
ae_image_report_skipped (const AeImageSet * set)
{
  guint i;

  if (set->skipped->len == 0)
    return;
  g_printerr ("warning: skipped %u unreadable file%s\n", set->skipped->len,
      set->skipped->len == 1 ? "" : "s");
  for (i = 0; i < set->skipped->len; i++)
    g_printerr ("  %s\n", (char *) g_ptr_array_index (set->skipped, i));
}


gboolean
ae_image_set_load_part (AeImageSet * set, GPtrArray * paths,
    const AeImageLoadOptions * options, const char *dir, const char *what,
    GError ** error)
{
  if (!ae_image_set_load (set, (const char *const *) paths->pdata, options,
          error)) {
    g_prefix_error (error, "%s, %s files: ", dir, what);
    return FALSE;
  }
  ae_image_report_skipped (set);
  return TRUE;
}
