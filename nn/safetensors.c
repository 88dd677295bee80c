/* safetensors.c: the weight-file reader and writer (format in safetensors.h).
 *
 * The reader treats its input as hostile: every length is bounded before it
 * is used, every size is computed with overflow checks, and the whole file
 * is validated before a view is returned, so the accessors below never need
 * to check anything.  It does not mmap files: a file truncated under a
 * mapping would turn a bounds-checked read into SIGBUS.
 *
 * It isn't a general safetensors implementation: one dtype, one version.
 */
#include "safetensors.h"

#include "ae.h"
#include "tensor.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define F32_BYTES 4
#define METADATA_KEY "__metadata__"
/* The most digits an integer may have: any 18-digit number fits gint64,
 * and json-glib 1.6 silently wraps larger ones. */
#define MAX_INT_DIGITS 18

typedef struct
{
  char *name;
  int n_dims;
  gint64 shape[AE_SAFETENSORS_MAX_DIMS];
  gsize n_elements;
  gsize begin;                  /* bytes, relative to the data section */
  gsize end;
  guint file_index;             /* position in the JSON, for a stable sort */
} Tensor;

struct _AeSafetensors
{
  GBytes *bytes;                /* owned reference; everything points in */
  char *name;                   /* for messages */
  const guint8 *data;           /* the data section, inside bytes */
  gsize data_size;
  GPtrArray *meta_keys;         /* file order; borrowed from metadata */
  GHashTable *metadata;         /* owned key -> owned value */
  Tensor *tensors;              /* sorted by offset */
  guint n_tensors;
  GHashTable *by_name;          /* borrowed name -> index + 1 */
};

/* --- Messages --- */

static const char *
describe_node (JsonNode * node)
{
  if (node == NULL)
    return "nothing";
  switch (json_node_get_node_type (node)) {
    case JSON_NODE_OBJECT:
      return "object";
    case JSON_NODE_ARRAY:
      return "array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node)) {
        case G_TYPE_STRING:
          return "string";
        case G_TYPE_INT64:
          return "integer";
        case G_TYPE_DOUBLE:
          return "non-integer number";
        case G_TYPE_BOOLEAN:
          return "boolean";
        default:
          return "value";
      }
  }
  return "value";
}

static char *
format_shape (int n_dims, const gint64 * shape)
{
  GString *s = g_string_new ("[");
  int i;

  for (i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "",
        shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* --- Strict JSON tokens --- */

static gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static gboolean
is_hex (char c)
{
  return g_ascii_isxdigit (c);
}

/* json-glib 1.6 accepts comments, single quotes, leading zeros and integers
 * that silently wrap, and its parser recurses without a depth limit.  This
 * pass checks the tokens (json-glib then checks the grammar), so only strict
 * JSON with bounded nesting and integers that fit gint64 reaches it.
 * @s is valid UTF-8 without NUL bytes. */
static gboolean
check_json_tokens (const char *s, gsize n, const char *file, GError ** error)
{
  gsize i = 0;
  int depth = 0;
  gboolean done = FALSE;        /* the root value is complete */

  while (i < n) {
    char c = s[i];

    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    /* json-glib 1.6 ignores a second value after the root ("{}{}") */
    if (done)
      goto bad_byte;
    if (c == ',' || c == ':') {
      i++;
    } else if (c == '{' || c == '[') {
      if (++depth > AE_SAFETENSORS_MAX_JSON_DEPTH) {
        g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
            "%s: header nests deeper than %d levels at byte %" G_GSIZE_FORMAT
            ", expected at most %d", file, AE_SAFETENSORS_MAX_JSON_DEPTH,
            i, AE_SAFETENSORS_MAX_JSON_DEPTH);
        return FALSE;
      }
      i++;
    } else if (c == '}' || c == ']') {
      if (--depth < 0)
        goto bad_byte;
      i++;
    } else if (c == '"') {
      for (i++;; i++) {
        if (i >= n) {
          g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
              "%s: header is not valid JSON: unterminated string", file);
          return FALSE;
        }
        if (s[i] == '"')
          break;
        if ((guchar) s[i] < 0x20)
          goto bad_byte;
        if (s[i] == '\\') {
          if (i + 1 >= n)
            goto bad_byte;
          if (strchr ("\"\\/bfnrt", s[i + 1]) != NULL && s[i + 1] != '\0') {
            i++;
          } else if (s[i + 1] == 'u' && i + 5 < n && is_hex (s[i + 2])
              && is_hex (s[i + 3]) && is_hex (s[i + 4]) && is_hex (s[i + 5])) {
            /* \u0000 would cut a C string short: names must not hide */
            if (strncmp (s + i + 2, "0000", 4) == 0)
              goto bad_byte;
            i += 5;
          } else {
            goto bad_byte;
          }
        }
      }
      i++;
    } else if (c == '-' || is_digit (c)) {
      gsize n_digits = 0;
      gboolean is_int = TRUE;

      if (s[i] == '-')
        i++;
      if (i < n && s[i] == '0') {
        i++;
        n_digits = 1;
      } else {
        while (i < n && is_digit (s[i])) {
          i++;
          n_digits++;
        }
      }
      if (n_digits == 0)
        goto bad_byte;
      if (i < n && s[i] == '.') {
        is_int = FALSE;
        if (++i >= n || !is_digit (s[i]))
          goto bad_byte;
        while (i < n && is_digit (s[i]))
          i++;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        is_int = FALSE;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
          i++;
        if (i >= n || !is_digit (s[i]))
          goto bad_byte;
        while (i < n && is_digit (s[i]))
          i++;
      }
      /* a digit here means a leading zero ("01") */
      if (i < n && (is_digit (s[i]) || s[i] == '.' || s[i] == '-'
              || s[i] == '+' || s[i] == 'e' || s[i] == 'E'))
        goto bad_byte;
      if (is_int && n_digits > MAX_INT_DIGITS) {
        g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
            "%s: header has an integer of %" G_GSIZE_FORMAT " digits before "
            "byte %" G_GSIZE_FORMAT ", expected at most %d", file, n_digits,
            i, MAX_INT_DIGITS);
        return FALSE;
      }
    } else if (n - i >= 4 && (strncmp (s + i, "true", 4) == 0
            || strncmp (s + i, "null", 4) == 0)) {
      i += 4;
    } else if (n - i >= 5 && strncmp (s + i, "false", 5) == 0) {
      i += 5;
    } else {
      goto bad_byte;
    }
    done = depth == 0;
  }
  return TRUE;

