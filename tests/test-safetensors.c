/* test-safetensors.c: the weight-file reader and writer.
 *
 * Round trips with random tensors and metadata, a byte-exact golden file, a
 * catalogue of hand-made hostile files with the error each must give (in
 * the manner of llama.cpp tests/test-gguf.cpp), and seeded random
 * corruptions of valid files that must either load or fail cleanly.
 * Random data is new on every run; GLib prints the seed and --seed replays.
 */
#include "ae.h"
#include "safetensors.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#define FILE_NAME "hostile.safetensors"

/* --- Helpers --- */

/* Any finite float, denormals and -0 included, from random bits. */
static float
rand_finite_float (void)
{
  guint32 bits = g_test_rand_int ();
  float f;

  if ((bits & 0x7f800000u) == 0x7f800000u)
    bits &= ~0x00800000u;
  memcpy (&f, &bits, 4);
  return f;
}

/* A random UTF-8 string that exercises JSON escaping. */
static char *
rand_string (const char *prefix)
{
  static const char *const pieces[] = {
    "a", "Z", "0", ".", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f",
    "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8e\xb5", "{", "]", ":",
  };
  GString *s = g_string_new (prefix);
  int i, n = g_test_rand_int_range (0, 12);

  for (i = 0; i < n; i++)
    g_string_append (s, pieces[g_test_rand_int_range (0,
                G_N_ELEMENTS (pieces))]);
  return g_string_free (s, FALSE);
}

typedef struct
{
  guint n_tensors;
  char *names[8];
  int n_dims[8];
  gint64 shape[8][AE_SAFETENSORS_MAX_DIMS];
  gsize n_elements[8];
  float *data[8];
  guint n_meta;
  char *keys[6];
  char *values[6];
} Model;

static void
model_init_random (Model * m)
{
  guint i;
  int d;

  memset (m, 0, sizeof (*m));
  m->n_tensors = g_test_rand_int_range (0, 8);
  for (i = 0; i < m->n_tensors; i++) {
    char *prefix = g_strdup_printf ("t%u", i);

    m->names[i] = rand_string (prefix);
    g_free (prefix);
    m->n_dims[i] = g_test_rand_int_range (0, AE_SAFETENSORS_MAX_DIMS + 1);
    m->n_elements[i] = 1;
    for (d = 0; d < m->n_dims[i]; d++) {
      /* rank 8 with dims up to 3 would be 6561 floats: keep it small */
      m->shape[i][d] = g_test_rand_int_range (m->n_elements[i] > 64 ? 1 : 0,
          m->n_elements[i] > 64 ? 2 : 5);
      m->n_elements[i] *= m->shape[i][d];
    }
    m->data[i] = g_new (float, MAX (m->n_elements[i], 1));
    for (gsize j = 0; j < m->n_elements[i]; j++)
      m->data[i][j] = rand_finite_float ();
  }
  m->n_meta = g_test_rand_int_range (0, 6);
  for (i = 0; i < m->n_meta; i++) {
    char *prefix = g_strdup_printf ("k%u", i);

    m->keys[i] = rand_string (prefix);
    m->values[i] = rand_string ("");
    g_free (prefix);
  }
}

static void
model_clear (Model * m)
{
  guint i;

  for (i = 0; i < m->n_tensors; i++) {
    g_free (m->names[i]);
    g_free (m->data[i]);
  }
  for (i = 0; i < m->n_meta; i++) {
    g_free (m->keys[i]);
    g_free (m->values[i]);
  }
}

static AeSafetensorsWriter *
model_writer (const Model * m)
{
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  guint i;

  for (i = 0; i < m->n_meta; i++)
    ae_safetensors_writer_add_metadata (w, m->keys[i], m->values[i]);
  for (i = 0; i < m->n_tensors; i++)
    ae_safetensors_writer_add_f32 (w, m->names[i], m->n_dims[i],
        m->shape[i], m->data[i]);
  return w;
}

