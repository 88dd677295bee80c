/* gstaedenoise.c: the aedenoise element.
 *
 * Caps, properties, timestamps, events, latency and buffer mapping around
 * nn/'s AeStream.  It deliberately does no arithmetic on samples: format
 * conversion is nn/interleave.h, denoising is ae_stream_process, rate
 * conversion is GstAudioResampler.  Video caps are not handled yet; the
 * modality is picked from the caps in setup through an ops table so that
 * they can be added beside audio.
 */

/**
 * SECTION:element-aedenoise
 * @title: aedenoise
 *
 * Removes background noise from speech in real time with a streaming
 * convolutional autoencoder (the embedded speech models, or any model file
 * given with #GstAeDenoise:model).  Each channel is denoised on its own by
 * one stream of a shared model.
 *
 * The models run at 16 kHz or 48 kHz.  Other rates are resampled inside the
 * element: up to 16000 Hz to the 16 kHz model, above that to the 48 kHz
 * model (a model file runs at its own rate).  The resampler's delay is part
 * of the reported latency.
 *
 * Latency.  The network needs a window of input before it can release
 * output, so output lags input by the model latency (plus the resampler's
 * production delay at non-native rates).
 *
 * * In a live pipeline (upstream answers the latency query with live = TRUE)
 *   the element works in place, keeps buffer sizes and timestamps, and
 *   reports that delay in the latency query, so that sinks schedule the
 *   delayed audio correctly.
 * * In a non-live pipeline the element removes the delay: it drops the
 *   first output samples, drains the streams with silence at EOS (and
 *   before a DISCONT, a caps change or a model change), and timestamps its
 *   output from sample counts, so a file in gives a file out of exactly the
 *   same length with every sample where it was.
 *
 * DISCONT buffers and FLUSH_STOP reset the streams.  GAP buffers are fed to
 * the streams as silence; the output keeps the GAP flag only while it is
 * all zeros (the delayed tail of the sound before the gap is not).
 *
 * ## Messages
 *
 * With #GstAeDenoise:post-messages set, the element posts an element message
 * named `aedenoise` every #GstAeDenoise:message-interval of input, with:
 *
 * * `timestamp` (#G_TYPE_UINT64): buffer timestamp of the first input sample
 *   of the interval.
 * * `stream-time` (#G_TYPE_UINT64): its stream time.
 * * `running-time` (#G_TYPE_UINT64): its running time.
 * * `duration` (#G_TYPE_UINT64): the length of the interval.
 * * `endtime` (#G_TYPE_UINT64): `timestamp` + `duration`.
 * * `speech-probability` (#G_TYPE_DOUBLE): the largest speech probability
 *   (0..1) the network gave, over all channels and analysis frames finished
 *   in the interval.
 * * `input-rms-db` (#GstValueArray of #G_TYPE_DOUBLE): one value per
 *   channel, the RMS level of the input during the interval in dB full
 *   scale (-200 for digital silence).
 * * `output-rms-db` (#GstValueArray of #G_TYPE_DOUBLE): the same for the
 *   output produced during the interval (which is delayed by the latency).
 * * `snr-db` (#GstValueArray of #G_TYPE_DOUBLE): one value per channel, the
 *   input's speech-to-noise ratio in dB as the network splits it (speech
 *   level while speech is active over the noise level, averaged over the
 *   last 2 s); the estimate #GstAeDenoise:noise-floor works from. -200
 *   until 200 ms of speech has been heard.
 *
 * The levels are measured at the model rate.  Building a message allocates,
 * so leave post-messages off where the streaming thread must not.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=noisy.wav ! wavparse ! audioconvert ! \
 *     aedenoise ! audioconvert ! wavenc ! filesink location=clean.wav
 * ]| Denoises a file; the output has the input's length and alignment.
 * |[
 * gst-launch-1.0 -m pulsesrc ! audioconvert ! audioresample ! \
 *     aedenoise attenuation-limit=20 post-messages=true ! \
 *     audioconvert ! pulsesink
 * ]| Live: turns noise down by at most 20 dB and prints the messages.
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *     aedenoise model=/path/to/model.safetensors vad-threshold=0.6 \
 *     vad-hold=300 ! audioconvert ! autoaudiosink
 * ]| Runs a model file and gates the output when nobody speaks.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstaedenoise.h"

#include "ae.h"
#include "interleave.h"

GST_DEBUG_CATEGORY_STATIC (gst_ae_denoise_debug);
#define GST_CAT_DEFAULT gst_ae_denoise_debug

#define DEFAULT_MODEL ""
#define DEFAULT_ATTENUATION_LIMIT 100.0f
#define DEFAULT_NOISE_FLOOR 100.0f
/* -1: the model's own (ae_model_get_noise_smoothing_ms) */
#define DEFAULT_NOISE_SMOOTHING -1
#define MAX_NOISE_SMOOTHING 10000
#define DEFAULT_MIX 1.0f
#define DEFAULT_BYPASS FALSE
#define DEFAULT_VAD_THRESHOLD 0.0f
#define DEFAULT_VAD_HOLD 200
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_MESSAGE_INTERVAL (100 * GST_MSECOND)

/* attenuation-limit at or above this is "no limit" for the stream */
#define MAX_ATTENUATION_LIMIT 100.0f
/* noise-floor at or above this is "no floor" */
#define MAX_NOISE_FLOOR 100.0f

/* Frames, at the caps rate, that go through the chain in one pass.  Bounds
 * every scratch buffer, so that buffers of any size need no allocation. */
#define CHUNK_FRAMES 1024
#define MAX_CHANNELS 8
/* Caps rates up to this run the 16 kHz default model, the others 48 kHz. */
#define LOW_RATE_MAX 16000

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_ATTENUATION_LIMIT,
  PROP_NOISE_FLOOR,
  PROP_NOISE_SMOOTHING,
  PROP_MIX,
  PROP_BYPASS,
  PROP_VAD_THRESHOLD,
  PROP_VAD_HOLD,
  PROP_POST_MESSAGES,
  PROP_MESSAGE_INTERVAL,
};

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { F32LE, S16LE }, " \
  "layout = (string) interleaved, " \
  "rate = (int) { 8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000 }, " \
  "channels = (int) [ 1, 8 ]"

/* Property values; a copy is taken once at the top of each buffer. */
typedef struct
{
  gfloat attenuation_limit_db;
  gfloat noise_floor_db;
  gint noise_smoothing_ms;
  gfloat mix;
  gboolean bypass;
  gfloat vad_threshold;
  guint vad_hold_ms;
  gboolean post_messages;
  guint64 message_interval_ns;
} GstAeDenoiseSettings;

/* What goes into one element message. */
typedef struct
{
  guint64 n_frames;             /* caps-rate input frames in the interval */
  guint64 n_model_frames;       /* model-rate frames the levels cover */
  gdouble in_sum_sq[MAX_CHANNELS];
  gdouble out_sum_sq[MAX_CHANNELS];
  gfloat snr_db[MAX_CHANNELS];  /* the latest estimate */
  gfloat speech_probability;
  GstClockTime start_ts;
} GstAeDenoiseMeter;

typedef struct _GstAeDenoiseEngine GstAeDenoiseEngine;
typedef struct _GstAeDenoiseOps GstAeDenoiseOps;

/* Everything that processing one configuration needs: the model, one
 * stream per channel, the resamplers and all scratch.  Built off the hot
 * path (setup, or the thread that sets #GstAeDenoise:model), used by the
 * streaming thread only, freed off the hot path. */
