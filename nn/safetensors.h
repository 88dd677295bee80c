/* safetensors.h: the gst-ae weight-file format, a strict safetensors subset.
 *
 * What this is: a validating reader that turns untrusted bytes into a
 * read-only view of named float32 tensors, and a deterministic writer.
 * What it deliberately isn't: a general safetensors library.  It reads one
 * dtype (F32), needs a format version in the metadata, and refuses anything
 * a conforming writer would not produce, so every file it accepts is also
 * opened by the standard readers (huggingface/safetensors).
 *
 * FILE LAYOUT (all integers little-endian)
 *
 *   offset 0      u64  N        length of the JSON header in bytes
 *   offset 8      N bytes       JSON header, UTF-8, padded at the end with
 *                               spaces (0x20) so that 8 + N is a multiple
 *                               of 8: the data section is 8-byte aligned
 *   offset 8 + N  data section  the tensors' bytes, back to back
 *
 * The header is one JSON object:
 *
 *   {
 *     "__metadata__": { "ae.format_version": "1", "key": "value", ... },
 *     "tensor.name": { "dtype": "F32", "shape": [d0, d1, ...],
 *                      "data_offsets": [begin, end] },
 *     ...
 *   }
 *
 * RULES THE READER ENFORCES (each failure is a GError in AE_ERROR whose
 * message names the file, the tensor and what was expected versus found)
 *
 *   - 2 <= N <= AE_SAFETENSORS_MAX_HEADER_BYTES (16 MiB), N <= file size - 8,
 *     and 8 + N is a multiple of 8.                               FORMAT
 *   - The header is UTF-8 and strict JSON (RFC 8259: no comments, no single
 *     quotes, no leading zeros), nested at most
 *     AE_SAFETENSORS_MAX_JSON_DEPTH deep, with no duplicate keys in any
 *     object, and its root is an object whose '{' is the header's first
 *     byte.                                                       FORMAT
 *   - "__metadata__" is present and maps strings to strings.      FORMAT
 *   - __metadata__ holds "ae.format_version" and its value is "1"; a missing
 *     or other version is refused by name.                        VERSION
 *   - Every other member is a tensor: an object with exactly the keys
 *     "dtype", "shape" and "data_offsets"; dtype is "F32"; shape is an
 *     array of at most AE_SAFETENSORS_MAX_DIMS integers >= 0 (an empty
 *     shape is a scalar of one element); data_offsets is [begin, end] with
 *     0 <= begin <= end, and end - begin equals 4 * the product of the
 *     shape, computed with overflow checks.                       FORMAT
 *   - Offsets are relative to the data section.  Sorted by offset, the
 *     tensors tile the data section exactly: the first starts at 0, each
 *     starts where the previous ended (no hole, no overlap) and the last
 *     ends at the end of the file (no trailing bytes).            FORMAT
 *   - Every value is finite (no NaN or Inf).                      VALUE
 *
 * Memory: nothing is allocated from a length in the file before that length
 * is bounded.  The JSON is at most 16 MiB, which also bounds the number of
 * tensors and metadata entries; tensor bytes are never copied by the reader.
 *
 * THREADS: an AeSafetensors is immutable; any number of threads may read it.
 * A writer is used by one thread at a time.
 */
#ifndef AE_SAFETENSORS_H
#define AE_SAFETENSORS_H

#include <glib.h>

G_BEGIN_DECLS

#define AE_SAFETENSORS_FORMAT_VERSION "1"
#define AE_SAFETENSORS_VERSION_KEY "ae.format_version"
#define AE_SAFETENSORS_MAX_HEADER_BYTES (16u << 20)
#define AE_SAFETENSORS_MAX_DIMS 8
#define AE_SAFETENSORS_MAX_JSON_DEPTH 8
/* ae_safetensors_new_from_file reads at most this much (2 GiB). */
#define AE_SAFETENSORS_MAX_FILE_BYTES ((gsize) 2 << 30)

typedef struct _AeSafetensors AeSafetensors;
typedef struct _AeSafetensorsWriter AeSafetensorsWriter;

/* --- Reader --- */

/* Validates @bytes against every rule above before returning.
 * @name_for_errors: how messages call the data (a path, "built-in model");
 * NULL means "<bytes>".
 * Returns: (transfer full): a view holding its own reference on @bytes, or
 * NULL with @error set (domain AE_ERROR). */
