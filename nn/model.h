/* model.h: what the trainer and tests see of AeModel beyond ae.h.
 *
 * A model is the weight file's metadata plus one flat parameter array and
 * the network table built from the architecture the metadata names.  The
 * element only ever uses ae.h; ae-train builds models in memory with
 * ae_model_new_speech and writes them with ae_model_save.
 */
#ifndef AE_MODEL_H
#define AE_MODEL_H

#include "ae.h"
#include "speechnet.h"

G_BEGIN_DECLS

#define AE_ARCH_SPEECH "speech-gain-v1"

/* Everything a speech model is besides its weights. */
typedef struct
{
  guint sample_rate;            /* Hz */
  guint hop;                    /* samples; the window is 2 * hop */
  float bands_per_erb;
  AeSpeechArch arch;            /* arch.n_bands must match the layout */
  guint noise_smoothing_ms;     /* its streams' default; 0 = off */
} AeSpeechConfig;

/* Fills arch.n_bands from rate, hop and bands_per_erb. */
gboolean ae_speech_config_complete (AeSpeechConfig * config, GError ** error);

/* A model from a configuration and @params (net->n_params floats, copied),
 * with extra metadata (key, value pairs; NULL-terminated; may be NULL). */
AeModel *ae_model_new_speech (const AeSpeechConfig * config,
    const float *params, const char *const *metadata, GError ** error);

const AeSpeechConfig *ae_model_get_speech_config (const AeModel * model);
const AeSpeechNet *ae_model_get_speechnet (const AeModel * model);
const float *ae_model_get_params (const AeModel * model);

/* Writes @model as a weight file (atomically), with @metadata (key, value
 * pairs, NULL-terminated) added to or replacing the model's own. */
gboolean ae_model_save (const AeModel * model, const char *path,
    const char *const *metadata, GError ** error);

/* Metadata keys, so the loader and writer cannot drift apart. */
#define AE_META_MODALITY "ae.modality"
#define AE_META_ARCH "ae.arch"
#define AE_META_RATE "ae.sample_rate"
#define AE_META_HOP "ae.hop_samples"
#define AE_META_WINDOW "ae.window_samples"
#define AE_META_LATENCY "ae.latency_samples"
#define AE_META_BANDS_PER_ERB "ae.bands_per_erb"
#define AE_META_N_BANDS "ae.arch.n_bands"
#define AE_META_WIDTH "ae.arch.width"
#define AE_META_CODE "ae.arch.code"
#define AE_META_BLOCKS "ae.arch.blocks"
#define AE_META_KERNEL "ae.arch.kernel"
/* Optional (absent: 0); not the architecture, but a setting the model was
 * tuned with, so it travels in the file (ae-train tune writes it). */
#define AE_META_NOISE_SMOOTHING "ae.noise_smoothing_ms"

G_END_DECLS
#endif /* AE_MODEL_H */