struct _GstAeDenoiseEngine
{
  const GstAeDenoiseOps *ops;
  GstAeDenoiseEngine *next;     /* link in the element's retired list */

  AeModel *model;
  AeDeinterleaveFunc deinterleave;      /* for the caps format */
  AeInterleaveFunc interleave;
  guint rate;                   /* caps rate, Hz */
  guint model_rate;             /* Hz */
  guint channels;
  guint bpf;
  gboolean live;
  guint latency_samples;        /* model latency, at model_rate */
  /* Live: zeros primed into the FIFO so that the resamplers, which release
   * output a little after the input that makes it, never leave it short.
   * 0 at the model's own rate. */
  guint lag_frames;
  /* Non-live: output frames dropped after a reset, the model latency at
   * the caps rate, rounded. */
  guint drop_frames;
  GstClockTime latency_ns;      /* lag_frames + model latency */

  AeStream *streams[MAX_CHANNELS];
  GstAudioResampler *up;        /* rate -> model_rate, NULL if equal */
  GstAudioResampler *down;      /* model_rate -> rate, NULL if equal */
  gsize max_model_frames;       /* per chunk, after up */
  gsize max_out_frames;         /* per chunk, after down */

  /* One plane per channel; aliases where no resampler sits between. */
  float *in_planes[MAX_CHANNELS];       /* CHUNK_FRAMES */
  float *model_planes[MAX_CHANNELS];    /* max_model_frames, in place */
  float *out_planes[MAX_CHANNELS];      /* max_out_frames */
  float *fifo_planes[MAX_CHANNELS];     /* fifo_capacity */
  gsize fifo_capacity;

  /* Running state. */
  gsize fifo_fill;
  guint64 drop_left;
  guint n_non_finite;           /* AE_STATUS_NON_FINITE since last look */
  guint n_fifo_errors;          /* over- or underruns: a bug if ever > 0 */
};

/* Per-modality operations, chosen from the caps in setup. */
struct _GstAeDenoiseOps
{
  AeModality modality;
  GstAeDenoiseEngine *(*engine_new) (AeModel * model,
      const GstAudioInfo * info, gboolean live, GError ** error);
  void (*engine_free) (GstAeDenoiseEngine * engine);
  void (*engine_reset) (GstAeDenoiseEngine * engine, gboolean fresh);
  void (*engine_apply) (GstAeDenoiseEngine * engine,
      const GstAeDenoiseSettings * settings);
  void (*feed) (GstAeDenoiseEngine * engine, const guint8 * in,
      gsize n_frames, GstAeDenoiseMeter * meter);
  gsize (*pop) (GstAeDenoiseEngine * engine, guint8 * out, gsize n_frames,
      gboolean exact);
};

struct _GstAeDenoise
{
  GstAudioFilter parent;

  /* Under GST_OBJECT_LOCK. */
  GstAeDenoiseSettings settings;
  gchar *model_path;            /* "" = embedded default for the rate */
  AeModel *model;               /* loaded from model_path, NULL = default */
  GstAeDenoiseEngine *pending;  /* built for a new model, not adopted yet */
  GstAeDenoiseEngine *retired;  /* given up by the streaming thread */
  gboolean configured;          /* caps are set: configured_* are valid */
  GstAudioInfo configured_info;
  gboolean configured_live;
  GstClockTime latency_ns;      /* of the newest engine */

  /* Serialises building engines (setup against model loads) so that an
   * engine is never built for caps that have just been replaced.  Never
   * taken in the hot path; never held while posting. */
  GMutex setup_lock;

  /* Streaming thread only. */
  GstAeDenoiseEngine *engine;
  GstAeDenoiseSettings applied;
  gboolean applied_valid;
  GstClockTime start_ts;        /* non-live: timestamp of sample 0 */
  guint64 start_offset;
  guint64 frames_in;            /* since the last reset */
  guint64 frames_out;
  gboolean out_discont;         /* non-live: next output starts anew */
  GstClockTime next_ts;         /* live: end of the last buffer */
  GstAeDenoiseMeter meter;
  gint out_slack_frames;        /* atomic: non-live output size margin */
};

#define gst_ae_denoise_parent_class parent_class
G_DEFINE_TYPE (GstAeDenoise, gst_ae_denoise, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (aedenoise, "aedenoise", GST_RANK_NONE,
    GST_TYPE_AE_DENOISE);

static void gst_ae_denoise_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_ae_denoise_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_ae_denoise_finalize (GObject * object);

static gboolean gst_ae_denoise_start (GstBaseTransform * trans);
static gboolean gst_ae_denoise_stop (GstBaseTransform * trans);
static gboolean gst_ae_denoise_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_ae_denoise_transform_size (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, gsize size,
    GstCaps * othercaps, gsize * othersize);
static void gst_ae_denoise_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_ae_denoise_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_ae_denoise_transform (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer * outbuf);
static gboolean gst_ae_denoise_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_ae_denoise_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);

static const GstAeDenoiseOps audio_ops;

