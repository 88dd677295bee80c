/* model.c: AeModel, loaded from a weight file or built by the trainer.
 *
 * One validation path: a file is read into bytes, bytes become a validated
 * safetensors view, its metadata becomes an AeSpeechConfig, and each tensor
 * the network table needs is bound by name and exact shape.  The embedded
 * default models take the same path from GResource bytes.
 */
#include "model.h"

#include <gio/gio.h>
#include <string.h>

#include "ae-models.h"
#include "gainsmooth.h"
#include "safetensors.h"
#include "spectrum.h"
#include "tensor.h"

struct _AeModel
{
  gint refcount;
  AeModality modality;
  GHashTable *metadata;         /* owned key -> owned value */
  AeSpeechConfig config;
  AeSpeechNet net;
  float *params;                /* net.n_params, 64-byte aligned */
};

gboolean
ae_speech_config_complete (AeSpeechConfig * c, GError ** error)
{
  if (c->sample_rate < 8000 || c->sample_rate > 192000 || c->hop < 8
      || c->hop > 8192) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "speech model: rate %u Hz with hop %u samples is out of range",
        c->sample_rate, c->hop);
    return FALSE;
  }
  if (!(c->bands_per_erb >= 0.25f && c->bands_per_erb <= 16.0f)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "speech model: %g bands per ERB, expected 0.25 to 16",
        c->bands_per_erb);
    return FALSE;
  }
  c->arch.n_bands = ae_spectrum_count_bands (c->sample_rate, 2 * c->hop,
      c->bands_per_erb);
  return TRUE;
}

static AeModel *
model_new (const AeSpeechConfig * config, GError ** error)
{
  AeModel *model = g_new0 (AeModel, 1);

  model->refcount = 1;
  model->modality = AE_MODALITY_AUDIO;
  model->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  model->config = *config;
  if (!ae_speechnet_init (&model->net, &config->arch, error))
    goto fail;
  model->params = ae_alloc_floats (model->net.n_params);
  if (!model->params) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "speech model: cannot allocate %" G_GSIZE_FORMAT " parameters",
        model->net.n_params);
    goto fail;
  }
  return model;

fail:
  ae_model_unref (model);
  return NULL;
}

static void
set_meta (AeModel * model, const char *key, const char *value)
{
  g_hash_table_replace (model->metadata, g_strdup (key), g_strdup (value));
}

static void
set_meta_uint (AeModel * model, const char *key, guint value)
{
  char buf[32];

  g_snprintf (buf, sizeof (buf), "%u", value);
  set_meta (model, key, buf);
}

/* The metadata that describes the architecture, derived from the config so
 * a saved file always matches its tensors. */
static void
set_arch_metadata (AeModel * model)
{
  const AeSpeechConfig *c = &model->config;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  set_meta (model, AE_META_MODALITY, "audio");
  set_meta (model, AE_META_ARCH, AE_ARCH_SPEECH);
  set_meta_uint (model, AE_META_RATE, c->sample_rate);
  set_meta_uint (model, AE_META_HOP, c->hop);
  set_meta_uint (model, AE_META_WINDOW, 2 * c->hop);
  set_meta_uint (model, AE_META_LATENCY, 2 * c->hop);
  set_meta (model, AE_META_BANDS_PER_ERB,
      g_ascii_dtostr (buf, sizeof (buf), c->bands_per_erb));
  set_meta_uint (model, AE_META_N_BANDS, c->arch.n_bands);
  set_meta_uint (model, AE_META_WIDTH, c->arch.width);
  set_meta_uint (model, AE_META_CODE, c->arch.code);
  set_meta_uint (model, AE_META_BLOCKS, c->arch.n_blocks);
  set_meta_uint (model, AE_META_KERNEL, c->arch.kernel);
  if (c->noise_smoothing_ms > 0)
    set_meta_uint (model, AE_META_NOISE_SMOOTHING, c->noise_smoothing_ms);
  else
    g_hash_table_remove (model->metadata, AE_META_NOISE_SMOOTHING);
}

static void
add_metadata_pairs (AeModel * model, const char *const *metadata)
{
  int i;

  for (i = 0; metadata && metadata[i] && metadata[i + 1]; i += 2)
    set_meta (model, metadata[i], metadata[i + 1]);
}

