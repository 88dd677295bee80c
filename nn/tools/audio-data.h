/* audio-data.h: ae-train's audio corpus, decoded once into memory.
 *
 * A folder is searched recursively for .wav, .flac and .ogg/.oga files;
 * each is decoded with libsndfile, reduced to its channel 0, converted to
 * one rate with GStreamer's Kaiser resampler, and kept as float samples.
 * Files sndfile cannot read, and files shorter than a minimum, are skipped
 * and reported back, not fatal; other files (.txt, .tsv, ...), hidden
 * files and hidden folders are ignored.
 *
 * The held-out split is decided from paths alone, before decoding, so
 * loading one side of it never decodes the other.
 *
 * Not here: mixing and augmentation (mixer.h), batching (loader.h).  This
 * is trainer code: it links GStreamer's audio library for the resampler,
 * which the core in nn/ never does.
 */
#ifndef AE_AUDIO_DATA_H
#define AE_AUDIO_DATA_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *path;                   /* absolute file name */
  char *group;                  /* its parent folder (one voice or one noise
                                 * recording set); absolute */
  float *samples;               /* n_samples mono samples at the set's rate,
                                 * 64-byte aligned */
  gsize n_samples;
  guint group_index;            /* index of @group in the set, 0-based */
} AeClip;

typedef struct
{
  AeClip *clips;                /* n_clips, sorted by group, then by path */
  guint n_clips;
  guint rate;                   /* Hz */
  guint n_groups;               /* distinct AeClip.group values */
  /* n_groups + 1 entries: the clips of group g are
   * clips[group_offsets[g]] .. clips[group_offsets[g + 1] - 1]. */
  guint *group_offsets;
  double total_seconds;         /* sum of clip durations */
  guint n_skipped_unreadable;   /* sndfile could not decode them */
  guint n_skipped_short;        /* shorter than min_seconds */
} AeClipSet;

/* Which side of the held-out split to load. */
typedef enum
{
  AE_SPLIT_ALL,                 /* every file; no split */
  AE_SPLIT_TRAIN,               /* files that are not held out */
  AE_SPLIT_HELDOUT,             /* files that are held out */
} AeSplitPart;

typedef struct
{
  guint rate;                   /* target rate in Hz, e.g. 16000 or 48000 */
  double min_seconds;           /* shorter clips are skipped; 0 keeps all */
  AeSplitPart part;
  /* Held-out path fragments (NULL-terminated), as read by
   * ae_heldout_list_read(): a file is held out when its absolute path
   * contains "/" + fragment.  NULL: a seeded split holds out
   * heldout_fraction of the groups (whole folders, at least one), drawn
   * with split_seed. */
  const char *const *heldout;
  double heldout_fraction;      /* default 0.1 */
  guint64 split_seed;
  guint n_threads;              /* decoding threads; 0 = 2 */
} AeLoadOptions;

/* Defaults: rate 48000, min_seconds 0, AE_SPLIT_ALL, no list, fraction
 * 0.1, seed 0, 2 threads. */
void ae_load_options_init (AeLoadOptions * options);

/* Reads a held-out list: one path fragment per line; blank lines and
 * lines starting with '#' are ignored, surrounding white space is
 * trimmed.  Returns: (transfer full): a NULL-terminated string vector
 * (g_strfreev), possibly empty, or NULL with @error set (AE_ERROR_IO). */
char **ae_heldout_list_read (const char *path, GError ** error);

/* TRUE when @path (absolute) is held out by @heldout (see
 * AeLoadOptions.heldout). */
gboolean ae_heldout_match (const char *const *heldout, const char *path);

/* Loads the audio under @dir.  The caller must have called
 * gst_init (NULL, NULL) (or gst_init_check) first: the resampler needs
 * GStreamer's type system and debug categories.
 *
 * @skipped: (nullable): if given, receives one newly allocated string
 *   "PATH: reason" per skipped file (set its free func to g_free); the
 *   same files are counted in the set's n_skipped_* fields.
 *
 * Clips come out sorted by group (folder), then by path, and their
 * samples depend only on the files and the options, never on the thread
 * count.
 *
 * Returns: (transfer full): a clip set with at least one clip (free with
 * ae_clip_set_free), or NULL with @error set: AE_ERROR_IO when @dir is
 * missing or not a folder, AE_ERROR_DATA when it holds no audio files,
 * none of them could be read or all were too short, or the split left
 * nothing on the requested side.  Messages name the folder. */
AeClipSet *ae_clip_set_load (const char *dir, const AeLoadOptions * options,
    GPtrArray * skipped, GError ** error);

void ae_clip_set_free (AeClipSet * set);

/* Writes @n mono float samples at @rate to a float WAV at @path; FALSE with
 * @error (AE_ERROR_IO, naming the file) when it cannot. */
gboolean ae_wav_write_mono (const char *path, const float *x, gsize n,
    guint rate, GError ** error);

G_END_DECLS
#endif /* AE_AUDIO_DATA_H */