bad_byte:
  g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
      "%s: header is not valid JSON: unexpected byte 0x%02x at header "
      "offset %" G_GSIZE_FORMAT, file, i < n ? (guchar) s[i] : 0, i);
  return FALSE;
}

/* json-glib keeps the last of duplicate keys silently; count the members
 * it reports against the size of each finished object instead. */
typedef struct
{
  guint n_members[AE_SAFETENSORS_MAX_JSON_DEPTH + 1];
  int depth;
  char *duplicate;              /* first duplicate key seen, owned */
} DupCheck;

static void
on_object_start (JsonParser * parser, gpointer user_data)
{
  DupCheck *d = user_data;

  if (d->depth < (int) G_N_ELEMENTS (d->n_members))
    d->n_members[d->depth] = 0;
  d->depth++;
}

static void
on_object_member (JsonParser * parser, JsonObject * object,
    const char *member_name, gpointer user_data)
{
  DupCheck *d = user_data;
  int k = d->depth - 1;

  if (k < 0 || k >= (int) G_N_ELEMENTS (d->n_members))
    return;
  d->n_members[k]++;
  if (d->n_members[k] > json_object_get_size (object) && !d->duplicate)
    d->duplicate = g_strdup (member_name);
}

static void
on_object_end (JsonParser * parser, JsonObject * object, gpointer user_data)
{
  DupCheck *d = user_data;
  int k = d->depth - 1;

  if (k >= 0 && k < (int) G_N_ELEMENTS (d->n_members)
      && d->n_members[k] != json_object_get_size (object) && !d->duplicate)
    d->duplicate = g_strdup ("(unknown)");
  d->depth--;
}

/* --- Reader --- */

void
ae_safetensors_free (AeSafetensors * st)
{
  guint i;

  if (st == NULL)
    return;
  if (st->tensors)
    for (i = 0; i < st->n_tensors; i++)
      g_free (st->tensors[i].name);
  g_free (st->tensors);
  if (st->by_name)
    g_hash_table_unref (st->by_name);
  if (st->meta_keys)
    g_ptr_array_unref (st->meta_keys);
  if (st->metadata)
    g_hash_table_unref (st->metadata);
  g_free (st->name);
  if (st->bytes)
    g_bytes_unref (st->bytes);
  g_free (st);
}

