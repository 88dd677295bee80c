/* image-data.h: ae-train's image corpus, decoded once into 8-bit grey.
 *
 * A folder is searched recursively for still images (.png, .jpg, .pnm,
 * .bmp, ...) and videos (.mkv, .webm, .avi, .mp4, ...); each file goes
 * through uridecodebin ! videoconvert ! videoscale ! GRAY8 ! appsink, and
 * videos give one frame per frame interval, up to a count.  Files that do
 * not decode are skipped and reported back, not fatal; other files, hidden
 * files and hidden folders are ignored.
 *
 * Patches are float (patch, patch) arrays in [0, 1] (pixel / 255), drawn at
 * random with optional flips for training, or tiled in order for encoding.
 *
 * Not here: the split (the trainer decides it on paths, before decoding),
 * batching, models.  This is trainer code; the core in nn/ never links
 * GStreamer.
 */
#ifndef AE_IMAGE_DATA_H
#define AE_IMAGE_DATA_H

#include <glib.h>

#include "rng.h"

G_BEGIN_DECLS

typedef struct
{
  guint file_index;             /* index into the paths given to load */
  int width, height;
  guint8 *pixels;               /* width * height grey values, packed */
} AeImage;

typedef struct
{
  AeImage *images;              /* frames, in file order then time order */
  guint n_images;
  guint n_files_used;           /* files that gave at least one frame */
  GPtrArray *skipped;           /* "path: reason" for each file skipped */
} AeImageSet;

typedef struct
{
  double frame_interval_s;      /* videos: at most one frame per interval */
  guint max_frames_per_file;    /* videos: stop after this many */
  int min_side;                 /* smaller frames are skipped (a patch) */
  double timeout_s;             /* per file */
} AeImageLoadOptions;

void ae_image_load_options_init (AeImageLoadOptions * options);

/* Image and video files under @dir, recursively, sorted.  Returns:
 * (transfer full): a NULL-terminated array; NULL with AE_ERROR_DATA naming
 * @dir when it holds none, AE_ERROR_IO when it cannot be read. */
char **ae_image_list_files (const char *dir, GError ** error);

/* Decodes @paths (NULL-terminated) into @set.  Files that do not decode,
 * or whose frames are all smaller than min_side, land in set->skipped.
 * FALSE with AE_ERROR_DATA when no file gave a frame.  gst_init must have
 * run. */
gboolean ae_image_set_load (AeImageSet * set, const char *const *paths,
    const AeImageLoadOptions * options, GError ** error);
void ae_image_set_clear (AeImageSet * set);

/* out (patch, patch) = a random crop of @image, flipped left-right and
 * upside down each with probability 1/2 when @flips; values in [0, 1]. */
void ae_image_random_patch (const AeImage * image, int patch,
    gboolean flips, AeRng * rng, float *out);

/* Non-overlapping tiles, row-major from the top left: how many, and tile
 * @index into out (patch, patch). */
guint ae_image_n_tiles (const AeImage * image, int patch);
void ae_image_tile (const AeImage * image, int patch, guint index,
    float *out);

/* Splits the sorted @files by a seeded shuffle: round (fraction * n)
 * files, at least one each side, to @val and the rest to @train (both
 * NULL-terminated, borrowing the strings).  AE_ERROR_DATA naming @dir when
 * it holds fewer than 2 files. */
gboolean ae_image_split_files (char **files, double fraction, guint64 seed,
    GPtrArray * train, GPtrArray * val, const char *dir, GError ** error);

/* Prints a warning listing set->skipped, if any. */
void ae_image_report_skipped (const AeImageSet * set);

/* ae_image_set_load of one side of a split (@paths NULL-terminated, as
 * ae_image_split_files leaves it), then the skipped-file warning; errors
 * are prefixed with "@dir, @what files: ". */
gboolean ae_image_set_load_part (AeImageSet * set, GPtrArray * paths,
    const AeImageLoadOptions * options, const char *dir, const char *what,
    GError ** error);

G_END_DECLS
#endif /* AE_IMAGE_DATA_H */
