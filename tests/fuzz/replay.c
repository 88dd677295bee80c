/* replay.c: runs fuzz targets over their seed corpus without libFuzzer.
 *
 * Usage: replay FILE-OR-DIR...  Each file is passed once to the
 * LLVMFuzzerTestOneInput it is linked with; a crash or abort fails the test,
 * as in gstreamer ci/fuzzing's standalone driver.
 */
#include <glib.h>

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static int
run_file (const char *path)
{
  GError *error = NULL;
  char *contents;
  gsize size;

  if (!g_file_get_contents (path, &contents, &size, &error)) {
    fprintf (stderr, "%s\n", error->message);
    g_error_free (error);
    return 1;
  }
  printf ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, size);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, size);
  g_free (contents);
  return 0;
}

int
main (int argc, char **argv)
{
  int i, failed = 0, n_files = 0;

  for (i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      GDir *dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL) {
        char *path = g_build_filename (argv[i], name, NULL);

        failed |= run_file (path);
        n_files++;
        g_free (path);
      }
      if (dir)
        g_dir_close (dir);
    } else {
      failed |= run_file (argv[i]);
      n_files++;
    }
  }
  printf ("%d files\n", n_files);
  /* an empty corpus means the test checks nothing */
  return failed || n_files == 0;
}