/* Everything in @m, and nothing else, is in @st, bit for bit. */
static void
assert_model_equal (const Model * m, const AeSafetensors * st)
{
  guint i;

  g_assert_cmpuint (ae_safetensors_get_n_tensors (st), ==, m->n_tensors);
  g_assert_cmpuint (ae_safetensors_get_n_metadata (st), ==, m->n_meta + 1);
  g_assert_cmpstr (ae_safetensors_get_metadata_key (st, 0), ==,
      "ae.format_version");
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.format_version"), ==,
      "1");
  for (i = 0; i < m->n_meta; i++) {
    g_assert_cmpstr (ae_safetensors_get_metadata_key (st, i + 1), ==,
        m->keys[i]);
    g_assert_cmpstr (ae_safetensors_get_metadata (st, m->keys[i]), ==,
        m->values[i]);
  }
  for (i = 0; i < m->n_tensors; i++) {
    float *got = g_new (float, MAX (m->n_elements[i], 1));
    GError *error = NULL;
    const float *peek;

    /* data-section order is insertion order */
    g_assert_cmpstr (ae_safetensors_get_tensor_name (st, i), ==,
        m->names[i]);
    g_assert_cmpint (ae_safetensors_find_tensor (st, m->names[i]), ==, i);
    g_assert_cmpint (ae_safetensors_get_tensor_rank (st, i), ==,
        m->n_dims[i]);
    g_assert_cmpmem (ae_safetensors_get_tensor_shape (st, i),
        m->n_dims[i] * sizeof (gint64), m->shape[i],
        m->n_dims[i] * sizeof (gint64));
    g_assert_cmpuint (ae_safetensors_get_tensor_n_elements (st, i), ==,
        m->n_elements[i]);
    g_assert_true (ae_safetensors_copy_f32 (st, m->names[i], m->n_dims[i],
            m->shape[i], got, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (got, m->n_elements[i] * 4, m->data[i],
        m->n_elements[i] * 4);
    peek = ae_safetensors_peek_f32 (st, i);
    if (peek != NULL && m->n_elements[i] > 0)
      g_assert_cmpmem (peek, m->n_elements[i] * 4, m->data[i],
          m->n_elements[i] * 4);
    g_free (got);
  }
  g_assert_cmpint (ae_safetensors_find_tensor (st, "no such tensor"), ==, -1);
  g_assert_null (ae_safetensors_get_metadata (st, "no such key"));
}

/* A file from a JSON header (padded to align the data) and @n_floats
 * floats, 0.5, 1.5, 2.5, ... so no two tensors share bytes. */
static GBytes *
make_file (const char *json, gsize n_floats)
{
  GByteArray *a = g_byte_array_new ();
  gsize len = strlen (json), pad = (8 - len % 8) % 8, i;
  guint64 len_le = GUINT64_TO_LE ((guint64) (len + pad));

  g_byte_array_append (a, (const guint8 *) &len_le, 8);
  g_byte_array_append (a, (const guint8 *) json, len);
  for (i = 0; i < pad; i++)
    g_byte_array_append (a, (const guint8 *) " ", 1);
  for (i = 0; i < n_floats; i++) {
    float f = i + 0.5f;

    g_byte_array_append (a, (const guint8 *) &f, 4);
  }
  return g_byte_array_free_to_bytes (a);
}

/* A file whose length field is @header_len, followed by @rest. */
static GBytes *
make_raw (guint64 header_len, const char *rest, gsize rest_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 len_le = GUINT64_TO_LE (header_len);

  g_byte_array_append (a, (const guint8 *) &len_le, 8);
  g_byte_array_append (a, (const guint8 *) rest, rest_len);
  return g_byte_array_free_to_bytes (a);
}

/* --- Round trips --- */

static void
test_roundtrip_bytes (void)
{
  int iter;

  for (iter = 0; iter < 50; iter++) {
    Model m;
    AeSafetensorsWriter *w;
    GBytes *bytes, *again;
    AeSafetensors *st;
    GError *error = NULL;

    model_init_random (&m);
    w = model_writer (&m);
    bytes = ae_safetensors_writer_to_bytes (w, &error);
    g_assert_no_error (error);
    /* deterministic: the same writer gives the same bytes */
    again = ae_safetensors_writer_to_bytes (w, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (bytes, again));
    g_assert_cmpuint (g_bytes_get_size (bytes) % 4, ==, 0);

    st = ae_safetensors_new_from_bytes (bytes, "roundtrip", &error);
    g_assert_no_error (error);
    g_assert_nonnull (st);
    assert_model_equal (&m, st);

    /* the view keeps its own reference on the bytes */
    g_bytes_unref (bytes);
    assert_model_equal (&m, st);

    ae_safetensors_free (st);
    g_bytes_unref (again);
    ae_safetensors_writer_free (w);
    model_clear (&m);
  }
}

static void
test_roundtrip_file (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("ae-safetensors-XXXXXX", &error);
  char *path;
  int iter;
  GDir *d;
  const char *entry;
  guint n_entries = 0;

  g_assert_no_error (error);
  path = g_build_filename (dir, "model.safetensors", NULL);
  /* the second pass replaces the first file atomically */
  for (iter = 0; iter < 2; iter++) {
    Model m;
    AeSafetensorsWriter *w;
    AeSafetensors *st;

    model_init_random (&m);
    w = model_writer (&m);
    g_assert_true (ae_safetensors_writer_write_file (w, path, &error));
    g_assert_no_error (error);
    st = ae_safetensors_new_from_file (path, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ae_safetensors_get_name (st), ==, path);
    assert_model_equal (&m, st);
    ae_safetensors_free (st);
    ae_safetensors_writer_free (w);
    model_clear (&m);
  }

  /* no temporary file left behind */
  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((entry = g_dir_read_name (d)) != NULL) {
    g_assert_cmpstr (entry, ==, "model.safetensors");
    n_entries++;
  }
  g_assert_cmpuint (n_entries, ==, 1);
  g_dir_close (d);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (path);
  g_free (dir);
}

static void
test_file_errors (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("ae-safetensors-XXXXXX", &error);
  char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  char *in_missing_dir = g_build_filename (dir, "no", "x.safetensors", NULL);
  AeSafetensorsWriter *w;
  float nan_data[2] = { 1.0f, NAN };
  gint64 two = 2;

  g_assert_no_error (error);
  g_assert_null (ae_safetensors_new_from_file (missing, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* a directory is not a weight file */
  g_assert_null (ae_safetensors_new_from_file (dir, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);

  w = ae_safetensors_writer_new ();
  g_assert_false (ae_safetensors_writer_write_file (w, in_missing_dir,
          &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, in_missing_dir));
  g_clear_error (&error);

  /* the writer refuses to write what the reader would refuse */
  ae_safetensors_writer_add_f32 (w, "bad", 1, &two, nan_data);
  g_assert_false (ae_safetensors_writer_write_file (w, missing, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message,
          "tensor \"bad\": element 1 is NaN"));
  g_clear_error (&error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_assert_null (ae_safetensors_writer_to_bytes (w, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_VALUE);
  g_clear_error (&error);
  ae_safetensors_writer_free (w);

  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (missing);
  g_free (in_missing_dir);
  g_free (dir);
}

/* --- Golden --- */

/* Byte-exact writer output for a fixed tiny model, worked out by hand:
 * the JSON below is 165 bytes; 8 + 165 = 173, so 3 spaces pad it to 168
 * (0xa8) and the data section starts at 176 = 22 * 8.  Then w = {0.5, -2}
 * (0x3f000000, 0xc0000000) and b = {1} (0x3f800000), little-endian. */
static void
test_golden (void)
{
  static const char header[] =
      "{\"__metadata__\":{\"ae.format_version\":\"1\",\"arch\":\"tiny\"},"
      "\"w\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}"
      "}   ";
  static const guint8 length[8] = { 0xa8, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 data[12] = {
    0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x00, 0xc0, /* w */
    0x00, 0x00, 0x80, 0x3f,     /* b */
  };
  const float w_data[2] = { 0.5f, -2.0f };
  const float b_data[1] = { 1.0f };
  const gint64 w_shape[2] = { 2, 1 };
  const gint64 b_shape[1] = { 1 };
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  GError *error = NULL;
  GBytes *bytes;
  const guint8 *got;
  gsize size;

  g_assert_cmpuint (sizeof (header) - 1, ==, 168);

  ae_safetensors_writer_add_metadata (w, "arch", "tiny");
  ae_safetensors_writer_add_f32 (w, "w", 2, w_shape, w_data);
  ae_safetensors_writer_add_f32 (w, "b", 1, b_shape, b_data);
  bytes = ae_safetensors_writer_to_bytes (w, &error);
  g_assert_no_error (error);
  got = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, ==, 8 + 168 + 12);
  g_assert_cmpmem (got, 8, length, 8);
  g_assert_cmpmem (got + 8, 168, header, 168);
  g_assert_cmpmem (got + 176, 12, data, 12);

  g_bytes_unref (bytes);
  ae_safetensors_writer_free (w);
}

/* The writer's JSON escaping, byte for byte. */
static void
test_golden_escaping (void)
{
  static const char header[] =
      "{\"__metadata__\":{\"ae.format_version\":\"1\","
      "\"q\\\"b\\\\\":\"nl\\u000atab\\u0009\xc3\xa9\"}}";
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  GError *error = NULL;
  GBytes *bytes;
  const guint8 *got;
  gsize size, len = sizeof (header) - 1;
  guint64 n;
  AeSafetensors *st;

  ae_safetensors_writer_add_metadata (w, "q\"b\\", "nl\ntab\t\xc3\xa9");
  bytes = ae_safetensors_writer_to_bytes (w, &error);
  g_assert_no_error (error);
  got = g_bytes_get_data (bytes, &size);
  memcpy (&n, got, 8);
  n = GUINT64_FROM_LE (n);
  g_assert_cmpuint (size, ==, 8 + n);
  g_assert_cmpuint (n, ==, len + (8 - len % 8) % 8);
  g_assert_cmpmem (got + 8, len, header, len);
  for (gsize i = len; i < n; i++)
    g_assert_cmpint (got[8 + i], ==, ' ');

  st = ae_safetensors_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "q\"b\\"), ==,
      "nl\ntab\t\xc3\xa9");
  ae_safetensors_free (st);
  g_bytes_unref (bytes);
  ae_safetensors_writer_free (w);
}

/* --- Hostile catalogue --- */

#define META "\"__metadata__\":{\"ae.format_version\":\"1\"}"
#define T(name, shape, b, e) \
  "\"" name "\":{\"dtype\":\"F32\",\"shape\":" shape \
  ",\"data_offsets\":[" #b "," #e "]}"

typedef struct
{
  const char *what;
  const char *json;
  gsize n_floats;               /* data section, in floats */
  gssize poison_index;          /* -1, or the float to replace */
  float poison;
  int code;                     /* expected AeError, or -1: must load */
  const char *expect;           /* substring of the message */
} JsonCase;

static const JsonCase json_cases[] = {
  /* loads */
  {"metadata only", "{" META "}", 0, -1, 0, -1, NULL},
  {"scalar", "{" META "," T ("s", "[]", 0, 4) "}", 1, -1, 0, -1, NULL},
  {"empty tensor", "{" META "," T ("e", "[3,0]", 0, 0) "," T ("a", "[2]", 0,
          8) "}", 2, -1, 0, -1, NULL},
  {"rank 8", "{" META "," T ("r", "[1,1,1,1,1,1,1,2]", 0, 8) "}", 2, -1, 0,
      -1, NULL},
  {"metadata last, keys reordered", "{\"a\":{\"data_offsets\":[0,8],"
        "\"shape\":[2],\"dtype\":\"F32\"}," META "}", 2, -1, 0, -1, NULL},
  {"out of order offsets", "{" META "," T ("b", "[1]", 8, 12) "," T ("a",
          "[2]", 0, 8) "}", 3, -1, 0, -1, NULL},
  {"whitespace", "{\n\t" META " , " T ("a", "[ 2 ]", 0, 8) "\r\n} ", 2,
      -1, 0, -1, NULL},
  {"largest finite", "{" META "," T ("a", "[2]", 0, 8) "}", 2, 1, FLT_MAX,
      -1, NULL},

  /* JSON */
  {"not JSON", "{hello, world}", 0, -1, 0, AE_ERROR_FORMAT,
      "not valid JSON"},
  {"JSON array", "[1,2]", 0, -1, 0, AE_ERROR_FORMAT,
      "header starts with byte 0x5b, expected '{'"},
  {"JSON string", "\"abc\"", 0, -1, 0, AE_ERROR_FORMAT,
      "header starts with byte 0x22, expected '{'"},
  {"leading space", " {" META "}", 0, -1, 0, AE_ERROR_FORMAT,
      "header starts with byte 0x20, expected '{'"},
  {"unterminated object", "{" META ",", 0, -1, 0, AE_ERROR_FORMAT,
      "not valid JSON"},
  {"unterminated string", "{\"__meta", 0, -1, 0, AE_ERROR_FORMAT,
      "unterminated string"},
  {"comment", "{/*x*/" META "}", 0, -1, 0, AE_ERROR_FORMAT,
      "unexpected byte 0x2f"},
  {"single quotes", "{'__metadata__':{}}", 0, -1, 0, AE_ERROR_FORMAT,
      "unexpected byte 0x27"},
  {"leading zero", "{" META "," T ("a", "[02]", 0, 8) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "unexpected byte 0x32"},
  {"bad escape", "{" META ",\"a\\q\":1}", 0, -1, 0, AE_ERROR_FORMAT,
      "unexpected byte 0x5c"},
  {"escaped NUL in name", "{" META ",\"a\\u0000b\":1}", 0, -1, 0,
      AE_ERROR_FORMAT, "unexpected byte 0x5c"},
  {"raw control character", "{" META ",\"a\tb\":1}", 0, -1, 0,
      AE_ERROR_FORMAT, "unexpected byte 0x09"},
  {"trailing JSON", "{" META "} x", 0, -1, 0, AE_ERROR_FORMAT,
      "unexpected byte 0x78"},
  {"two objects", "{" META "}{}", 0, -1, 0, AE_ERROR_FORMAT,
      "not valid JSON"},
  {"stray closer", "{" META "}}", 0, -1, 0, AE_ERROR_FORMAT,
      "unexpected byte 0x7d"},
  {"trailing comma", "{" META ",}", 0, -1, 0, AE_ERROR_FORMAT,
      "not valid JSON"},
  {"deep nesting", "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", 0, -1, 0,
      AE_ERROR_FORMAT, "nests deeper than 8"},
  {"19-digit integer", "{" META "," T ("a", "[1000000000000000000]", 0, 8)
        "}", 2, -1, 0, AE_ERROR_FORMAT, "integer of 19 digits"},
  {"NaN literal", "{" META ",\"a\":NaN}", 0, -1, 0, AE_ERROR_FORMAT,
      "unexpected byte 0x4e"},
  {"duplicate tensor", "{" META "," T ("a", "[1]", 0, 4) "," T ("a", "[1]",
          4, 8) "}", 2, -1, 0, AE_ERROR_FORMAT,
      "repeats the key \"a\""},
  {"duplicate metadata key", "{\"__metadata__\":{\"ae.format_version\":\"1\","
        "\"ae.format_version\":\"1\"}}", 0, -1, 0, AE_ERROR_FORMAT,
      "repeats the key \"ae.format_version\""},
  {"duplicate entry key", "{" META ",\"a\":{\"dtype\":\"F32\",\"dtype\":"
        "\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 1, -1, 0,
      AE_ERROR_FORMAT, "repeats the key \"dtype\""},

  /* metadata and version */
  {"no metadata", "{" T ("a", "[2]", 0, 8) "}", 2, -1, 0, AE_ERROR_VERSION,
      "no __metadata__"},
  {"metadata not object", "{\"__metadata__\":[1]}", 0, -1, 0,
      AE_ERROR_FORMAT, "__metadata__ is a JSON array, expected an object"},
  {"metadata value not string", "{\"__metadata__\":{\"ae.format_version\":1}}",
      0, -1, 0, AE_ERROR_FORMAT,
      "\"ae.format_version\" is a JSON integer, expected a string"},
  {"metadata value object", "{\"__metadata__\":{\"ae.format_version\":\"1\","
        "\"x\":{}}}", 0, -1, 0, AE_ERROR_FORMAT,
      "\"x\" is a JSON object, expected a string"},
  {"missing version", "{\"__metadata__\":{\"arch\":\"x\"}}", 0, -1, 0,
      AE_ERROR_VERSION, "no \"ae.format_version\""},
  {"version 2", "{\"__metadata__\":{\"ae.format_version\":\"2\"}}", 0, -1, 0,
      AE_ERROR_VERSION,
      "unsupported format version \"2\" (this build reads \"1\")"},
  {"version 1.0", "{\"__metadata__\":{\"ae.format_version\":\"1.0\"}}", 0,
      -1, 0, AE_ERROR_VERSION, "unsupported format version \"1.0\""},

  /* entries */
  {"entry not object", "{" META ",\"a\":3}", 0, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" is a JSON integer, expected an object"},
  {"empty name", "{" META "," T ("", "[1]", 0, 4) "}", 1, -1, 0,
      AE_ERROR_FORMAT, "name is empty"},
  {"unknown key", "{" META ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[0,4],\"foo\":1}}", 1, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" has unknown key \"foo\""},
  {"dtype F16", "{" META ",\"a\":{\"dtype\":\"F16\",\"shape\":[2],"
        "\"data_offsets\":[0,4]}}", 1, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" has dtype \"F16\", expected \"F32\""},
  {"dtype I64", "{" META ",\"a\":{\"dtype\":\"I64\",\"shape\":[1],"
        "\"data_offsets\":[0,8]}}", 2, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" has dtype \"I64\", expected \"F32\""},
  {"dtype missing", "{" META ",\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}",
      1, -1, 0, AE_ERROR_FORMAT, "tensor \"a\" dtype is missing"},
  {"dtype number", "{" META ",\"a\":{\"dtype\":32,\"shape\":[1],"
        "\"data_offsets\":[0,4]}}", 1, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" dtype is integer"},
  {"shape missing", "{" META ",\"a\":{\"dtype\":\"F32\","
        "\"data_offsets\":[0,4]}}", 1, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" shape is missing"},
  {"negative dim", "{" META "," T ("a", "[-2]", 0, 8) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "tensor \"a\" shape[0] is -2, expected an integer >= 0"},
  {"fractional dim", "{" META "," T ("a", "[2.5]", 0, 8) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "shape[0] is a JSON non-integer number"},
  {"string dim", "{" META "," T ("a", "[\"2\"]", 0, 8) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "shape[0] is a JSON string"},
  {"dims overflow", "{" META "," T ("a",
          "[999999999999999999,999999999999999999]", 0, 8) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "tensor \"a\" shape [999999999999999999, "
        "999999999999999999] overflows"},
  {"bytes overflow", "{" META "," T ("a",
          "[4611686018427387,1024]", 0, 8) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "tensor \"a\" shape [4611686018427387, 1024] overflows"},
  {"rank 9", "{" META "," T ("a", "[1,1,1,1,1,1,1,1,2]", 0, 8) "}", 2, -1,
      0, AE_ERROR_FORMAT, "tensor \"a\" has rank 9, expected at most 8"},

  /* offsets and layout */
  {"offsets out of range", "{" META "," T ("a", "[2]", 0, 1000) "}", 2, -1,
      0, AE_ERROR_FORMAT, "end at 1000, past the end of the data section "
        "(8 bytes)"},
  {"offsets huge", "{" META "," T ("a", "[2]", 999999999999999990,
          999999999999999998) "}", 2, -1, 0, AE_ERROR_FORMAT,
      "end at 999999999999999998, past the end"},
  {"offsets size mismatch", "{" META "," T ("a", "[2]", 0, 4) "," T ("b",
          "[1]", 4, 8) "}", 2, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" data_offsets [0, 4] span 4 bytes, expected 8"},
  {"offsets reversed", "{" META "," T ("a", "[0]", 8, 0) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "tensor \"a\" data_offsets are not [begin, end]"},
  {"offsets negative", "{" META "," T ("a", "[2]", -8, 0) "}", 2, -1, 0,
      AE_ERROR_FORMAT, "tensor \"a\" data_offsets are not [begin, end]"},
  {"offsets one number", "{" META ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[0]}}", 1, -1, 0, AE_ERROR_FORMAT,
      "tensor \"a\" data_offsets are not [begin, end]"},
  {"overlap", "{" META "," T ("a", "[2]", 0, 8) "," T ("b", "[2]", 4, 12)
        "}", 3, -1, 0, AE_ERROR_FORMAT,
      "tensor \"b\" starts at data offset 4, expected 8 (it overlaps tensor "
        "\"a\")"},
  {"same offsets", "{" META "," T ("a", "[2]", 0, 8) "," T ("b", "[2]", 0, 8)
        "}", 2, -1, 0, AE_ERROR_FORMAT, "overlaps tensor"},
  {"hole", "{" META "," T ("a", "[2]", 0, 8) "," T ("b", "[2]", 12, 20) "}",
      5, -1, 0, AE_ERROR_FORMAT,
      "tensor \"b\" starts at data offset 12, expected 8 (a hole of 4 bytes)"},
  {"first not at 0", "{" META "," T ("a", "[2]", 4, 12) "}", 3, -1, 0,
      AE_ERROR_FORMAT, "tensor \"a\" starts at data offset 4, expected 0"},
  {"last not at end", "{" META "," T ("a", "[2]", 0, 8) "}", 3, -1, 0,
      AE_ERROR_FORMAT, "last tensor \"a\" ends at data offset 8, expected "
        "the end of the file at 12"},
  {"data but no tensors", "{" META "}", 1, -1, 0, AE_ERROR_FORMAT,
      "no tensors but 4 bytes"},

  /* values */
  {"NaN", "{" META "," T ("a", "[3]", 0, 12) "}", 3, 1, NAN, AE_ERROR_VALUE,
      "tensor \"a\" element 1 is NaN, expected a finite value"},
  {"+Inf", "{" META "," T ("a", "[2]", 0, 8) "," T ("b", "[3]", 8, 20) "}",
      5, 4, INFINITY, AE_ERROR_VALUE, "tensor \"b\" element 2 is +Inf"},
  {"-Inf", "{" META "," T ("a", "[1]", 0, 4) "}", 1, 0, -INFINITY,
      AE_ERROR_VALUE, "tensor \"a\" element 0 is -Inf"},
};

typedef struct
{
  const char *what;
  guint64 header_len;
  const char *rest;
  gsize rest_len;
  gboolean short_file;          /* only rest_len bytes in all, no length */
  const char *expect;
} RawCase;

static const RawCase raw_cases[] = {
  {"empty file", 0, "", 0, TRUE, "file is 0 bytes, expected at least 8"},
  {"truncated length", 0, "\x10\0\0\0\0", 5, TRUE,
      "file is 5 bytes, expected at least 8"},
  {"header length 0", 0, "", 0, FALSE, "header length is 0 bytes"},
  {"header length 1", 1, "{", 1, FALSE, "header length is 1 bytes"},
  {"header length huge", G_GUINT64_CONSTANT (0xffffffffffffffff), "{}      ",
      8, FALSE, "header length is 18446744073709551615 bytes, expected 2 to "
        "16777216"},
  {"header length 2^63", G_GUINT64_CONSTANT (1) << 63, "{}      ", 8, FALSE,
      "header length is 9223372036854775808 bytes"},
  {"header length just over the cap", (16u << 20) + 8, "{}      ", 8, FALSE,
      "header length is 16777224 bytes, expected 2 to 16777216"},
  {"header length past the end", 64, "{}              ", 16, FALSE,
      "header length is 64 bytes, but only 16 bytes follow"},
  {"header length unaligned", 3, "{} ", 3, FALSE, "expected a multiple of 8"},
  {"header not UTF-8", 8, "{\"\xff\":1} ", 8, FALSE, "not valid UTF-8"},
  {"header with NUL", 8, "{}\0     ", 8, FALSE, "NUL byte"},
  {"header of spaces", 8, "        ", 8, FALSE,
      "header starts with byte 0x20"},
};

static void
assert_fails (GBytes * bytes, int code, const char *expect, const char *what)
{
  GError *error = NULL;
  AeSafetensors *st = ae_safetensors_new_from_bytes (bytes, FILE_NAME, &error);

  if (code < 0) {
    if (error)
      g_error ("%s: expected to load, got: %s", what, error->message);
    g_assert_nonnull (st);
    ae_safetensors_free (st);
    return;
  }
  if (st != NULL || error == NULL)
    g_error ("%s: loaded, expected error code %d (%s)", what, code, expect);
  g_test_message ("%s: %s", what, error->message);
  if (error->domain != AE_ERROR || error->code != code
      || strstr (error->message, FILE_NAME) == NULL
      || strstr (error->message, expect) == NULL)
    g_error ("%s: expected code %d with \"%s\", got code %d: %s", what, code,
        expect, error->code, error->message);
  g_error_free (error);
}

static void
test_hostile_json (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (json_cases); i++) {
    const JsonCase *c = &json_cases[i];
    GBytes *bytes = make_file (c->json, c->n_floats);

    if (c->poison_index >= 0) {
      gsize size;
      guint8 *p = g_bytes_unref_to_data (bytes, &size);

      g_assert_cmpuint ((gsize) c->poison_index, <, c->n_floats);
      memcpy (p + size - 4 * (c->n_floats - c->poison_index), &c->poison, 4);
      bytes = g_bytes_new_take (p, size);
    }
    assert_fails (bytes, c->code, c->expect, c->what);
    g_bytes_unref (bytes);
  }
}

static void
test_hostile_raw (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (raw_cases); i++) {
    const RawCase *c = &raw_cases[i];
    GBytes *bytes = c->short_file ? g_bytes_new (c->rest, c->rest_len)
        : make_raw (c->header_len, c->rest, c->rest_len);

    assert_fails (bytes, AE_ERROR_FORMAT, c->expect, c->what);
    g_bytes_unref (bytes);
  }
}