static gboolean
parse_metadata (AeSafetensors * st, JsonObject * root, GError ** error)
{
  JsonNode *node = json_object_get_member (root, METADATA_KEY);
  JsonObject *meta;
  GList *members, *l;
  const char *version;

  if (node == NULL) {
    g_set_error (error, AE_ERROR, AE_ERROR_VERSION,
        "%s: header has no __metadata__, expected one holding "
        "\"" AE_SAFETENSORS_VERSION_KEY "\": \""
        AE_SAFETENSORS_FORMAT_VERSION "\"", st->name);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: __metadata__ is a JSON %s, expected an object of strings",
        st->name, describe_node (node));
    return FALSE;
  }
  meta = json_node_get_object (node);
  members = json_object_get_members (meta);
  for (l = members; l != NULL; l = l->next) {
    const char *key = l->data;
    JsonNode *value = json_object_get_member (meta, key);
    const char *s;
    char *owned_key;

    if (!JSON_NODE_HOLDS_VALUE (value)
        || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: __metadata__ \"%s\" is a JSON %s, expected a string",
          st->name, key, describe_node (value));
      g_list_free (members);
      return FALSE;
    }
    s = json_node_get_string (value);
    if (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (s, -1, NULL)) {
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: __metadata__ holds a string that is not valid UTF-8",
          st->name);
      g_list_free (members);
      return FALSE;
    }
    owned_key = g_strdup (key);
    g_hash_table_insert (st->metadata, owned_key, g_strdup (s));
    g_ptr_array_add (st->meta_keys, owned_key);
  }
  g_list_free (members);

  version = g_hash_table_lookup (st->metadata, AE_SAFETENSORS_VERSION_KEY);
  if (version == NULL) {
    g_set_error (error, AE_ERROR, AE_ERROR_VERSION,
        "%s: __metadata__ has no \"" AE_SAFETENSORS_VERSION_KEY "\", "
        "expected \"" AE_SAFETENSORS_FORMAT_VERSION "\"", st->name);
    return FALSE;
  }
  if (strcmp (version, AE_SAFETENSORS_FORMAT_VERSION) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_VERSION,
        "%s: unsupported format version \"%s\" (this build reads \""
        AE_SAFETENSORS_FORMAT_VERSION "\")", st->name, version);
    return FALSE;
  }
  return TRUE;
}

/* A non-negative JSON integer, or FALSE. */
static gboolean
get_count (JsonNode * node, gint64 * out)
{
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return *out >= 0;
}

static gboolean
parse_tensor (AeSafetensors * st, const char *name, JsonNode * node,
    Tensor * t, GError ** error)
{
  JsonObject *entry;
  GList *members, *l;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *a;
  gint64 begin, end;
  gsize n_bytes;
  guint i, n;

  if (name[0] == '\0' || !g_utf8_validate (name, -1, NULL)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: a tensor name is empty or not UTF-8, expected a name",
        st->name);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" is a JSON %s, expected an object with dtype, "
        "shape and data_offsets", st->name, name, describe_node (node));
    return FALSE;
  }
  entry = json_node_get_object (node);
  members = json_object_get_members (entry);
  for (l = members; l != NULL; l = l->next) {
    const char *key = l->data;

    if (strcmp (key, "dtype") != 0 && strcmp (key, "shape") != 0
        && strcmp (key, "data_offsets") != 0) {
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: tensor \"%s\" has unknown key \"%s\", expected only dtype, "
          "shape and data_offsets", st->name, name, key);
      g_list_free (members);
      return FALSE;
    }
  }
  g_list_free (members);

  dtype = json_object_get_member (entry, "dtype");
  if (dtype == NULL || !JSON_NODE_HOLDS_VALUE (dtype)
      || json_node_get_value_type (dtype) != G_TYPE_STRING) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" dtype is %s, expected the string \"F32\"",
        st->name, name, dtype ? describe_node (dtype) : "missing");
    return FALSE;
  }
  if (strcmp (json_node_get_string (dtype), "F32") != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" has dtype \"%s\", expected \"F32\" (the only "
        "dtype this build reads)", st->name, name,
        json_node_get_string (dtype));
    return FALSE;
  }

  shape = json_object_get_member (entry, "shape");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" shape is %s, expected an array of integers",
        st->name, name, shape ? describe_node (shape) : "missing");
    return FALSE;
  }
  a = json_node_get_array (shape);
  n = json_array_get_length (a);
  if (n > AE_SAFETENSORS_MAX_DIMS) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" has rank %u, expected at most %d", st->name,
        name, n, AE_SAFETENSORS_MAX_DIMS);
    return FALSE;
  }
  t->n_dims = n;
  t->n_elements = 1;
  for (i = 0; i < n; i++) {
    JsonNode *dim = json_array_get_element (a, i);

    if (!get_count (dim, &t->shape[i])) {
      if (JSON_NODE_HOLDS_VALUE (dim)
          && json_node_get_value_type (dim) == G_TYPE_INT64)
        g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
            "%s: tensor \"%s\" shape[%u] is %" G_GINT64_FORMAT ", expected "
            "an integer >= 0", st->name, name, i, json_node_get_int (dim));
      else
        g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
            "%s: tensor \"%s\" shape[%u] is a JSON %s, expected an "
            "integer >= 0", st->name, name, i, describe_node (dim));
      return FALSE;
    }
    if (!ae_size_mul (t->n_elements, (gsize) t->shape[i], &t->n_elements))
      goto too_big;
  }
  if (!ae_size_mul (t->n_elements, F32_BYTES, &n_bytes))
    goto too_big;

  offsets = json_object_get_member (entry, "data_offsets");
  if (offsets == NULL || !JSON_NODE_HOLDS_ARRAY (offsets)
      || json_array_get_length (json_node_get_array (offsets)) != 2
      || !get_count (json_array_get_element (json_node_get_array (offsets),
              0), &begin)
      || !get_count (json_array_get_element (json_node_get_array (offsets),
              1), &end) || begin > end) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" data_offsets are not [begin, end] with "
        "0 <= begin <= end", st->name, name);
    return FALSE;
  }
  if ((guint64) end > st->data_size) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" data_offsets end at %" G_GINT64_FORMAT ", past "
        "the end of the data section (%" G_GSIZE_FORMAT " bytes)", st->name,
        name, end, st->data_size);
    return FALSE;
  }
  t->begin = begin;
  t->end = end;
  if (t->end - t->begin != n_bytes) {
    char *s = format_shape (t->n_dims, t->shape);

    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" data_offsets [%" G_GSIZE_FORMAT ", %"
        G_GSIZE_FORMAT "] span %" G_GSIZE_FORMAT " bytes, expected %"
        G_GSIZE_FORMAT " (shape %s of F32)", st->name, name, t->begin,
        t->end, t->end - t->begin, n_bytes, s);
    g_free (s);
    return FALSE;
  }
  return TRUE;