static void
gst_ae_denoise_class_init (GstAeDenoiseClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (gst_ae_denoise_debug, "aedenoise", 0,
      "autoencoder denoiser");

  gobject_class->set_property = gst_ae_denoise_set_property;
  gobject_class->get_property = gst_ae_denoise_get_property;
  gobject_class->finalize = gst_ae_denoise_finalize;

  /**
   * GstAeDenoise:model:
   *
   * Path of a model file (safetensors), or "" for the embedded speech model
   * for the rate.  A new file is loaded and prepared on the thread that
   * sets the property and taken up by the streaming thread at its next
   * buffer.  A file that fails to load posts a warning message and leaves
   * the current model running; the property then keeps its old value.
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model file (safetensors); empty for the embedded speech model",
          DEFAULT_MODEL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_ATTENUATION_LIMIT,
      g_param_spec_float ("attenuation-limit", "Attenuation limit",
          "The most the noise is turned down, in dB (100 = no limit, "
          "0 = no attenuation)", 0.0f, MAX_ATTENUATION_LIMIT,
          DEFAULT_ATTENUATION_LIMIT, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAeDenoise:noise-floor:
   *
   * How far below the speech the noise is turned down, at most, in dB.
   * Each channel estimates its input's speech-to-noise ratio as it goes
   * (over about 2 s, from the network's own split of each frame) and
   * limits the attenuation to noise-floor minus that ratio: noise that is
   * already quiet beside the speech is turned down less, so pauses keep a
   * natural background instead of dropping into silence.  Noisy input is
   * still cleaned as far as the network can.  attenuation-limit, if
   * lower, still applies.  100 turns the floor off.
   */
  g_object_class_install_property (gobject_class, PROP_NOISE_FLOOR,
      g_param_spec_float ("noise-floor", "Noise floor",
          "How far below the speech the noise is turned down, at most, in dB "
          "(the attenuation adapts to the input's speech-to-noise ratio; "
          "100 = no floor)", 0.0f, MAX_NOISE_FLOOR, DEFAULT_NOISE_FLOOR,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAeDenoise:noise-smoothing:
   *
   * Where the network hears noise rather than speech, and the input's
   * speech-to-noise ratio (the estimate #GstAeDenoise:noise-floor uses) is
   * above 0 dB (fully from 10 dB), each band's gain follows the network's
   * with this time constant, in ms, instead of frame by frame: the noise
   * that is left stays a steady, quieter copy of the input's background
   * instead of pumping between words.  Speech, and transients such as key
   * clicks (a band 10 dB over its average), are followed at once.  0 turns
   * it off; -1 uses the model's own setting (1000 ms for the embedded
   * 48 kHz model, off for the 16 kHz one, as measured on bench/audio).
   */
  g_object_class_install_property (gobject_class, PROP_NOISE_SMOOTHING,
      g_param_spec_int ("noise-smoothing", "Noise smoothing",
          "Time constant in ms of the gains where only noise is heard "
          "(-1 = the model's own, 0 = off)", -1, MAX_NOISE_SMOOTHING,
          DEFAULT_NOISE_SMOOTHING, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_MIX,
      g_param_spec_float ("mix", "Mix",
          "Wet/dry: 1 = denoised only, 0 = the (delayed) input only",
          0.0f, 1.0f, DEFAULT_MIX, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_BYPASS,
      g_param_spec_boolean ("bypass", "Bypass",
          "Skip the network and output the input, with the same delay",
          DEFAULT_BYPASS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_VAD_THRESHOLD,
      g_param_spec_float ("vad-threshold", "VAD threshold",
          "Gate the output down to the attenuation limit while the speech "
          "probability stays below this (0 = gate off)", 0.0f, 1.0f,
          DEFAULT_VAD_THRESHOLD, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_VAD_HOLD,
      g_param_spec_uint ("vad-hold", "VAD hold",
          "How long the speech probability must stay below vad-threshold "
          "before the gate closes, in ms", 0, 10000, DEFAULT_VAD_HOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message every message-interval",
          DEFAULT_POST_MESSAGES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_MESSAGE_INTERVAL,
      g_param_spec_uint64 ("message-interval", "Message interval",
          "Interval between element messages, in nanoseconds",
          GST_MSECOND, G_MAXUINT64, DEFAULT_MESSAGE_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Autoencoder denoiser", "Filter/Effect/Audio",
      "Removes background noise from speech with a streaming "
      "convolutional autoencoder", "gst-ae developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_ae_denoise_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_ae_denoise_stop);
  trans_class->transform_size =
      GST_DEBUG_FUNCPTR (gst_ae_denoise_transform_size);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_ae_denoise_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_ae_denoise_transform_ip);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_ae_denoise_transform);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_ae_denoise_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_ae_denoise_query);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_ae_denoise_setup);
}

static void
gst_ae_denoise_init (GstAeDenoise * self)
{
  self->settings.attenuation_limit_db = DEFAULT_ATTENUATION_LIMIT;
  self->settings.noise_floor_db = DEFAULT_NOISE_FLOOR;
  self->settings.noise_smoothing_ms = DEFAULT_NOISE_SMOOTHING;
  self->settings.mix = DEFAULT_MIX;
  self->settings.bypass = DEFAULT_BYPASS;
  self->settings.vad_threshold = DEFAULT_VAD_THRESHOLD;
  self->settings.vad_hold_ms = DEFAULT_VAD_HOLD;
  self->settings.post_messages = DEFAULT_POST_MESSAGES;
  self->settings.message_interval_ns = DEFAULT_MESSAGE_INTERVAL;
  self->model_path = g_strdup (DEFAULT_MODEL);
  self->latency_ns = 0;
  g_mutex_init (&self->setup_lock);

  self->start_ts = GST_CLOCK_TIME_NONE;
  self->start_offset = GST_BUFFER_OFFSET_NONE;
  self->next_ts = GST_CLOCK_TIME_NONE;
  self->meter.start_ts = GST_CLOCK_TIME_NONE;
}

static void
engine_free (GstAeDenoiseEngine * engine)
{
  if (engine)
    engine->ops->engine_free (engine);
}

static void
engine_list_free (GstAeDenoiseEngine * list)
{
  while (list) {
    GstAeDenoiseEngine *next = list->next;

    engine_free (list);
    list = next;
  }
}

/* Called with the object lock: unlinks the retired list for freeing
 * outside it. */
static GstAeDenoiseEngine *
gst_ae_denoise_steal_retired (GstAeDenoise * self)
{
  GstAeDenoiseEngine *list = self->retired;

  self->retired = NULL;
  return list;
}

/* Called with the object lock. */
static void
gst_ae_denoise_retire (GstAeDenoise * self, GstAeDenoiseEngine * engine)
{
  if (!engine)
    return;
  engine->next = self->retired;
  self->retired = engine;
}

static void
gst_ae_denoise_finalize (GObject * object)
{
  GstAeDenoise *self = GST_AE_DENOISE (object);

  engine_free (self->engine);
  engine_free (self->pending);
  engine_list_free (self->retired);
  if (self->model)
    ae_model_unref (self->model);
  g_free (self->model_path);
  g_mutex_clear (&self->setup_lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Properties */

/* Loads @path ("" for the default), prepares an engine for the current
 * caps if there are any, and hands both over.  Runs on the thread that
 * sets the property, never on the streaming thread's hot path. */
static void
gst_ae_denoise_load_model (GstAeDenoise * self, const gchar * path)
{
  GstAeDenoiseEngine *engine = NULL, *retired;
  AeModel *model = NULL, *old_model;
  GstAudioInfo info;
  gboolean configured, live, latency_changed = FALSE;
  GError *err = NULL;
  gchar *old_path;

  g_mutex_lock (&self->setup_lock);

  GST_OBJECT_LOCK (self);
  if (g_strcmp0 (path, self->model_path) == 0) {
    GST_OBJECT_UNLOCK (self);
    g_mutex_unlock (&self->setup_lock);
    return;
  }
  configured = self->configured;
  info = self->configured_info;
  live = self->configured_live;
  GST_OBJECT_UNLOCK (self);

  if (path[0] != '\0') {
    GST_INFO_OBJECT (self, "loading model %s", path);
    model = ae_model_new_from_file (path, &err);
    if (!model)
      goto load_failed;
    if (ae_model_get_modality (model) != AE_MODALITY_AUDIO) {
      g_set_error (&err, AE_ERROR, AE_ERROR_UNSUPPORTED,
          "%s is a video model; this element runs audio models", path);
      goto load_failed;
    }
  }

  if (configured) {
    engine = audio_ops.engine_new (model, &info, live, &err);
    if (!engine)
      goto load_failed;
  }

  GST_OBJECT_LOCK (self);
  old_model = self->model;
  old_path = self->model_path;
  self->model = model;
  self->model_path = g_strdup (path);
  if (engine) {
    gst_ae_denoise_retire (self, self->pending);
    self->pending = engine;
    latency_changed = engine->latency_ns != self->latency_ns;
    self->latency_ns = engine->latency_ns;
  }
  retired = gst_ae_denoise_steal_retired (self);
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->setup_lock);

  engine_list_free (retired);
  if (old_model)
    ae_model_unref (old_model);
  g_free (old_path);

  if (latency_changed)
    gst_element_post_message (GST_ELEMENT_CAST (self),
        gst_message_new_latency (GST_OBJECT_CAST (self)));
  return;

  /* ERRORS */
load_failed:
  {
    g_mutex_unlock (&self->setup_lock);
    if (model)
      ae_model_unref (model);
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        ("Could not load model \"%s\"; keeping the current model", path),
        ("%s", err->message));
    g_clear_error (&err);
    return;
  }
}

static void
gst_ae_denoise_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAeDenoise *self = GST_AE_DENOISE (object);

  if (prop_id == PROP_MODEL) {
    const gchar *path = g_value_get_string (value);

    /* outside any lock: this may read a file */
    gst_ae_denoise_load_model (self, path ? path : "");
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ATTENUATION_LIMIT:
      self->settings.attenuation_limit_db = g_value_get_float (value);
      break;
    case PROP_NOISE_FLOOR:
      self->settings.noise_floor_db = g_value_get_float (value);
      break;
    case PROP_NOISE_SMOOTHING:
      self->settings.noise_smoothing_ms = g_value_get_int (value);
      break;
    case PROP_MIX:
      self->settings.mix = g_value_get_float (value);
      break;
    case PROP_BYPASS:
      self->settings.bypass = g_value_get_boolean (value);
      break;
    case PROP_VAD_THRESHOLD:
      self->settings.vad_threshold = g_value_get_float (value);
      break;
    case PROP_VAD_HOLD:
      self->settings.vad_hold_ms = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      self->settings.post_messages = g_value_get_boolean (value);
      break;
    case PROP_MESSAGE_INTERVAL:
      self->settings.message_interval_ns = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ae_denoise_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstAeDenoise *self = GST_AE_DENOISE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_ATTENUATION_LIMIT:
      g_value_set_float (value, self->settings.attenuation_limit_db);
      break;
    case PROP_NOISE_FLOOR:
      g_value_set_float (value, self->settings.noise_floor_db);
      break;
    case PROP_NOISE_SMOOTHING:
      g_value_set_int (value, self->settings.noise_smoothing_ms);
      break;
    case PROP_MIX:
      g_value_set_float (value, self->settings.mix);
      break;
    case PROP_BYPASS:
      g_value_set_boolean (value, self->settings.bypass);
      break;
    case PROP_VAD_THRESHOLD:
      g_value_set_float (value, self->settings.vad_threshold);
      break;
    case PROP_VAD_HOLD:
      g_value_set_uint (value, self->settings.vad_hold_ms);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->settings.post_messages);
      break;
    case PROP_MESSAGE_INTERVAL:
      g_value_set_uint64 (value, self->settings.message_interval_ns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The audio engine */

static GstAudioResampler *
audio_resampler_new (guint channels, guint in_rate, guint out_rate)
{
  return gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_FLAG_NON_INTERLEAVED_IN |
      GST_AUDIO_RESAMPLER_FLAG_NON_INTERLEAVED_OUT, GST_AUDIO_FORMAT_F32,
      channels, in_rate, out_rate, NULL);
}

/* GstAudioResampler grows its history buffer when a call brings more input
 * than it has seen before.  Push the largest block once without taking
 * output (so that the filter phase does not move), then reset, so that the
 * hot path never grows it. */
static void
audio_resampler_pregrow (GstAudioResampler * resampler, gsize max_in_frames,
    float **scratch_out)
{
  gsize n_taps = 2 * gst_audio_resampler_get_max_latency (resampler);

  gst_audio_resampler_resample (resampler, NULL, max_in_frames + 2 * n_taps
      + 16, (gpointer *) scratch_out, 0);
  gst_audio_resampler_reset (resampler);
}

/* The most frames, over all input lengths n, by which the output of the
 * chain up -> down (fed from a fresh state) trails n.  Found by running a
 * pair of one-channel resamplers on silence one frame at a time, through
 * the start-up and three periods of the rate ratio. */
static guint
audio_production_lag (guint rate, guint model_rate)
{
  GstAudioResampler *up, *down;
  gsize max_mid = model_rate / rate + 4, max_out = rate / model_rate + 4;
  float *mid = g_new (float, max_mid), *out = g_new (float, max_out);
  gpointer mid_p[1] = { mid }, out_p[1] = { out };
  guint64 n, n_total, produced = 0;
  guint64 lag = 0;
  guint period;

  up = audio_resampler_new (1, rate, model_rate);
  down = audio_resampler_new (1, model_rate, rate);
  period = rate / gst_util_greatest_common_divisor (rate, model_rate);
  n_total = gst_audio_resampler_get_max_latency (up)
      + gst_util_uint64_scale_ceil (gst_audio_resampler_get_max_latency
      (down), rate, model_rate) + 3 * (guint64) MIN (period, rate) + 64;

  for (n = 1; n <= n_total; n++) {
    gsize m, k;

    /* one frame in gives at most ceil (model_rate / rate) out, and so on */
    m = MIN (gst_audio_resampler_get_out_frames (up, 1), max_mid);
    gst_audio_resampler_resample (up, NULL, 1, mid_p, m);
    if (m > 0) {
      k = MIN (gst_audio_resampler_get_out_frames (down, m), max_out);
      gst_audio_resampler_resample (down, mid_p, m, out_p, k);
      produced += k;
    }
    if (n > produced)
      lag = MAX (lag, n - produced);
  }
  gst_audio_resampler_free (up);
  gst_audio_resampler_free (down);
  g_free (mid);
  g_free (out);

  /* +2: after a DISCONT the resamplers restart from their last filter
   * phase (see audio_engine_reset), which can shift the count by one each */
  return (guint) lag + 2;
}

static void
audio_engine_free (GstAeDenoiseEngine * e)
{
  guint c;

  for (c = 0; c < MAX_CHANNELS; c++) {
    if (e->streams[c])
      ae_stream_free (e->streams[c]);
    if (e->model_planes[c] != e->in_planes[c])
      g_free (e->model_planes[c]);
    if (e->out_planes[c] != e->model_planes[c])
      g_free (e->out_planes[c]);
    g_free (e->in_planes[c]);
    g_free (e->fifo_planes[c]);
  }
  if (e->up)
    gst_audio_resampler_free (e->up);
  if (e->down)
    gst_audio_resampler_free (e->down);
  if (e->model)
    ae_model_unref (e->model);
  g_free (e);
}

static void
audio_engine_make_resamplers (GstAeDenoiseEngine * e)
{
  if (e->up)
    gst_audio_resampler_free (e->up);
  if (e->down)
    gst_audio_resampler_free (e->down);
  e->up = audio_resampler_new (e->channels, e->rate, e->model_rate);
  e->down = audio_resampler_new (e->channels, e->model_rate, e->rate);
}

static void
audio_engine_pregrow (GstAeDenoiseEngine * e)
{
  audio_resampler_pregrow (e->up, CHUNK_FRAMES, e->model_planes);
  audio_resampler_pregrow (e->down, e->max_model_frames, e->out_planes);
}

/* Back to the state of a new engine.  @fresh: also rebuild the resamplers,
 * which allocates; without it they are reset in place and, like
 * audioresample after a DISCONT, keep their filter phase, which can move
 * the timing by less than one sample. */
static void
audio_engine_reset (GstAeDenoiseEngine * e, gboolean fresh)
{
  guint c;

  for (c = 0; c < e->channels; c++)
    ae_stream_reset (e->streams[c]);
  if (fresh && e->up) {
    audio_engine_make_resamplers (e);
    audio_engine_pregrow (e);
  } else if (e->up) {
    gst_audio_resampler_reset (e->up);
    gst_audio_resampler_reset (e->down);
  }
  e->fifo_fill = e->live ? e->lag_frames : 0;
  for (c = 0; c < e->channels; c++)
    memset (e->fifo_planes[c], 0, e->fifo_fill * sizeof (float));
  e->drop_left = e->live ? 0 : e->drop_frames;
}

static GstAeDenoiseEngine *
audio_engine_new (AeModel * model, const GstAudioInfo * info, gboolean live,
    GError ** error)
{
  GstAeDenoiseEngine *e = g_new0 (GstAeDenoiseEngine, 1);
  guint c, rate = GST_AUDIO_INFO_RATE (info);

  e->ops = &audio_ops;
  e->rate = rate;
  e->channels = GST_AUDIO_INFO_CHANNELS (info);
  e->bpf = GST_AUDIO_INFO_BPF (info);
  e->live = live;
  /* the caps allow these two only */
  if (GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_S16) {
    e->deinterleave = ae_deinterleave_s16;
    e->interleave = ae_interleave_s16;
  } else {
    e->deinterleave = ae_deinterleave_f32;
    e->interleave = ae_interleave_f32;
  }
  if (e->channels < 1 || e->channels > MAX_CHANNELS) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "%u channels; this element takes 1 to %d", e->channels,
        MAX_CHANNELS);
    goto failed;
  }

  if (model)
    e->model = ae_model_ref (model);
  else
    e->model = ae_model_new_default_audio (rate <= LOW_RATE_MAX ? 16000 :
        48000, error);
  if (!e->model)
    goto failed;
  if (ae_model_get_modality (e->model) != AE_MODALITY_AUDIO) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "the model is not an audio model");
    goto failed;
  }

  e->model_rate = ae_model_get_sample_rate (e->model);
  if (e->model_rate < 1000 || e->model_rate > 384000) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "the model runs at %u Hz; this element takes 1000 to 384000 Hz",
        e->model_rate);
    goto failed;
  }
  e->latency_samples = ae_model_get_latency_samples (e->model);
  e->drop_frames = gst_util_uint64_scale_round (e->latency_samples, rate,
      e->model_rate);

  if (rate == e->model_rate) {
    e->lag_frames = 0;
    e->max_model_frames = CHUNK_FRAMES;
    e->max_out_frames = CHUNK_FRAMES;
  } else {
    guint64 lat_up, lat_down;

    e->lag_frames = audio_production_lag (rate, e->model_rate);
    audio_engine_make_resamplers (e);
    /* A resampler never runs ahead of its input and trails it by at most
     * its filter half-length, so one call yields at most this much. */
    lat_up = gst_audio_resampler_get_max_latency (e->up);
    lat_down = gst_audio_resampler_get_max_latency (e->down);
    e->max_model_frames = gst_util_uint64_scale_ceil (CHUNK_FRAMES +
        2 * lat_up + 8, e->model_rate, rate) + 8;
    e->max_out_frames = gst_util_uint64_scale_ceil (e->max_model_frames +
        2 * lat_down + 8, rate, e->model_rate) + 8;
  }
  e->latency_ns = gst_util_uint64_scale_round (e->lag_frames, GST_SECOND,
      rate) + gst_util_uint64_scale_round (e->latency_samples, GST_SECOND,
      e->model_rate);
  e->fifo_capacity = 2 * (e->lag_frames + e->max_out_frames + CHUNK_FRAMES);

  for (c = 0; c < e->channels; c++) {
    e->streams[c] = ae_stream_new (e->model, error);
    if (!e->streams[c])
      goto failed;
    e->in_planes[c] = g_new0 (float, CHUNK_FRAMES);
    e->model_planes[c] = e->up ? g_new0 (float, e->max_model_frames) :
        e->in_planes[c];
    e->out_planes[c] = e->up ? g_new0 (float, e->max_out_frames) :
        e->model_planes[c];
    e->fifo_planes[c] = g_new0 (float, e->fifo_capacity);
  }
  if (e->up)
    audio_engine_pregrow (e);
  audio_engine_reset (e, FALSE);

  GST_DEBUG ("engine: %u Hz x %u -> model %u Hz, latency %u model samples, "
      "lag %u, drop %u, %" GST_TIME_FORMAT, rate, e->channels, e->model_rate,
      e->latency_samples, e->lag_frames, e->drop_frames,
      GST_TIME_ARGS (e->latency_ns));
  return e;