/* A view into misaligned memory still loads and copies exactly; only the
 * zero-copy peek declines. */
static void
test_misaligned (void)
{
  const float data[3] = { 1.0f, -0.0f, 3e-40f };
  const gint64 shape = 3;
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  GError *error = NULL;
  GBytes *bytes, *shifted, *slice;
  guint8 *buf;
  gsize size;
  AeSafetensors *st;
  float got[3];

  ae_safetensors_writer_add_f32 (w, "x", 1, &shape, data);
  bytes = ae_safetensors_writer_to_bytes (w, &error);
  g_assert_no_error (error);
  size = g_bytes_get_size (bytes);
  buf = g_malloc (size + 1);
  memcpy (buf + 1, g_bytes_get_data (bytes, NULL), size);
  shifted = g_bytes_new_take (buf, size + 1);
  slice = g_bytes_new_from_bytes (shifted, 1, size);

  st = ae_safetensors_new_from_bytes (slice, "misaligned", &error);
  g_assert_no_error (error);
  g_assert_null (ae_safetensors_peek_f32 (st, 0));
  g_assert_true (ae_safetensors_copy_f32 (st, "x", 1, &shape, got, &error));
  g_assert_cmpmem (got, sizeof (got), data, sizeof (data));
  ae_safetensors_free (st);

  g_bytes_unref (slice);
  g_bytes_unref (shifted);
  g_bytes_unref (bytes);
  ae_safetensors_writer_free (w);
}