too_big:
  {
    /* the dims up to the one that overflowed */
    char *s = format_shape (MIN (i + 1, n), t->shape);

    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: tensor \"%s\" shape %s overflows: expected at most %"
        G_GSIZE_FORMAT " bytes", st->name, name, s, G_MAXSIZE);
    g_free (s);
    return FALSE;
  }
}

static int
compare_offsets (const void *pa, const void *pb)
{
  const Tensor *a = pa, *b = pb;

  if (a->begin != b->begin)
    return a->begin < b->begin ? -1 : 1;
  if (a->end != b->end)
    return a->end < b->end ? -1 : 1;
  return a->file_index < b->file_index ? -1 : a->file_index > b->file_index;
}

static gboolean
check_layout (AeSafetensors * st, GError ** error)
{
  gsize expected = 0;
  guint i;

  qsort (st->tensors, st->n_tensors, sizeof (Tensor), compare_offsets);
  for (i = 0; i < st->n_tensors; i++) {
    const Tensor *t = &st->tensors[i];

    if (t->begin > expected) {
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: tensor \"%s\" starts at data offset %" G_GSIZE_FORMAT
          ", expected %" G_GSIZE_FORMAT " (a hole of %" G_GSIZE_FORMAT
          " bytes)", st->name, t->name, t->begin, expected,
          t->begin - expected);
      return FALSE;
    }
    if (t->begin < expected) {
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: tensor \"%s\" starts at data offset %" G_GSIZE_FORMAT
          ", expected %" G_GSIZE_FORMAT " (it overlaps tensor \"%s\")",
          st->name, t->name, t->begin, expected, st->tensors[i - 1].name);
      return FALSE;
    }
    expected = t->end;
  }
  if (expected != st->data_size) {
    if (st->n_tensors == 0)
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: file has no tensors but %" G_GSIZE_FORMAT " bytes of data, "
          "expected 0 (trailing bytes)", st->name, st->data_size);
    else
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "%s: last tensor \"%s\" ends at data offset %" G_GSIZE_FORMAT
          ", expected the end of the file at %" G_GSIZE_FORMAT
          " (trailing bytes)", st->name,
          st->tensors[st->n_tensors - 1].name, expected, st->data_size);
    return FALSE;
  }
  return TRUE;
}

/* NaN and Inf by their bits, so -ffast-math cannot hide them. */
static gboolean
check_values (AeSafetensors * st, GError ** error)
{
  guint i;
  gsize j;

  for (i = 0; i < st->n_tensors; i++) {
    const Tensor *t = &st->tensors[i];
    const guint8 *p = st->data + t->begin;

    for (j = 0; j < t->n_elements; j++) {
      guint32 bits;

      memcpy (&bits, p + j * F32_BYTES, F32_BYTES);
      bits = GUINT32_FROM_LE (bits);
      if ((bits & 0x7f800000u) == 0x7f800000u) {
        g_set_error (error, AE_ERROR, AE_ERROR_VALUE,
            "%s: tensor \"%s\" element %" G_GSIZE_FORMAT " is %s, expected "
            "a finite value", st->name, t->name, j,
            (bits & 0x007fffffu) ? "NaN" : (bits >> 31) ? "-Inf" : "+Inf");
        return FALSE;
      }
    }
  }
  return TRUE;
}