failed:
  audio_engine_free (e);
  return NULL;
}

static void
audio_engine_apply (GstAeDenoiseEngine * e, const GstAeDenoiseSettings * s)
{
  gfloat limit = s->attenuation_limit_db;
  gfloat floor = s->noise_floor_db;
  guint c;

  if (limit >= MAX_ATTENUATION_LIMIT)
    limit = AE_ATTENUATION_NO_LIMIT;
  if (floor >= MAX_NOISE_FLOOR)
    floor = AE_NOISE_FLOOR_OFF;

  for (c = 0; c < e->channels; c++) {
    gint smoothing_ms = s->noise_smoothing_ms >= 0 ? s->noise_smoothing_ms :
        (gint) ae_model_get_noise_smoothing_ms (ae_stream_get_model
        (e->streams[c]));

    ae_stream_set_attenuation_limit (e->streams[c], limit);
    ae_stream_set_noise_floor (e->streams[c], floor);
    ae_stream_set_noise_smoothing (e->streams[c], (gfloat) smoothing_ms);
    ae_stream_set_mix (e->streams[c], s->mix);
    ae_stream_set_bypass (e->streams[c], s->bypass);
    ae_stream_set_vad_gate (e->streams[c], s->vad_threshold,
        (gfloat) s->vad_hold_ms);
  }
}