/* Copies each layer's tensors, leaving the alignment padding between them
 * zero, so a model equals itself after a save and load. */
static void
copy_tensors (AeModel * model, const float *params)
{
  int l;

  for (l = 0; l < model->net.n_layers; l++) {
    const AeSpeechLayer *layer = &model->net.layers[l];
    memcpy (model->params + layer->weight_offset,
        params + layer->weight_offset,
        sizeof (float) * layer->kernel * layer->c_in * layer->c_out);
    memcpy (model->params + layer->bias_offset, params + layer->bias_offset,
        sizeof (float) * layer->c_out);
  }
}

AeModel *
ae_model_new_speech (const AeSpeechConfig * config, const float *params,
    const char *const *metadata, GError ** error)
{
  AeSpeechConfig c = *config;
  AeModel *model;

  if (!ae_speech_config_complete (&c, error))
    return NULL;
  model = model_new (&c, error);
  if (!model)
    return NULL;
  copy_tensors (model, params);
  add_metadata_pairs (model, metadata);
  set_arch_metadata (model);
  return model;
}

/* Reads an unsigned metadata value in [lo, hi]; the error names the key. */
static gboolean
meta_uint (const AeSafetensors * st, const char *key, guint lo, guint hi,
    guint * out, GError ** error)
{
  const char *s = ae_safetensors_get_metadata (st, key);
  guint64 v;
  GError *err = NULL;

  if (!s) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: metadata has no \"%s\"", ae_safetensors_get_name (st), key);
    return FALSE;
  }
  if (!g_ascii_string_to_unsigned (s, 10, lo, hi, &v, &err)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: metadata \"%s\" = \"%s\": %s", ae_safetensors_get_name (st),
        key, s, err->message);
    g_error_free (err);
    return FALSE;
  }
  *out = (guint) v;
  return TRUE;
}

static gboolean
config_from_metadata (const AeSafetensors * st, AeSpeechConfig * c,
    GError ** error)
{
  const char *name = ae_safetensors_get_name (st);
  const char *modality = ae_safetensors_get_metadata (st, AE_META_MODALITY);
  const char *arch = ae_safetensors_get_metadata (st, AE_META_ARCH);
  const char *bpe = ae_safetensors_get_metadata (st, AE_META_BANDS_PER_ERB);
  guint n_bands, window, latency, v;
  char *end = NULL;

  memset (c, 0, sizeof (*c));
  if (g_strcmp0 (modality, "audio") != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "%s: modality \"%s\" is not supported by this build (expected "
        "\"audio\")", name, modality ? modality : "(none)");
    return FALSE;
  }
  if (g_strcmp0 (arch, AE_ARCH_SPEECH) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: architecture \"%s\" is unknown (expected \"%s\")", name,
        arch ? arch : "(none)", AE_ARCH_SPEECH);
    return FALSE;
  }
  if (!meta_uint (st, AE_META_RATE, 8000, 192000, &c->sample_rate, error)
      || !meta_uint (st, AE_META_HOP, 8, 8192, &c->hop, error)
      || !meta_uint (st, AE_META_WINDOW, 16, 16384, &window, error)
      || !meta_uint (st, AE_META_LATENCY, 0, 65536, &latency, error)
      || !meta_uint (st, AE_META_N_BANDS, 2, 1024, &n_bands, error)
      || !meta_uint (st, AE_META_WIDTH, 1, 4096, &v, error))
    return FALSE;
  c->arch.width = v;
  if (!meta_uint (st, AE_META_CODE, 1, 4096, &v, error))
    return FALSE;
  c->arch.code = v;
  if (!meta_uint (st, AE_META_BLOCKS, 0, AE_SPEECH_MAX_BLOCKS, &v, error))
    return FALSE;
  c->arch.n_blocks = v;
  if (!meta_uint (st, AE_META_KERNEL, 1, 9, &v, error))
    return FALSE;
  c->arch.kernel = v;
  if (ae_safetensors_get_metadata (st, AE_META_NOISE_SMOOTHING)
      && !meta_uint (st, AE_META_NOISE_SMOOTHING, 0,
          AE_NOISE_SMOOTHING_MAX_MS, &c->noise_smoothing_ms, error))
    return FALSE;
  if (bpe)
    c->bands_per_erb = (float) g_ascii_strtod (bpe, &end);
  if (!bpe || end == bpe || *end != '\0') {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: metadata \"%s\" is missing or not a number", name,
        AE_META_BANDS_PER_ERB);
    return FALSE;
  }
  if (!ae_speech_config_complete (c, error))
    return FALSE;
  if (window != 2 * c->hop || latency != 2 * c->hop
      || n_bands != (guint) c->arch.n_bands) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: inconsistent metadata: window %u, latency %u and %u bands; "
        "hop %u at %u Hz implies window and latency %u and %d bands", name,
        window, latency, n_bands, c->hop, c->sample_rate, 2 * c->hop,
        c->arch.n_bands);
    return FALSE;
  }
  return TRUE;
}