AeSafetensors *
ae_safetensors_new_from_bytes (GBytes * bytes, const char *name_for_errors,
    GError ** error)
{
  const char *file = name_for_errors ? name_for_errors : "<bytes>";
  const guint8 *raw;
  const char *header;
  gsize size, k;
  guint64 header_len;
  JsonParser *parser = NULL;
  DupCheck dup = { {0}, 0, NULL };
  GError *json_error = NULL;
  JsonNode *root;
  JsonObject *root_obj;
  GList *members = NULL, *l;
  AeSafetensors *st = NULL;
  guint i;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  raw = g_bytes_get_data (bytes, &size);
  if (size < 8) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: file is %" G_GSIZE_FORMAT " bytes, expected at least 8 for "
        "the header length", file, size);
    return NULL;
  }
  memcpy (&header_len, raw, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len < 2 || header_len > AE_SAFETENSORS_MAX_HEADER_BYTES) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header length is %" G_GUINT64_FORMAT " bytes, expected 2 to %u",
        file, header_len, AE_SAFETENSORS_MAX_HEADER_BYTES);
    return NULL;
  }
  if (header_len > size - 8) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header length is %" G_GUINT64_FORMAT " bytes, but only %"
        G_GSIZE_FORMAT " bytes follow (file truncated?)", file, header_len,
        size - 8);
    return NULL;
  }
  if ((8 + header_len) % 8 != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header length is %" G_GUINT64_FORMAT " bytes, expected a "
        "multiple of 8 (space padding) so the data section is aligned",
        file, header_len);
    return NULL;
  }
  header = (const char *) raw + 8;
  if (!g_utf8_validate_len (header, header_len, NULL)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header is not valid UTF-8 or holds a NUL byte", file);
    return NULL;
  }
  /* huggingface/safetensors refuses headers that do not open with '{' */
  if (header[0] != '{') {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header starts with byte 0x%02x, expected '{'", file,
        (guchar) header[0]);
    return NULL;
  }
  if (!check_json_tokens (header, header_len, file, error))
    return NULL;

  parser = json_parser_new ();
  g_signal_connect (parser, "object-start", G_CALLBACK (on_object_start),
      &dup);
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member),
      &dup);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_object_end), &dup);
  if (!json_parser_load_from_data (parser, header, header_len, &json_error)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header is not valid JSON: %s", file, json_error->message);
    g_error_free (json_error);
    goto fail;
  }
  root = json_parser_get_root (parser);
  if (root == NULL) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header is empty, expected a JSON object", file);
    goto fail;
  }
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header is a JSON %s, expected an object", file,
        describe_node (root));
    goto fail;
  }
  if (dup.duplicate) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: header repeats the key \"%s\", expected unique keys", file,
        dup.duplicate);
    goto fail;
  }
  root_obj = json_node_get_object (root);

  st = g_new0 (AeSafetensors, 1);
  st->bytes = g_bytes_ref (bytes);
  st->name = g_strdup (file);
  st->data = raw + 8 + header_len;
  st->data_size = size - 8 - header_len;
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  st->meta_keys = g_ptr_array_new ();
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  if (!parse_metadata (st, root_obj, error))
    goto fail;

  /* bounded: each member took at least 5 bytes of a <= 16 MiB header */
  st->tensors = g_new0 (Tensor, json_object_get_size (root_obj));
  members = json_object_get_members (root_obj);
  for (l = members, k = 0; l != NULL; l = l->next, k++) {
    const char *name = l->data;
    Tensor *t = &st->tensors[st->n_tensors];

    if (strcmp (name, METADATA_KEY) == 0)
      continue;
    t->file_index = (guint) k;
    if (!parse_tensor (st, name, json_object_get_member (root_obj, name), t,
            error))
      goto fail;
    t->name = g_strdup (name);
    st->n_tensors++;
  }
  g_list_free (members);
  members = NULL;

  if (!check_layout (st, error) || !check_values (st, error))
    goto fail;
  for (i = 0; i < st->n_tensors; i++)
    g_hash_table_insert (st->by_name, st->tensors[i].name,
        GUINT_TO_POINTER (i + 1));

  g_object_unref (parser);
  g_free (dup.duplicate);
  return st;

fail:
  g_list_free (members);
  ae_safetensors_free (st);
  g_clear_object (&parser);
  g_free (dup.duplicate);
  return NULL;
}