/* Runs @n_frames (at most CHUNK_FRAMES) of interleaved input, NULL for silence,
 * through deinterleave -> up -> streams -> down, and appends the output to
 * the FIFO, dropping the first drop_frames after a reset.  Never allocates,
 * locks or does I/O. */
static void
audio_engine_feed (GstAeDenoiseEngine * e, const guint8 * in, gsize n_frames,
    GstAeDenoiseMeter * meter)
{
  gsize m = n_frames, k, skip;
  guint c;

  e->deinterleave (e->in_planes, in, e->channels, n_frames);

  if (e->up) {
    m = gst_audio_resampler_get_out_frames (e->up, n_frames);
    if (G_UNLIKELY (m > e->max_model_frames)) {
      /* cannot happen (see audio_engine_new); never write past scratch */
      e->n_fifo_errors++;
      m = e->max_model_frames;
    }
    gst_audio_resampler_resample (e->up, (gpointer *) e->in_planes, n_frames,
        (gpointer *) e->model_planes, m);
  }

  for (c = 0; c < e->channels; c++) {
    AeStatus status = ae_stream_process (e->streams[c], e->model_planes[c],
        e->model_planes[c], m);

    if (G_UNLIKELY (status != AE_STATUS_OK))
      e->n_non_finite++;
    if (meter) {
      AeStreamStats st;

      ae_stream_get_stats (e->streams[c], &st);
      meter->in_sum_sq[c] += (gdouble) st.input_rms * st.input_rms * m;
      meter->out_sum_sq[c] += (gdouble) st.output_rms * st.output_rms * m;
      meter->snr_db[c] = st.snr_db;
      if (st.n_frames > 0)
        meter->speech_probability = MAX (meter->speech_probability,
            st.speech_probability);
    }
  }
  if (meter) {
    meter->n_model_frames += m;
    meter->n_frames += n_frames;
  }

  k = m;
  if (e->down && m > 0) {
    k = gst_audio_resampler_get_out_frames (e->down, m);
    if (G_UNLIKELY (k > e->max_out_frames)) {
      e->n_fifo_errors++;
      k = e->max_out_frames;
    }
    gst_audio_resampler_resample (e->down, (gpointer *) e->model_planes, m,
        (gpointer *) e->out_planes, k);
  } else if (e->down) {
    k = 0;
  }

  skip = MIN (e->drop_left, k);
  e->drop_left -= skip;
  k -= skip;
  if (G_UNLIKELY (e->fifo_fill + k > e->fifo_capacity)) {
    e->n_fifo_errors++;
    k = e->fifo_capacity - e->fifo_fill;
  }
  for (c = 0; c < e->channels; c++)
    memcpy (e->fifo_planes[c] + e->fifo_fill, e->out_planes[c] + skip,
        k * sizeof (float));
  e->fifo_fill += k;
}