/* Binds every layer's weight and bias by name and exact shape, and refuses
 * tensors the architecture does not use. */
static gboolean
bind_tensors (AeModel * model, const AeSafetensors * st, GError ** error)
{
  const AeSpeechNet *net = &model->net;
  guint n_expected = 2 * net->n_layers, i;
  int l;

  for (l = 0; l < net->n_layers; l++) {
    const AeSpeechLayer *layer = &net->layers[l];
    gint64 wshape[3] = { layer->kernel, layer->c_in, layer->c_out };
    gint64 bshape[1] = { layer->c_out };
    char *wname = g_strdup_printf ("%s.weight", layer->name);
    char *bname = g_strdup_printf ("%s.bias", layer->name);
    gboolean ok = ae_safetensors_copy_f32 (st, wname, 3, wshape,
        model->params + layer->weight_offset, error)
        && ae_safetensors_copy_f32 (st, bname, 1, bshape,
        model->params + layer->bias_offset, error);
    g_free (wname);
    g_free (bname);
    if (!ok)
      return FALSE;
  }
  if (ae_safetensors_get_n_tensors (st) != n_expected) {
    for (i = 0; i < ae_safetensors_get_n_tensors (st); i++) {
      const char *name = ae_safetensors_get_tensor_name (st, i);
      const char *dot = strrchr (name, '.');
      gboolean known = FALSE;
      for (l = 0; dot && l < net->n_layers; l++)
        if (strlen (net->layers[l].name) == (gsize) (dot - name)
            && strncmp (name, net->layers[l].name, dot - name) == 0
            && (!strcmp (dot, ".weight") || !strcmp (dot, ".bias")))
          known = TRUE;
      if (!known) {
        g_set_error (error, AE_ERROR, AE_ERROR_SHAPE,
            "%s: tensor \"%s\" is not part of architecture %s",
            ae_safetensors_get_name (st), name, AE_ARCH_SPEECH);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static AeModel *
model_from_safetensors (const AeSafetensors * st, GError ** error)
{
  AeSpeechConfig config;
  AeModel *model;
  guint i;

  if (!config_from_metadata (st, &config, error))
    return NULL;
  model = model_new (&config, error);
  if (!model)
    return NULL;
  if (!bind_tensors (model, st, error)) {
    ae_model_unref (model);
    return NULL;
  }
  for (i = 0; i < ae_safetensors_get_n_metadata (st); i++) {
    const char *key = ae_safetensors_get_metadata_key (st, i);
    set_meta (model, key, ae_safetensors_get_metadata (st, key));
  }
  return model;
}

static AeModel *
model_new_from_bytes_named (GBytes * bytes, const char *name, GError ** error)
{
  AeSafetensors *st = ae_safetensors_new_from_bytes (bytes, name, error);
  AeModel *model;

  if (!st)
    return NULL;
  model = model_from_safetensors (st, error);
  ae_safetensors_free (st);
  return model;
}

AeModel *
ae_model_new_from_bytes (GBytes * bytes, GError ** error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  return model_new_from_bytes_named (bytes, NULL, error);
}

AeModel *
ae_model_new_from_file (const char *path, GError ** error)
{
  AeSafetensors *st;
  AeModel *model;

  g_return_val_if_fail (path != NULL, NULL);
  st = ae_safetensors_new_from_file (path, error);
  if (!st)
    return NULL;
  model = model_from_safetensors (st, error);
  ae_safetensors_free (st);
  return model;
}

AeModel *
ae_model_new_default_audio (guint sample_rate, GError ** error)
{
  char *path = g_strdup_printf ("/org/gst-ae/models/speech-%uk.safetensors",
      sample_rate / 1000);
  GBytes *bytes = NULL;
  AeModel *model = NULL;

  /* Looked up in our own resource (not the global table) so the static
   * library's resource object is always linked in. */
  if (sample_rate == 16000 || sample_rate == 48000)
    bytes = g_resource_lookup_data (ae_models_get_resource (), path,
        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (!bytes)
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "no embedded speech model for %u Hz (there are models for 16000 "
        "and 48000 Hz)", sample_rate);
  else
    model = model_new_from_bytes_named (bytes, path, error);
  if (bytes)
    g_bytes_unref (bytes);
  g_free (path);
  return model;
}

AeModel *
ae_model_ref (AeModel * model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&model->refcount);
  return model;
}

void
ae_model_unref (AeModel * model)
{
  if (!model || !g_atomic_int_dec_and_test (&model->refcount))
    return;
  g_hash_table_unref (model->metadata);
  ae_free (model->params);
  g_free (model);
}

AeModality
ae_model_get_modality (const AeModel * model)
{
  return model->modality;
}

guint
ae_model_get_sample_rate (const AeModel * model)
{
  return model->config.sample_rate;
}

guint
ae_model_get_window_samples (const AeModel * model)
{
  return 2 * model->config.hop;
}

guint
ae_model_get_noise_smoothing_ms (const AeModel * model)
{
  return model->config.noise_smoothing_ms;
}

guint
ae_model_get_hop_samples (const AeModel * model)
{
  return model->config.hop;
}

guint
ae_model_get_latency_samples (const AeModel * model)
{
  /* One hop to collect a frame, one for the overlap-add to complete it. */
  return 2 * model->config.hop;
}

gsize
ae_model_get_n_params (const AeModel * model)
{
  return model->net.n_params;
}

const char *
ae_model_get_metadata (const AeModel * model, const char *key)
{
  return g_hash_table_lookup (model->metadata, key);
}

const AeSpeechConfig *
ae_model_get_speech_config (const AeModel * model)
{
  return &model->config;
}

const AeSpeechNet *
ae_model_get_speechnet (const AeModel * model)
{
  return &model->net;
}

const float *
ae_model_get_params (const AeModel * model)
{
  return model->params;
}

gboolean
ae_model_save (const AeModel * model, const char *path,
    const char *const *metadata, GError ** error)
{
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  const AeSpeechNet *net = &model->net;
  GHashTable *meta = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;
  GList *keys, *k;
  gboolean ok;
  int i, l;

  /* Sorted keys: the same model always gives the same bytes. */
  g_hash_table_iter_init (&iter, model->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (meta, key, value);
  for (i = 0; metadata && metadata[i] && metadata[i + 1]; i += 2)
    g_hash_table_insert (meta, (gpointer) metadata[i],
        (gpointer) metadata[i + 1]);
  g_hash_table_remove (meta, "ae.format_version");
  keys = g_list_sort (g_hash_table_get_keys (meta), (GCompareFunc) strcmp);
  for (k = keys; k; k = k->next)
    ae_safetensors_writer_add_metadata (w, k->data,
        g_hash_table_lookup (meta, k->data));

  for (l = 0; l < net->n_layers; l++) {
    const AeSpeechLayer *layer = &net->layers[l];
    gint64 wshape[3] = { layer->kernel, layer->c_in, layer->c_out };
    gint64 bshape[1] = { layer->c_out };
    char *wname = g_strdup_printf ("%s.weight", layer->name);
    char *bname = g_strdup_printf ("%s.bias", layer->name);
    ae_safetensors_writer_add_f32 (w, wname, 3, wshape,
        model->params + layer->weight_offset);
    ae_safetensors_writer_add_f32 (w, bname, 1, bshape,
        model->params + layer->bias_offset);
    g_free (wname);
    g_free (bname);
  }
  ok = ae_safetensors_writer_write_file (w, path, error);
  g_list_free (keys);
  g_hash_table_unref (meta);
  ae_safetensors_writer_free (w);
  return ok;
}