AeSafetensors *
ae_safetensors_new_from_file (const char *path, GError ** error)
{
  struct stat sb;
  guint8 *buf;
  gsize size, done = 0;
  GBytes *bytes;
  AeSafetensors *st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    int e = errno;

    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s: cannot open: %s", path,
        g_strerror (e));
    return NULL;
  }
  if (fstat (fd, &sb) != 0 || !S_ISREG (sb.st_mode)) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO,
        "%s: not a regular file, expected a weight file", path);
    close (fd);
    return NULL;
  }
  if ((guint64) sb.st_size > AE_SAFETENSORS_MAX_FILE_BYTES) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO,
        "%s: file is %" G_GUINT64_FORMAT " bytes, expected at most %"
        G_GSIZE_FORMAT, path, (guint64) sb.st_size,
        AE_SAFETENSORS_MAX_FILE_BYTES);
    close (fd);
    return NULL;
  }
  size = sb.st_size;
  buf = g_malloc (size ? size : 1);
  while (done < size) {
    gssize n = read (fd, buf + done, size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = errno;

      g_set_error (error, AE_ERROR, AE_ERROR_IO,
          "%s: read %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes: %s",
          path, done, size, n < 0 ? g_strerror (e) : "file shrank");
      g_free (buf);
      close (fd);
      return NULL;
    }
    done += n;
  }
  close (fd);

  bytes = g_bytes_new_take (buf, size);
  st = ae_safetensors_new_from_bytes (bytes, path, error);
  g_bytes_unref (bytes);
  return st;
}

const char *
ae_safetensors_get_name (const AeSafetensors * st)
{
  g_return_val_if_fail (st != NULL, NULL);
  return st->name;
}

const char *
ae_safetensors_get_metadata (const AeSafetensors * st, const char *key)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (st->metadata, key);
}

guint
ae_safetensors_get_n_metadata (const AeSafetensors * st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->meta_keys->len;
}

const char *
ae_safetensors_get_metadata_key (const AeSafetensors * st, guint i)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->meta_keys->len, NULL);
  return g_ptr_array_index (st->meta_keys, i);
}

guint
ae_safetensors_get_n_tensors (const AeSafetensors * st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->n_tensors;
}

const char *
ae_safetensors_get_tensor_name (const AeSafetensors * st, guint i)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->n_tensors, NULL);
  return st->tensors[i].name;
}

int
ae_safetensors_get_tensor_rank (const AeSafetensors * st, guint i)
{
  g_return_val_if_fail (st != NULL, -1);
  g_return_val_if_fail (i < st->n_tensors, -1);
  return st->tensors[i].n_dims;
}

const gint64 *
ae_safetensors_get_tensor_shape (const AeSafetensors * st, guint i)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->n_tensors, NULL);
  return st->tensors[i].shape;
}

gsize
ae_safetensors_get_tensor_n_elements (const AeSafetensors * st, guint i)
{
  g_return_val_if_fail (st != NULL, 0);
  g_return_val_if_fail (i < st->n_tensors, 0);
  return st->tensors[i].n_elements;
}

int
ae_safetensors_find_tensor (const AeSafetensors * st, const char *name)
{
  g_return_val_if_fail (st != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (st->by_name, name)) - 1;
}

const float *
ae_safetensors_peek_f32 (const AeSafetensors * st, guint i)
{
  const guint8 *p;

  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->n_tensors, NULL);
  if (G_BYTE_ORDER != G_LITTLE_ENDIAN)
    return NULL;
  p = st->data + st->tensors[i].begin;
  if ((guintptr) p % G_ALIGNOF (float) != 0)
    return NULL;
  return (const float *) p;
}