/* --- Binding by name and shape --- */

static void
test_copy_binding (void)
{
  const float data[6] = { 1, 2, 3, 4, 5, 6 };
  const gint64 shape[2] = { 2, 3 };
  const gint64 wrong_dim[2] = { 3, 2 };
  const gint64 wrong_rank[3] = { 2, 3, 1 };
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  GError *error = NULL;
  GBytes *bytes;
  AeSafetensors *st;
  float got[6] = { 0 };

  ae_safetensors_writer_add_f32 (w, "enc.0.weight", 2, shape, data);
  bytes = ae_safetensors_writer_to_bytes (w, &error);
  g_assert_no_error (error);
  st = ae_safetensors_new_from_bytes (bytes, "bind.safetensors", &error);
  g_assert_no_error (error);

  g_assert_true (ae_safetensors_copy_f32 (st, "enc.0.weight", 2, shape, got,
          &error));
  g_assert_cmpmem (got, sizeof (got), data, sizeof (data));

  g_assert_false (ae_safetensors_copy_f32 (st, "enc.1.weight", 2, shape, got,
          &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "bind.safetensors: tensor "
      "\"enc.1.weight\" is missing, expected one of shape [2, 3]");
  g_clear_error (&error);

  g_assert_false (ae_safetensors_copy_f32 (st, "enc.0.weight", 2, wrong_dim,
          got, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "bind.safetensors: tensor "
      "\"enc.0.weight\" has shape [2, 3], expected [3, 2]");
  g_clear_error (&error);

  g_assert_false (ae_safetensors_copy_f32 (st, "enc.0.weight", 3, wrong_rank,
          got, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "expected [2, 3, 1]"));
  g_clear_error (&error);

  ae_safetensors_free (st);
  g_bytes_unref (bytes);
  ae_safetensors_writer_free (w);
}

/* Programmer errors are criticals, not GErrors, and change nothing. */
static void
test_writer_misuse (void)
{
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  const float one = 1.0f;
  const gint64 shape = 1, negative = -1;
  GError *error = NULL;
  GBytes *bytes;
  AeSafetensors *st;

  ae_safetensors_writer_add_f32 (w, "a", 1, &shape, &one);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
      "*assertion*failed*");
  ae_safetensors_writer_add_f32 (w, "a", 1, &shape, &one);
  g_test_assert_expected_messages ();
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
      "*assertion*failed*");
  ae_safetensors_writer_add_f32 (w, "__metadata__", 1, &shape, &one);
  g_test_assert_expected_messages ();
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
      "*assertion*failed*");
  ae_safetensors_writer_add_f32 (w, "b", 1, &negative, &one);
  g_test_assert_expected_messages ();
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
      "*assertion*failed*");
  ae_safetensors_writer_add_metadata (w, "ae.format_version", "2");
  g_test_assert_expected_messages ();

  bytes = ae_safetensors_writer_to_bytes (w, &error);
  g_assert_no_error (error);
  st = ae_safetensors_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ae_safetensors_get_n_tensors (st), ==, 1);
  g_assert_cmpuint (ae_safetensors_get_n_metadata (st), ==, 1);
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.format_version"), ==,
      "1");
  ae_safetensors_free (st);
  g_bytes_unref (bytes);
  ae_safetensors_writer_free (w);
}

