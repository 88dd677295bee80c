/* fuzz-safetensors.c: libFuzzer target for the weight-file reader.
 *
 * Feeds arbitrary bytes to ae_safetensors_new_from_bytes, and when they
 * load, walks every accessor and copies every tensor, so the fuzzer checks
 * the promise that a returned view is safe to use without further checks.
 * CRITICAL warnings are fatal, as in gstreamer ci/fuzzing: a g_return_if_fail
 * reached from file contents is a bug.  A GError outside AE_ERROR aborts too.
 *
 * Built as a fuzzer only with -Dfuzz=true and clang; replay.c links the same
 * function into a normal program that runs the seed corpus in `meson test`.
 */
#include "ae.h"
#include "safetensors.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static gboolean initialized = FALSE;
  GBytes *bytes;
  GError *error = NULL;
  AeSafetensors *st;
  guint i, n;

  if (!initialized) {
    g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    initialized = TRUE;
  }

  bytes = g_bytes_new_static (data, size);
  st = ae_safetensors_new_from_bytes (bytes, "fuzz", &error);
  g_bytes_unref (bytes);
  if (st == NULL) {
    if (error == NULL || error->domain != AE_ERROR
        || strstr (error->message, "fuzz") == NULL)
      abort ();
    g_error_free (error);
    return 0;
  }

  n = ae_safetensors_get_n_metadata (st);
  for (i = 0; i < n; i++)
    if (ae_safetensors_get_metadata (st,
            ae_safetensors_get_metadata_key (st, i)) == NULL)
      abort ();
  n = ae_safetensors_get_n_tensors (st);
  for (i = 0; i < n; i++) {
    const char *name = ae_safetensors_get_tensor_name (st, i);
    gsize n_elements = ae_safetensors_get_tensor_n_elements (st, i);
    float *dest;

    /* validated: every tensor lies inside the input */
    if (n_elements > size / 4
        || ae_safetensors_find_tensor (st, name) != (int) i)
      abort ();
    dest = g_new (float, n_elements ? n_elements : 1);
    if (!ae_safetensors_copy_f32 (st, name,
            ae_safetensors_get_tensor_rank (st, i),
            ae_safetensors_get_tensor_shape (st, i), dest, &error))
      abort ();
    g_free (dest);
  }
  ae_safetensors_free (st);
  return 0;
}