/* Moves up to @n_frames from the FIFO to @out, interleaved.  @exact: write
 * exactly @n_frames, padding with silence on an underrun (which the primed
 * FIFO of a live engine never has).  Returns the frames written. */
static gsize
audio_engine_pop (GstAeDenoiseEngine * e, guint8 * out, gsize n_frames,
    gboolean exact)
{
  gsize n = MIN (n_frames, e->fifo_fill);
  guint c;

  e->interleave (out, (const float *const *) e->fifo_planes, e->channels, n);
  for (c = 0; c < e->channels; c++)
    memmove (e->fifo_planes[c], e->fifo_planes[c] + n,
        (e->fifo_fill - n) * sizeof (float));
  e->fifo_fill -= n;

  if (exact && n < n_frames) {
    e->n_fifo_errors++;
    memset (out + n * e->bpf, 0, (n_frames - n) * e->bpf);
    n = n_frames;
  }
  return n;
}

static const GstAeDenoiseOps audio_ops = {
  AE_MODALITY_AUDIO,
  audio_engine_new,
  audio_engine_free,
  audio_engine_reset,
  audio_engine_apply,
  audio_engine_feed,
  audio_engine_pop,
};

/* start/stop */

/* Streaming state back to "nothing seen yet". */
static void
gst_ae_denoise_reset_counters (GstAeDenoise * self)
{
  self->start_ts = GST_CLOCK_TIME_NONE;
  self->start_offset = GST_BUFFER_OFFSET_NONE;
  self->frames_in = 0;
  self->frames_out = 0;
  self->out_discont = TRUE;
  self->next_ts = GST_CLOCK_TIME_NONE;
  memset (&self->meter, 0, sizeof (self->meter));
  self->meter.start_ts = GST_CLOCK_TIME_NONE;
}

static gboolean
gst_ae_denoise_start (GstBaseTransform * trans)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);

  gst_ae_denoise_reset_counters (self);
  self->applied_valid = FALSE;
  return TRUE;
}

static gboolean
gst_ae_denoise_stop (GstBaseTransform * trans)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);
  GstAeDenoiseEngine *pending, *retired, *engine;

  g_mutex_lock (&self->setup_lock);
  GST_OBJECT_LOCK (self);
  pending = self->pending;
  self->pending = NULL;
  retired = gst_ae_denoise_steal_retired (self);
  self->configured = FALSE;
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->setup_lock);

  engine = self->engine;
  self->engine = NULL;
  engine_free (engine);
  engine_free (pending);
  engine_list_free (retired);
  gst_ae_denoise_reset_counters (self);
  return TRUE;
}

/* setup */

static gboolean
gst_ae_denoise_upstream_is_live (GstAeDenoise * self)
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  gst_query_unref (query);
  return live;
}

static GstFlowReturn gst_ae_denoise_drain (GstAeDenoise * self);

static gboolean
gst_ae_denoise_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstAeDenoise *self = GST_AE_DENOISE (filter);
  GstAeDenoiseEngine *engine, *old, *pending, *retired;
  gboolean live, same, was_configured, latency_changed;
  AeModel *model;
  GError *err = NULL;

  /* only audio caps reach here today; video will pick its own ops */
  live = gst_ae_denoise_upstream_is_live (self);

  /* renegotiated to what runs already: keep the streams going */
  GST_OBJECT_LOCK (self);
  same = self->engine && self->configured && live == self->configured_live
      && gst_audio_info_is_equal (info, &self->configured_info);
  GST_OBJECT_UNLOCK (self);
  if (same)
    return TRUE;

  /* non-live: the samples still in the old streams belong to the old caps */
  if (self->engine && !self->engine->live)
    gst_ae_denoise_drain (self);

  g_mutex_lock (&self->setup_lock);
  GST_OBJECT_LOCK (self);
  model = self->model ? ae_model_ref (self->model) : NULL;
  GST_OBJECT_UNLOCK (self);

  engine = audio_ops.engine_new (model, info, live, &err);
  if (model)
    ae_model_unref (model);
  if (!engine)
    goto engine_failed;

  GST_OBJECT_LOCK (self);
  pending = self->pending;
  self->pending = NULL;
  was_configured = self->configured;
  self->configured = TRUE;
  self->configured_info = *info;
  self->configured_live = live;
  latency_changed = self->latency_ns != engine->latency_ns;
  self->latency_ns = engine->latency_ns;
  retired = gst_ae_denoise_steal_retired (self);
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->setup_lock);

  old = self->engine;
  self->engine = engine;
  engine_free (old);
  engine_free (pending);
  engine_list_free (retired);

  gst_ae_denoise_reset_counters (self);
  self->applied_valid = FALSE;
  g_atomic_int_set (&self->out_slack_frames, engine->lag_frames + 8);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), live);

  GST_INFO_OBJECT (self, "%s, %d Hz, %d channels, model at %u Hz, latency %"
      GST_TIME_FORMAT, live ? "live: in place, delayed" :
      "not live: latency removed", GST_AUDIO_INFO_RATE (info),
      GST_AUDIO_INFO_CHANNELS (info), engine->model_rate,
      GST_TIME_ARGS (engine->latency_ns));

  if (was_configured && latency_changed)
    gst_element_post_message (GST_ELEMENT_CAST (self),
        gst_message_new_latency (GST_OBJECT_CAST (self)));
  return TRUE;

  /* ERRORS */
engine_failed:
  {
    g_mutex_unlock (&self->setup_lock);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not set up the denoising model"), ("%s", err->message));
    g_clear_error (&err);
    return FALSE;
  }
}

static gboolean
gst_ae_denoise_transform_size (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, gsize size,
    GstCaps * othercaps, gsize * othersize)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);
  GstAudioInfo info;

  /* In place, or asked from downstream: one frame out per frame in. */
  if (direction == GST_PAD_SRC || gst_base_transform_is_in_place (trans)) {
    *othersize = size;
    return TRUE;
  }
  if (!gst_audio_info_from_caps (&info, caps))
    return FALSE;

  /* Not live: the resamplers release output in uneven steps, so a buffer
   * can bring out a few frames more than it brought in. */
  *othersize = size + GST_AUDIO_INFO_BPF (&info) *
      (gsize) g_atomic_int_get (&self->out_slack_frames);
  return TRUE;
}

/* hot path */

static void
gst_ae_denoise_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstClockTime stream_time;

  if (trans->segment.format != GST_FORMAT_TIME)
    return;
  stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (trans), stream_time);
}