/* --- Random corruption --- */

#define N_CORRUPTIONS 2000

/* Bytes that matter to the header's JSON. */
static const char json_chars[] = "0123456789-.eE{}[],:\" \\F3216ISU_";

static void
corrupt (guint8 * p, gsize * size, guint64 header_len)
{
  static const guint64 huge[] = {
    G_GUINT64_CONSTANT (0xffffffffffffffff), G_GUINT64_CONSTANT (1) << 63,
    G_GUINT64_CONSTANT (1) << 32, G_MAXUINT32, G_MAXINT32, 0x7f800000,
    0x7fc00000,
  };
  gsize n = *size, pos, i;
  guint64 v;
  /* half of the edits land in the header, where the parser is */
  gsize span = g_test_rand_bit () ? MIN (n, 8 + header_len) : n;

  switch (g_test_rand_int_range (0, 7)) {
    case 0:                    /* truncate */
      *size = g_test_rand_int_range (0, n);
      break;
    case 1:                    /* flip bits */
      for (i = g_test_rand_int_range (1, 9); i > 0; i--) {
        pos = g_test_rand_int_range (0, span);
        p[pos] ^= 1u << g_test_rand_int_range (0, 8);
      }
      break;
    case 2:                    /* overwrite 8 bytes with a huge value */
      if (n < 8)
        break;
      pos = g_test_rand_int_range (0, n - 7);
      v = huge[g_test_rand_int_range (0, G_N_ELEMENTS (huge))];
      if (g_test_rand_bit ())
        v = GUINT64_TO_LE (v);
      memcpy (p + pos, &v, 8);
      break;
    case 3:                    /* edit the header length */
      v = header_len;
      switch (g_test_rand_int_range (0, 4)) {
        case 0:
          v += g_test_rand_int_range (-16, 17);
          break;
        case 1:
          v = huge[g_test_rand_int_range (0, G_N_ELEMENTS (huge))];
          break;
        case 2:
          v = g_test_rand_int_range (0, n + 16);
          break;
        default:
          v ^= G_GUINT64_CONSTANT (1) << g_test_rand_int_range (0, 64);
      }
      v = GUINT64_TO_LE (v);
      memcpy (p, &v, 8);
      break;
    case 4:                    /* JSON-ish bytes in the header */
      for (i = g_test_rand_int_range (1, 4); i > 0; i--) {
        pos = g_test_rand_int_range (0, span);
        p[pos] = json_chars[g_test_rand_int_range (0,
                sizeof (json_chars) - 1)];
      }
      break;
    case 5:                    /* random bytes anywhere */
      for (i = g_test_rand_int_range (1, 4); i > 0; i--)
        p[g_test_rand_int_range (0, n)] = g_test_rand_int_range (0, 256);
      break;
    default:                   /* a NaN or Inf into the data */
      if (n < 8 + header_len + 4)
        break;
      pos = g_test_rand_int_range (8 + header_len, n - 3);
      v = g_test_rand_bit () ? 0x7f800000 : 0xffc00001;
      {
        guint32 u = GUINT32_TO_LE ((guint32) v);

        memcpy (p + pos, &u, 4);
      }
      break;
  }
}