gboolean
ae_safetensors_copy_f32 (const AeSafetensors * st, const char *name,
    int n_dims, const gint64 * shape, float *dest, GError ** error)
{
  const Tensor *t;
  int idx, i;

  g_return_val_if_fail (st != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (n_dims >= 0, FALSE);
  g_return_val_if_fail (n_dims == 0 || shape != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  idx = ae_safetensors_find_tensor (st, name);
  if (idx < 0) {
    char *want = format_shape (n_dims, shape);

    g_set_error (error, AE_ERROR, AE_ERROR_SHAPE,
        "%s: tensor \"%s\" is missing, expected one of shape %s", st->name,
        name, want);
    g_free (want);
    return FALSE;
  }
  t = &st->tensors[idx];
  for (i = 0; i < n_dims && n_dims == t->n_dims; i++)
    if (shape[i] != t->shape[i])
      break;
  if (n_dims != t->n_dims || i != n_dims) {
    char *want = format_shape (n_dims, shape);
    char *found = format_shape (t->n_dims, t->shape);

    g_set_error (error, AE_ERROR, AE_ERROR_SHAPE,
        "%s: tensor \"%s\" has shape %s, expected %s", st->name, name,
        found, want);
    g_free (want);
    g_free (found);
    return FALSE;
  }
  g_return_val_if_fail (dest != NULL || t->n_elements == 0, FALSE);
  if (t->n_elements == 0)
    return TRUE;
  memcpy (dest, st->data + t->begin, t->n_elements * F32_BYTES);
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  {
    gsize j;
    guint32 *u = (guint32 *) dest;

    for (j = 0; j < t->n_elements; j++)
      u[j] = GUINT32_FROM_LE (u[j]);
  }
#endif
  return TRUE;
}

/* --- Writer --- */

typedef struct
{
  char *name;
  int n_dims;
  gint64 shape[AE_SAFETENSORS_MAX_DIMS];
  gsize n_elements;
  gboolean overflow;            /* product of shape does not fit gsize */
  const float *data;            /* borrowed */
} WriterTensor;

struct _AeSafetensorsWriter
{
  GPtrArray *meta_keys;         /* owned strings, insertion order */
  GPtrArray *meta_values;
  GArray *tensors;              /* WriterTensor, insertion order */
  GHashTable *names;            /* tensor names in use, borrowed */
  GHashTable *meta_set;         /* metadata keys in use, borrowed */
};

AeSafetensorsWriter *
ae_safetensors_writer_new (void)
{
  AeSafetensorsWriter *w = g_new0 (AeSafetensorsWriter, 1);

  w->meta_keys = g_ptr_array_new_with_free_func (g_free);
  w->meta_values = g_ptr_array_new_with_free_func (g_free);
  w->tensors = g_array_new (FALSE, TRUE, sizeof (WriterTensor));
  w->names = g_hash_table_new (g_str_hash, g_str_equal);
  w->meta_set = g_hash_table_new (g_str_hash, g_str_equal);
  return w;
}

void
ae_safetensors_writer_free (AeSafetensorsWriter * w)
{
  guint i;

  if (w == NULL)
    return;
  for (i = 0; i < w->tensors->len; i++)
    g_free (g_array_index (w->tensors, WriterTensor, i).name);
  g_array_unref (w->tensors);
  g_ptr_array_unref (w->meta_keys);
  g_ptr_array_unref (w->meta_values);
  g_hash_table_unref (w->names);
  g_hash_table_unref (w->meta_set);
  g_free (w);
}

void
ae_safetensors_writer_add_metadata (AeSafetensorsWriter * w,
    const char *key, const char *value)
{
  char *k;

  g_return_if_fail (w != NULL);
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));
  g_return_if_fail (strcmp (key, AE_SAFETENSORS_VERSION_KEY) != 0);
  g_return_if_fail (!g_hash_table_contains (w->meta_set, key));

  k = g_strdup (key);
  g_ptr_array_add (w->meta_keys, k);
  g_ptr_array_add (w->meta_values, g_strdup (value));
  g_hash_table_add (w->meta_set, k);
}

void
ae_safetensors_writer_add_f32 (AeSafetensorsWriter * w, const char *name,
    int n_dims, const gint64 * shape, const float *data)
{
  WriterTensor t = { 0 };
  int i;

  g_return_if_fail (w != NULL);
  g_return_if_fail (name != NULL && name[0] != '\0');
  g_return_if_fail (g_utf8_validate (name, -1, NULL));
  g_return_if_fail (strcmp (name, METADATA_KEY) != 0);
  g_return_if_fail (!g_hash_table_contains (w->names, name));
  g_return_if_fail (n_dims >= 0 && n_dims <= AE_SAFETENSORS_MAX_DIMS);
  g_return_if_fail (n_dims == 0 || shape != NULL);

  t.n_dims = n_dims;
  t.n_elements = 1;
  for (i = 0; i < n_dims; i++) {
    g_return_if_fail (shape[i] >= 0);
    t.shape[i] = shape[i];
    if (!ae_size_mul (t.n_elements, (gsize) shape[i], &t.n_elements))
      t.overflow = TRUE;
  }
  g_return_if_fail (data != NULL || t.overflow || t.n_elements == 0);
  t.data = data;
  t.name = g_strdup (name);
  g_array_append_val (w->tensors, t);
  g_hash_table_add (w->names, t.name);
}

/* A JSON string literal: escapes only what JSON requires, so the output is
 * fixed for a given input. */
static void
append_json_string (GString * s, const char *str)
{
  g_string_append_c (s, '"');
  for (; *str; str++) {
    guchar c = *str;

    if (c == '"' || c == '\\') {
      g_string_append_c (s, '\\');
      g_string_append_c (s, c);
    } else if (c < 0x20) {
      g_string_append_printf (s, "\\u%04x", c);
    } else {
      g_string_append_c (s, c);
    }
  }
  g_string_append_c (s, '"');
}