static GstMessage *
gst_ae_denoise_message_new (GstAeDenoise * self,
    const GstAeDenoiseMeter * meter, guint rate, guint channels)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts = meter->start_ts, duration;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GValue in_db = G_VALUE_INIT, out_db = G_VALUE_INIT, snr_db = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  GstStructure *s;
  guint c;

  duration = gst_util_uint64_scale_round (meter->n_frames, GST_SECOND, rate);
  if (trans->segment.format == GST_FORMAT_TIME) {
    stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, ts);
    running_time = gst_segment_to_running_time (&trans->segment,
        GST_FORMAT_TIME, ts);
  }
  s = gst_structure_new ("aedenoise",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, stream_time,
      "running-time", G_TYPE_UINT64, running_time,
      "duration", G_TYPE_UINT64, duration,
      "endtime", G_TYPE_UINT64, GST_CLOCK_TIME_IS_VALID (ts) ? ts + duration :
      GST_CLOCK_TIME_NONE,
      "speech-probability", G_TYPE_DOUBLE,
      (gdouble) meter->speech_probability, NULL);

  g_value_init (&in_db, GST_TYPE_ARRAY);
  g_value_init (&out_db, GST_TYPE_ARRAY);
  g_value_init (&snr_db, GST_TYPE_ARRAY);
  for (c = 0; c < channels; c++) {
    gdouble n = MAX (meter->n_model_frames, 1);

    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, ae_power_to_db (meter->in_sum_sq[c] / n));
    gst_value_array_append_and_take_value (&in_db, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, ae_power_to_db (meter->out_sum_sq[c] / n));
    gst_value_array_append_and_take_value (&out_db, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, meter->snr_db[c]);
    gst_value_array_append_and_take_value (&snr_db, &v);
  }
  gst_structure_take_value (s, "input-rms-db", &in_db);
  gst_structure_take_value (s, "output-rms-db", &out_db);
  gst_structure_take_value (s, "snr-db", &snr_db);

  return gst_message_new_element (GST_OBJECT (self), s);
}

/* Copies the settings and takes up an engine prepared for a new model.
 * The only lock taken per buffer, for a few dozen bytes. */
static void
gst_ae_denoise_sync_settings (GstAeDenoise * self,
    GstAeDenoiseSettings * settings, GstBuffer * inbuf)
{
  GstAeDenoiseEngine *fresh, *old;

  GST_OBJECT_LOCK (self);
  *settings = self->settings;
  fresh = self->pending;
  self->pending = NULL;
  GST_OBJECT_UNLOCK (self);

  if (G_UNLIKELY (fresh)) {
    old = self->engine;
    GST_DEBUG_OBJECT (self, "taking up the new model");
    if (!old->live) {
      /* the old model's delayed tail, then the new model starts aligned
       * at this buffer */
      gst_ae_denoise_drain (self);
      gst_ae_denoise_reset_counters (self);
    }
    self->engine = fresh;
    self->applied_valid = FALSE;
    g_atomic_int_set (&self->out_slack_frames, fresh->lag_frames + 8);
    /* freed off this thread, by the next model load or stop */
    GST_OBJECT_LOCK (self);
    gst_ae_denoise_retire (self, old);
    GST_OBJECT_UNLOCK (self);
  }

  if (!self->applied_valid
      || memcmp (settings, &self->applied, sizeof (*settings)) != 0) {
    self->engine->ops->engine_apply (self->engine, settings);
    self->applied = *settings;
    self->applied_valid = TRUE;
  }
  if (!settings->post_messages)
    self->meter.n_frames = 0;
}

/* Runs @n_frames of @in (NULL: silence) and writes to @out: live, exactly
 * @n_frames, the delayed output; non-live, what the chain has released,
 * at most @out_frames.  Posts messages as intervals complete.  Returns the
 * frames written. */
static gsize
gst_ae_denoise_process (GstAeDenoise * self,
    const GstAeDenoiseSettings * settings, const guint8 * in, guint8 * out,
    gsize n_frames, gsize out_frames, GstClockTime pts)
{
  GstAeDenoiseEngine *e = self->engine;
  guint64 interval_frames = 0;
  gsize done = 0, written = 0;

  if (settings->post_messages)
    interval_frames = MAX (1, gst_util_uint64_scale_round
        (settings->message_interval_ns, e->rate, GST_SECOND));

  while (done < n_frames) {
    gsize n = MIN (CHUNK_FRAMES, n_frames - done);
    GstAeDenoiseMeter *meter = NULL;

    if (interval_frames > 0) {
      meter = &self->meter;
      if (meter->n_frames == 0) {
        memset (meter, 0, sizeof (*meter));
        meter->start_ts = GST_CLOCK_TIME_IS_VALID (pts) ? pts +
            gst_util_uint64_scale_int (done, GST_SECOND, e->rate) :
            GST_CLOCK_TIME_NONE;
      }
      if (meter->n_frames < interval_frames)
        n = MIN (n, interval_frames - meter->n_frames);
    }

    e->ops->feed (e, in ? in + done * e->bpf : NULL, n, meter);
    done += n;

    if (e->live)
      written += e->ops->pop (e, out + written * e->bpf, n, TRUE);
    else
      written += e->ops->pop (e, out + written * e->bpf,
          out_frames - written, FALSE);

    if (meter && meter->n_frames >= interval_frames) {
      /* unlocked, like level */
      gst_element_post_message (GST_ELEMENT_CAST (self),
          gst_ae_denoise_message_new (self, meter, e->rate, e->channels));
      meter->n_frames = 0;
    }
  }

  if (G_UNLIKELY (e->n_non_finite > 0)) {
    GST_WARNING_OBJECT (self, "the network produced non-finite values %u "
        "times; the dry signal was used", e->n_non_finite);
    e->n_non_finite = 0;
  }
  if (G_UNLIKELY (e->n_fifo_errors > 0)) {
    GST_ERROR_OBJECT (self, "output FIFO ran over or under %u times",
        e->n_fifo_errors);
    e->n_fifo_errors = 0;
  }
  return written;
}

static void
gst_ae_denoise_handle_discont (GstAeDenoise * self, GstBuffer * inbuf)
{
  if (!GST_BUFFER_IS_DISCONT (inbuf) || self->frames_in == 0)
    return;

  GST_DEBUG_OBJECT (self, "DISCONT: resetting the streams");
  if (!self->engine->live)
    gst_ae_denoise_drain (self);
  self->engine->ops->engine_reset (self->engine, FALSE);
  self->applied_valid = FALSE;
  gst_ae_denoise_reset_counters (self);
}

/* Live: in place, same size, the delay kept and reported. */
static GstFlowReturn
gst_ae_denoise_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);
  GstAeDenoiseSettings settings;
  GstMapInfo map;
  gboolean gap;
  gsize n_frames;

  if (G_UNLIKELY (!self->engine))
    return GST_FLOW_NOT_NEGOTIATED;

  gst_ae_denoise_sync_settings (self, &settings, buf);
  gst_ae_denoise_handle_discont (self, buf);

  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    goto map_failed;

  n_frames = map.size / self->engine->bpf;
  gap = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP);
  gst_ae_denoise_process (self, &settings, gap ? NULL : map.data, map.data,
      n_frames, n_frames, GST_BUFFER_PTS (buf));
  self->frames_in += n_frames;
  self->frames_out += n_frames;

  /* the delayed tail of what came before the gap is not silence */
  if (gap && !ae_bytes_are_zero (map.data, map.size))
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_GAP);
  gst_buffer_unmap (buf, &map);

  if (GST_BUFFER_PTS_IS_VALID (buf))
    self->next_ts = GST_BUFFER_PTS (buf) +
        gst_util_uint64_scale_int (n_frames, GST_SECOND, self->engine->rate);

  return GST_FLOW_OK;

  /* ERRORS */
map_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("Could not map the buffer"));
    return GST_FLOW_ERROR;
  }
}

/* Non-live: Timestamps, offsets and the DISCONT flag of @outbuf holding
 * @n_frames from output frame self->frames_out on. */