static void
test_random_corruption (void)
{
  guint iter, n_loaded = 0, n_failed = 0;

  for (iter = 0; iter < N_CORRUPTIONS; iter++) {
    Model m;
    AeSafetensorsWriter *w;
    GBytes *bytes, *bad;
    GError *error = NULL;
    AeSafetensors *st;
    guint8 *p;
    gsize size;
    guint64 header_len;
    char name[32];

    model_init_random (&m);
    /* at least one tensor so the data section can be corrupted */
    if (m.n_tensors == 0) {
      gint64 four = 4;

      m.n_tensors = 1;
      m.names[0] = g_strdup ("only");
      m.n_dims[0] = 1;
      m.shape[0][0] = four;
      m.n_elements[0] = 4;
      m.data[0] = g_new (float, 4);
      for (gsize j = 0; j < 4; j++)
        m.data[0][j] = rand_finite_float ();
    }
    w = model_writer (&m);
    bytes = ae_safetensors_writer_to_bytes (w, &error);
    g_assert_no_error (error);
    p = g_bytes_unref_to_data (bytes, &size);
    memcpy (&header_len, p, 8);
    header_len = GUINT64_FROM_LE (header_len);

    corrupt (p, &size, header_len);
    bad = g_bytes_new_take (p, size);
    g_snprintf (name, sizeof (name), "corrupt-%u", iter);

    st = ae_safetensors_new_from_bytes (bad, name, &error);
    if (st != NULL) {
      guint i;
      gsize total = 0;

      g_assert_no_error (error);
      n_loaded++;
      /* a file that still loads must be internally consistent */
      for (i = 0; i < ae_safetensors_get_n_tensors (st); i++) {
        gsize n = ae_safetensors_get_tensor_n_elements (st, i);
        float *dest = g_new (float, MAX (n, 1));

        g_assert_cmpuint (n, <=, size / 4);
        total += n * 4;
        g_assert_true (ae_safetensors_copy_f32 (st,
                ae_safetensors_get_tensor_name (st, i),
                ae_safetensors_get_tensor_rank (st, i),
                ae_safetensors_get_tensor_shape (st, i), dest, &error));
        g_assert_no_error (error);
        for (gsize j = 0; j < n; j++)
          g_assert_true (isfinite (dest[j]));
        g_free (dest);
      }
      g_assert_cmpuint (total, <=, size);
      g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.format_version"),
          ==, "1");
      ae_safetensors_free (st);
    } else {
      g_assert_nonnull (error);
      if (error->domain != AE_ERROR || strstr (error->message, name) == NULL)
        g_error ("%s: error outside AE_ERROR or without the name: %s", name,
            error->message);
      g_assert_true (error->code == AE_ERROR_FORMAT
          || error->code == AE_ERROR_VERSION
          || error->code == AE_ERROR_VALUE);
      g_error_free (error);
      n_failed++;
    }
    g_bytes_unref (bad);
    ae_safetensors_writer_free (w);
    model_clear (&m);
  }
  g_test_message ("%u corruptions: %u still loaded, %u refused",
      N_CORRUPTIONS, n_loaded, n_failed);
  /* most edits must be caught; some (a bit flip in a float) stay valid */
  g_assert_cmpuint (n_failed, >, N_CORRUPTIONS / 2);
  g_assert_cmpuint (n_loaded, >, 0);
}

