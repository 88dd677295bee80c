/* test-tool-util.c: see test-tool-util.h. */
#include "test-tool-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sys/wait.h>

#include "safetensors.h"

int
tool_run (const char *program, const char *const *args, char **err)
{
  return tool_run_out (program, args, NULL, err);
}

int
tool_run_out (const char *program, const char *const *args, char **stdout_text,
    char **err)
{
  GPtrArray *argv = g_ptr_array_new ();
  char *out = NULL, *e = NULL;
  int status = -1;
  GError *error = NULL;
  guint i;

  g_ptr_array_add (argv, (gpointer) program);
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT,
          NULL, NULL, &out, &e, &status, &error))
    g_error ("cannot run %s: %s", program, error->message);
  g_ptr_array_free (argv, TRUE);
  if (stdout_text)
    *stdout_text = out;
  else
    g_free (out);
  if (err)
    *err = e;
  else
    g_free (e);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

void
tool_gst_launch (const char *pipeline)
{
  char *cmd = g_strdup_printf ("gst-launch-1.0 -q %s", pipeline);
  int status;
  GError *error = NULL;

  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s", cmd, error->message);
  g_free (cmd);
}

gboolean
tool_remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d) {
    while ((name = g_dir_read_name (d))) {
      char *p = g_build_filename (path, name, NULL);
      tool_remove_tree (p);
      g_free (p);
    }
    g_dir_close (d);
    return g_rmdir (path) == 0;
  }
  return g_unlink (path) == 0;
}

double
tool_max_tensor_difference (const char *path_a, const char *path_b)
{
  GError *error = NULL;
  AeSafetensors *a = ae_safetensors_new_from_file (path_a, &error);
  AeSafetensors *b = a ? ae_safetensors_new_from_file (path_b, &error) : NULL;
  guint i, n;
  double worst = 0.0;

  g_assert_no_error (error);
  n = ae_safetensors_get_n_tensors (a);
  g_assert_cmpuint (n, >, 0);
  for (i = 0; i < n; i++) {
    const char *name = ae_safetensors_get_tensor_name (a, i);
    int rank = ae_safetensors_get_tensor_rank (a, i);
    const gint64 *shape = ae_safetensors_get_tensor_shape (a, i);
    gsize count = ae_safetensors_get_tensor_n_elements (a, i), k;
    float *fa = g_new (float, MAX (count, 1));
    float *fb = g_new (float, MAX (count, 1));

    g_assert_true (ae_safetensors_copy_f32 (a, name, rank, shape, fa,
            &error));
    g_assert_true (ae_safetensors_copy_f32 (b, name, rank, shape, fb,
            &error));
    g_assert_no_error (error);
    for (k = 0; k < count; k++)
      worst = MAX (worst, fabs ((double) fa[k] - fb[k]));
    g_free (fa);
    g_free (fb);
  }
  ae_safetensors_free (a);
  ae_safetensors_free (b);
  return worst;
}

void
tool_check_weight_average (const char *frozen, const char *plain,
    const char *avg, const char *plain_checkpoint, const char *avg_checkpoint)
{
  double moved_plain = tool_max_tensor_difference (frozen, plain);
  double moved_avg = tool_max_tensor_difference (frozen, avg);

  g_test_message ("largest change: plain %g, average %g", moved_plain,
      moved_avg);
  g_assert_cmpfloat (moved_plain, >, 1e-3);
  g_assert_cmpfloat (moved_avg, <, 0.01 * moved_plain);
  g_assert_cmpfloat (tool_max_tensor_difference (plain_checkpoint,
          avg_checkpoint), ==, 0.0);
}