static void
gst_ae_denoise_stamp (GstAeDenoise * self, GstBuffer * outbuf,
    gsize n_frames)
{
  guint rate = self->engine->rate;
  guint64 first = self->frames_out, end = first + n_frames;

  if (GST_CLOCK_TIME_IS_VALID (self->start_ts)) {
    GstClockTime ts = self->start_ts +
        gst_util_uint64_scale_int (first, GST_SECOND, rate);

    GST_BUFFER_PTS (outbuf) = ts;
    GST_BUFFER_DURATION (outbuf) = self->start_ts +
        gst_util_uint64_scale_int (end, GST_SECOND, rate) - ts;
  } else {
    GST_BUFFER_PTS (outbuf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (outbuf) =
        gst_util_uint64_scale_int (n_frames, GST_SECOND, rate);
  }
  GST_BUFFER_DTS (outbuf) = GST_CLOCK_TIME_NONE;
  if (self->start_offset != GST_BUFFER_OFFSET_NONE) {
    GST_BUFFER_OFFSET (outbuf) = self->start_offset + first;
    GST_BUFFER_OFFSET_END (outbuf) = self->start_offset + end;
  } else {
    GST_BUFFER_OFFSET (outbuf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (outbuf) = GST_BUFFER_OFFSET_NONE;
  }
  if (self->out_discont)
    GST_BUFFER_FLAG_SET (outbuf, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_DISCONT);
  self->out_discont = FALSE;
  self->frames_out = end;
}

/* Non-live: the latency removed, output timestamped from sample counts
 * (gstaudiofxbasefirfilter.c does the same). */
static GstFlowReturn
gst_ae_denoise_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);
  GstAeDenoiseSettings settings;
  GstMapInfo in_map, out_map;
  gsize n_frames, out_frames, written;
  gboolean gap, silent;
  guint bpf;

  if (G_UNLIKELY (!self->engine))
    return GST_FLOW_NOT_NEGOTIATED;

  gst_ae_denoise_sync_settings (self, &settings, inbuf);
  gst_ae_denoise_handle_discont (self, inbuf);
  if (self->frames_in == 0) {
    self->start_ts = GST_BUFFER_PTS (inbuf);
    self->start_offset = GST_BUFFER_OFFSET (inbuf);
  }

  bpf = self->engine->bpf;
  if (!gst_buffer_map (inbuf, &in_map, GST_MAP_READ))
    goto map_failed;
  if (!gst_buffer_map (outbuf, &out_map, GST_MAP_WRITE)) {
    gst_buffer_unmap (inbuf, &in_map);
    goto map_failed;
  }

  n_frames = in_map.size / bpf;
  out_frames = out_map.size / bpf;
  gap = GST_BUFFER_FLAG_IS_SET (inbuf, GST_BUFFER_FLAG_GAP);
  written = gst_ae_denoise_process (self, &settings, gap ? NULL :
      in_map.data, out_map.data, n_frames, out_frames, GST_BUFFER_PTS (inbuf));
  self->frames_in += n_frames;
  silent = ae_bytes_are_zero (out_map.data, written * bpf);

  gst_buffer_unmap (inbuf, &in_map);
  gst_buffer_unmap (outbuf, &out_map);

  if (written == 0)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;

  gst_buffer_set_size (outbuf, written * bpf);
  gst_ae_denoise_stamp (self, outbuf, written);
  if (gap && silent)
    GST_BUFFER_FLAG_SET (outbuf, GST_BUFFER_FLAG_GAP);
  else
    GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_GAP);
  return GST_FLOW_OK;

  /* ERRORS */
map_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("Could not map the buffer"));
    return GST_FLOW_ERROR;
  }
}

/* events */

/* Pushes what the streams still hold, by feeding them silence: non-live,
 * up to the length of the input since the last reset; live, one latency's
 * worth after the last buffer.  Not the hot path: this allocates. */
static GstFlowReturn
gst_ae_denoise_drain (GstAeDenoise * self)
{
  GstAeDenoiseEngine *e = self->engine;
  GstBuffer *outbuf;
  GstMapInfo map;
  gsize want, got = 0, max_chunks, n_chunks = 0;
  GstFlowReturn ret;

  if (!e || self->frames_in == 0)
    return GST_FLOW_OK;

  if (e->live)
    want = e->lag_frames + gst_util_uint64_scale_ceil (e->latency_samples,
        e->rate, e->model_rate);
  else if (self->frames_in > self->frames_out)
    want = self->frames_in - self->frames_out;
  else
    return GST_FLOW_OK;

  outbuf = gst_buffer_new_allocate (NULL, want * e->bpf, NULL);
  gst_buffer_map (outbuf, &map, GST_MAP_WRITE);

  max_chunks = (want + e->drop_frames + e->lag_frames) / CHUNK_FRAMES + 8;
  while (got < want) {
    gsize n;

    if (e->live) {
      n = MIN (CHUNK_FRAMES, want - got);
      e->ops->feed (e, NULL, n, NULL);
      got += e->ops->pop (e, map.data + got * e->bpf, n, TRUE);
      continue;
    }
    got += e->ops->pop (e, map.data + got * e->bpf, want - got, FALSE);
    if (got == want || n_chunks++ >= max_chunks)
      break;
    e->ops->feed (e, NULL, CHUNK_FRAMES, NULL);
  }
  if (got < want) {
    GST_ERROR_OBJECT (self, "drain came %" G_GSIZE_FORMAT " frames short",
        want - got);
    memset (map.data + got * e->bpf, 0, (want - got) * e->bpf);
  }
  gst_buffer_unmap (outbuf, &map);

  if (e->live) {
    GST_BUFFER_PTS (outbuf) = self->next_ts;
    GST_BUFFER_DURATION (outbuf) =
        gst_util_uint64_scale_int (want, GST_SECOND, e->rate);
    if (GST_CLOCK_TIME_IS_VALID (self->next_ts))
      self->next_ts += GST_BUFFER_DURATION (outbuf);
  } else {
    gst_ae_denoise_stamp (self, outbuf, want);
  }

  GST_DEBUG_OBJECT (self, "draining %" G_GSIZE_FORMAT " frames at %"
      GST_TIME_FORMAT, want, GST_TIME_ARGS (GST_BUFFER_PTS (outbuf)));
  ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), outbuf);
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "drain push returned %s", gst_flow_get_name (ret));
  return ret;
}

static gboolean
gst_ae_denoise_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      if (self->engine) {
        self->engine->ops->engine_reset (self->engine, TRUE);
        self->applied_valid = FALSE;
      }
      gst_ae_denoise_reset_counters (self);
      break;
    case GST_EVENT_EOS:
      if (self->engine) {
        gst_ae_denoise_drain (self);
        self->engine->ops->engine_reset (self->engine, TRUE);
        self->applied_valid = FALSE;
      }
      gst_ae_denoise_reset_counters (self);
      break;
    default:
      break;
  }

  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* queries */

static gboolean
gst_ae_denoise_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstAeDenoise *self = GST_AE_DENOISE (trans);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
    {
      GstClockTime min, max, latency;
      gboolean live, configured;

      GST_OBJECT_LOCK (self);
      configured = self->configured;
      latency = self->latency_ns;
      GST_OBJECT_UNLOCK (self);

      if (!configured || direction != GST_PAD_SRC)
        break;
      if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
        return FALSE;

      gst_query_parse_latency (query, &live, &min, &max);
      GST_DEBUG_OBJECT (self, "peer latency min %" GST_TIME_FORMAT " max %"
          GST_TIME_FORMAT ", ours %" GST_TIME_FORMAT, GST_TIME_ARGS (min),
          GST_TIME_ARGS (max), GST_TIME_ARGS (latency));
      min += latency;
      if (max != GST_CLOCK_TIME_NONE)
        max += latency;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    default:
      break;
  }

  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
}