/* The fuzz seed corpus: valid-* files load, bad-* files are refused. */
static void
test_corpus (void)
{
  GError *error = NULL;
  GDir *dir = g_dir_open (AE_SAFETENSORS_CORPUS, 0, &error);
  const char *name;
  guint n_valid = 0, n_bad = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL) {
    char *path = g_build_filename (AE_SAFETENSORS_CORPUS, name, NULL);
    AeSafetensors *st = ae_safetensors_new_from_file (path, &error);

    if (g_str_has_prefix (name, "valid-")) {
      g_assert_no_error (error);
      g_assert_nonnull (st);
      n_valid++;
    } else {
      g_assert_null (st);
      g_assert_nonnull (error);
      g_assert_true (error->domain == AE_ERROR);
      g_assert_nonnull (strstr (error->message, path));
      g_test_message ("%s", error->message);
      g_clear_error (&error);
      n_bad++;
    }
    ae_safetensors_free (st);
    g_free (path);
  }
  g_dir_close (dir);
  g_assert_cmpuint (n_valid, >, 0);
  g_assert_cmpuint (n_bad, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/safetensors/roundtrip/bytes", test_roundtrip_bytes);
  g_test_add_func ("/safetensors/roundtrip/file", test_roundtrip_file);
  g_test_add_func ("/safetensors/file-errors", test_file_errors);
  g_test_add_func ("/safetensors/golden/tiny", test_golden);
  g_test_add_func ("/safetensors/golden/escaping", test_golden_escaping);
  g_test_add_func ("/safetensors/hostile/json", test_hostile_json);
  g_test_add_func ("/safetensors/hostile/raw", test_hostile_raw);
  g_test_add_func ("/safetensors/misaligned", test_misaligned);
  g_test_add_func ("/safetensors/copy-binding", test_copy_binding);
  g_test_add_func ("/safetensors/writer-misuse", test_writer_misuse);
  g_test_add_func ("/safetensors/random-corruption", test_random_corruption);
  g_test_add_func ("/safetensors/corpus", test_corpus);

  return g_test_run ();
}