AeSafetensors *ae_safetensors_new_from_bytes (GBytes * bytes,
    const char *name_for_errors, GError ** error);

/* Reads @path (at most AE_SAFETENSORS_MAX_FILE_BYTES) into memory and runs
 * ae_safetensors_new_from_bytes on it: one validation path.  A file that
 * cannot be read is AE_ERROR_IO. */
AeSafetensors *ae_safetensors_new_from_file (const char *path,
    GError ** error);

void ae_safetensors_free (AeSafetensors * st);

/* The name given for errors (borrowed). */
const char *ae_safetensors_get_name (const AeSafetensors * st);

/* A __metadata__ value, or NULL if @key is absent.  Borrowed; valid while
 * @st lives.  ae.format_version is included. */
const char *ae_safetensors_get_metadata (const AeSafetensors * st,
    const char *key);
/* Metadata entries in file order, for listing. */
guint ae_safetensors_get_n_metadata (const AeSafetensors * st);
const char *ae_safetensors_get_metadata_key (const AeSafetensors * st,
    guint i);

/* Tensors, indexed 0 .. n-1 in data-section order (which is the order the
 * writer was given them).  Names and shapes are borrowed. */
guint ae_safetensors_get_n_tensors (const AeSafetensors * st);
const char *ae_safetensors_get_tensor_name (const AeSafetensors * st,
    guint i);
int ae_safetensors_get_tensor_rank (const AeSafetensors * st, guint i);
const gint64 *ae_safetensors_get_tensor_shape (const AeSafetensors * st,
    guint i);
gsize ae_safetensors_get_tensor_n_elements (const AeSafetensors * st,
    guint i);
/* Index of the tensor called @name, or -1. */
int ae_safetensors_find_tensor (const AeSafetensors * st, const char *name);
/* The tensor's little-endian float32s in place, or NULL when they are not
 * 4-byte aligned in memory (the data section is 8-aligned in the file, so
 * this only happens when the GBytes itself is misaligned) or the host is
 * big-endian.  For zero-copy use; ae_safetensors_copy_f32 always works. */
const float *ae_safetensors_peek_f32 (const AeSafetensors * st, guint i);

/* Binds tensor @name by name and exact shape: copies its
 * product(@shape) floats into @dest.  Fails with AE_ERROR_SHAPE naming the
 * tensor when it is missing or its shape differs (both shapes are
 * printed).  Alignment of the data never matters. */
gboolean ae_safetensors_copy_f32 (const AeSafetensors * st, const char *name,
    int n_dims, const gint64 * shape, float *dest, GError ** error);

/* --- Writer --- */

/* Collects metadata and tensors, then serialises them.  The output is
 * deterministic: metadata and tensors in insertion order, compact JSON
 * (no spaces), ae.format_version = "1" always first in __metadata__ (the
 * writer adds it; callers must not), header padded with spaces to align the
 * data section to 8 bytes. */
AeSafetensorsWriter *ae_safetensors_writer_new (void);
void ae_safetensors_writer_free (AeSafetensorsWriter * w);

/* Both strings are copied; they must be UTF-8 and @key must be new. */
void ae_safetensors_writer_add_metadata (AeSafetensorsWriter * w,
    const char *key, const char *value);

/* Adds a float32 tensor.  @name (copied) must be non-empty UTF-8, new, and
 * not "__metadata__"; @shape (copied) has @n_dims <= AE_SAFETENSORS_MAX_DIMS
 * entries >= 0; @data holds product(@shape) floats and is borrowed until
 * the last to_bytes/write_file call. */
void ae_safetensors_writer_add_f32 (AeSafetensorsWriter * w,
    const char *name, int n_dims, const gint64 * shape, const float *data);

/* Returns: (transfer full): the file's bytes, or NULL with @error set when
 * a tensor holds NaN/Inf (AE_ERROR_VALUE) or the sizes overflow
 * (AE_ERROR_FORMAT): the writer never produces a file the reader refuses. */
GBytes *ae_safetensors_writer_to_bytes (AeSafetensorsWriter * w,
    GError ** error);

/* Writes the file atomically (temporary file, then rename), so a reader
 * never sees a partial file.  AE_ERROR_IO when it cannot be written. */
gboolean ae_safetensors_writer_write_file (AeSafetensorsWriter * w,
    const char *path, GError ** error);

G_END_DECLS
#endif /* AE_SAFETENSORS_H */