GBytes *
ae_safetensors_writer_to_bytes (AeSafetensorsWriter * w, GError ** error)
{
  GString *h;
  gsize offset = 0, total, j;
  guint64 header_len_le;
  guint8 *buf, *p;
  guint i;
  int d;

  g_return_val_if_fail (w != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  h = g_string_new ("{\"" METADATA_KEY "\":{\"" AE_SAFETENSORS_VERSION_KEY
      "\":\"" AE_SAFETENSORS_FORMAT_VERSION "\"");
  for (i = 0; i < w->meta_keys->len; i++) {
    g_string_append_c (h, ',');
    append_json_string (h, g_ptr_array_index (w->meta_keys, i));
    g_string_append_c (h, ':');
    append_json_string (h, g_ptr_array_index (w->meta_values, i));
  }
  g_string_append_c (h, '}');

  for (i = 0; i < w->tensors->len; i++) {
    const WriterTensor *t = &g_array_index (w->tensors, WriterTensor, i);
    gsize n_bytes, end;

    if (t->overflow || !ae_size_mul (t->n_elements, F32_BYTES, &n_bytes)
        || !g_size_checked_add (&end, offset, n_bytes)) {
      g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
          "cannot write tensor \"%s\": its size overflows", t->name);
      g_string_free (h, TRUE);
      return NULL;
    }
    for (j = 0; j < t->n_elements; j++) {
      if (!isfinite (t->data[j])) {
        g_set_error (error, AE_ERROR, AE_ERROR_VALUE,
            "cannot write tensor \"%s\": element %" G_GSIZE_FORMAT " is %s, "
            "expected a finite value", t->name, j,
            isnan (t->data[j]) ? "NaN" : t->data[j] > 0 ? "+Inf" : "-Inf");
        g_string_free (h, TRUE);
        return NULL;
      }
    }
    g_string_append_c (h, ',');
    append_json_string (h, t->name);
    g_string_append (h, ":{\"dtype\":\"F32\",\"shape\":[");
    for (d = 0; d < t->n_dims; d++)
      g_string_append_printf (h, "%s%" G_GINT64_FORMAT, d ? "," : "",
          t->shape[d]);
    g_string_append_printf (h, "],\"data_offsets\":[%" G_GSIZE_FORMAT ",%"
        G_GSIZE_FORMAT "]}", offset, end);
    offset = end;
  }
  g_string_append_c (h, '}');
  while ((8 + h->len) % 8 != 0)
    g_string_append_c (h, ' ');

  if (h->len > AE_SAFETENSORS_MAX_HEADER_BYTES
      || !g_size_checked_add (&total, 8 + h->len, offset)) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "cannot write: header is %" G_GSIZE_FORMAT " bytes, expected at "
        "most %u", h->len, AE_SAFETENSORS_MAX_HEADER_BYTES);
    g_string_free (h, TRUE);
    return NULL;
  }

  buf = g_malloc (total ? total : 1);
  header_len_le = GUINT64_TO_LE ((guint64) h->len);
  memcpy (buf, &header_len_le, 8);
  memcpy (buf + 8, h->str, h->len);
  p = buf + 8 + h->len;
  for (i = 0; i < w->tensors->len; i++) {
    const WriterTensor *t = &g_array_index (w->tensors, WriterTensor, i);

    if (t->n_elements == 0)
      continue;
    memcpy (p, t->data, t->n_elements * F32_BYTES);
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
    for (j = 0; j < t->n_elements; j++) {
      guint32 u;

      memcpy (&u, p + j * F32_BYTES, F32_BYTES);
      u = GUINT32_TO_LE (u);
      memcpy (p + j * F32_BYTES, &u, F32_BYTES);
    }
#endif
    p += t->n_elements * F32_BYTES;
  }
  g_string_free (h, TRUE);
  return g_bytes_new_take (buf, total);
}

gboolean
ae_safetensors_writer_write_file (AeSafetensorsWriter * w, const char *path,
    GError ** error)
{
  GBytes *bytes;
  GError *file_error = NULL;
  gsize size;
  gconstpointer data;
  gboolean ok;

  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = ae_safetensors_writer_to_bytes (w, error);
  if (bytes == NULL) {
    g_prefix_error (error, "%s: ", path);
    return FALSE;
  }
  data = g_bytes_get_data (bytes, &size);
  /* CONSISTENT: written to a temporary file in the same directory and
   * renamed over @path, so readers see the old file or the new one */
  ok = g_file_set_contents_full (path, data, size,
      G_FILE_SET_CONTENTS_CONSISTENT, 0666, &file_error);
  g_bytes_unref (bytes);
  if (!ok) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "%s: cannot write: %s", path,
        file_error->message);
    g_error_free (file_error);
  }
  return ok;
}
