/* test-gst-util.c: see test-gst-util.h. */
#include "test-gst-util.h"

#include <string.h>

#include "model.h"

gchar *
ae_test_write_model (const gchar * dir, const gchar * name, guint rate,
    guint64 seed, gboolean crafted, float gain_bias, float prob_bias,
    GError ** error)
{
  AeSpeechConfig c = { 0, };
  AeSpeechNet net;
  AeModel *model = NULL;
  gchar *path = g_build_filename (dir, name, NULL);
  float *params = NULL;
  gboolean ok = FALSE;
  int i, j;

  c.sample_rate = rate;
  c.hop = rate / 100;
  c.bands_per_erb = 1.0f;
  c.arch.width = 16;
  c.arch.code = 8;
  c.arch.n_blocks = 2;
  c.arch.kernel = 3;
  if (!ae_speech_config_complete (&c, error)
      || !ae_speechnet_init (&net, &c.arch, error))
    goto done;
  params = g_new0 (float, net.n_params);
  ae_speechnet_init_params (&net, params, seed);

  for (i = 0; crafted && i < net.n_layers; i++) {
    const AeSpeechLayer *l = &net.layers[i];

    if (strcmp (l->name, "out") != 0)
      continue;
    memset (params + l->weight_offset, 0,
        sizeof (float) * l->kernel * l->c_in * l->c_out);
    for (j = 0; j < l->c_out; j++)
      params[l->bias_offset + j] = j < c.arch.n_bands ? gain_bias :
          prob_bias;
  }

  model = ae_model_new_speech (&c, params, NULL, error);
  ok = model && ae_model_save (model, path, NULL, error);

done:
  if (model)
    ae_model_unref (model);
  g_free (params);
  if (!ok)
    g_clear_pointer (&path, g_free);
  return path;
}
