/* plot.c: `ae-train plot LOG.csv -o CURVES.png`: training curves as a PNG.
 *
 * Reads any --log CSV ae-train writes (a header, then numbers; empty
 * cells are gaps), draws the chosen columns against the first (the step)
 * on one linear axis, with a grid, and writes a PNG through GStreamer:
 * appsrc ! textoverlay (title, ranges and one legend line per curve, in
 * its colour) ! videoconvert ! pngenc ! filesink.  No plotting library
 * needed; gnuplot users can plot the CSV directly instead.
 */
#include "plot.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ae.h"
#include "cli.h"

#define WIDTH 960
#define HEIGHT 540
#define LEFT 90
#define RIGHT 30
#define TOP 60
#define BOTTOM 50
#define MAX_SERIES 6

static const guint32 colours[MAX_SERIES] = {
  0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd, 0x8c564b
};

/* One line of text on the plot, at (x, y) as fractions of the size. */
typedef struct
{
  char *text;
  double x, y;
  guint32 colour;
} Label;

#define MAX_LABELS (MAX_SERIES + 4)

typedef struct
{
  char **names;                 /* header cells */
  guint n_cols;
  GArray *rows;                 /* doubles, n_cols per row; NAN for gaps */
  guint n_rows;
} Csv;

static gboolean
csv_read (Csv * csv, const char *path, GError ** error)
{
  char *text = NULL, **lines;
  guint i, c;

  if (!g_file_get_contents (path, &text, NULL, error)) {
    if (error && *error)
      (*error)->domain = AE_ERROR, (*error)->code = AE_ERROR_IO;
    return FALSE;
  }
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  csv->names = g_strsplit (lines[0] ? lines[0] : "", ",", -1);
  csv->n_cols = g_strv_length (csv->names);
  csv->rows = g_array_new (FALSE, FALSE, sizeof (double));
  for (i = 1; lines[i]; i++) {
    char **cells;
    if (!lines[i][0])
      continue;
    cells = g_strsplit (lines[i], ",", -1);
    if (g_strv_length (cells) != csv->n_cols) {
      g_set_error (error, AE_ERROR, AE_ERROR_DATA,
          "%s line %u: %u cells where the header has %u", path, i + 1,
          g_strv_length (cells), csv->n_cols);
      g_strfreev (cells);
      g_strfreev (lines);
      return FALSE;
    }
    for (c = 0; c < csv->n_cols; c++) {
      char *end;
      double v = g_ascii_strtod (cells[c], &end);
      if (end == cells[c] || *end != '\0' || !isfinite (v))
        v = NAN;
      g_array_append_val (csv->rows, v);
    }
    g_strfreev (cells);
    csv->n_rows++;
  }
  g_strfreev (lines);
  if (csv->n_cols < 2 || csv->n_rows == 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_DATA,
        "%s: no rows of at least two columns to plot", path);
    return FALSE;
  }
  return TRUE;
}

static double
csv_at (const Csv * csv, guint row, guint col)
{
  return g_array_index (csv->rows, double, row * csv->n_cols + col);
}

static void
put (guint8 * rgb, int x, int y, guint32 colour)
{
  guint8 *p;

  if (x < 0 || y < 0 || x >= WIDTH || y >= HEIGHT)
    return;
  p = rgb + ((gsize) y * WIDTH + x) * 3;
  p[0] = colour >> 16;
  p[1] = (colour >> 8) & 0xff;
  p[2] = colour & 0xff;
}

/* A line two pixels thick, by steps of at most one pixel. */
static void
line (guint8 * rgb, double x0, double y0, double x1, double y1,
    guint32 colour)
{
  int n = (int) MAX (fabs (x1 - x0), fabs (y1 - y0)) + 1, i;

  for (i = 0; i <= n; i++) {
    double t = (double) i / n;
    int x = (int) lround (x0 + t * (x1 - x0)), y = (int) lround (y0 + t *
        (y1 - y0));
    put (rgb, x, y, colour);
    put (rgb, x + 1, y, colour);
    put (rgb, x, y + 1, colour);
  }
}

/* Draws the frame, grid and curves; fills the axis ranges. */
static void
draw (guint8 * rgb, const Csv * csv, const guint * cols, guint n_series,
    double range[4])
{
  double x_lo = G_MAXDOUBLE, x_hi = -G_MAXDOUBLE;
  double y_lo = G_MAXDOUBLE, y_hi = -G_MAXDOUBLE;
  int pw = WIDTH - LEFT - RIGHT, ph = HEIGHT - TOP - BOTTOM, i;
  guint r, s;

  memset (rgb, 0xff, (gsize) WIDTH * HEIGHT * 3);
  for (r = 0; r < csv->n_rows; r++) {
    double x = csv_at (csv, r, 0);
    if (isnan (x))
      continue;
    x_lo = MIN (x_lo, x);
    x_hi = MAX (x_hi, x);
    for (s = 0; s < n_series; s++) {
      double y = csv_at (csv, r, cols[s]);
      if (!isnan (y)) {
        y_lo = MIN (y_lo, y);
        y_hi = MAX (y_hi, y);
      }
    }
  }
  if (x_hi <= x_lo)
    x_hi = x_lo + 1.0;
  if (!(y_hi > y_lo)) {
    y_lo = isfinite (y_lo) ? y_lo - 1.0 : 0.0;
    y_hi = y_lo + 2.0;
  }
  range[0] = x_lo;
  range[1] = x_hi;
  range[2] = y_lo;
  range[3] = y_hi;
  /* grid: ten steps each way, the frame darker */
  for (i = 0; i <= 10; i++) {
    guint32 c = i == 0 || i == 10 ? 0x404040 : 0xdddddd;
    line (rgb, LEFT + pw * i / 10.0, TOP, LEFT + pw * i / 10.0, TOP + ph, c);
    line (rgb, LEFT, TOP + ph * i / 10.0, LEFT + pw, TOP + ph * i / 10.0, c);
  }
  for (s = 0; s < n_series; s++) {
    gboolean have = FALSE;
    double px = 0, py = 0;
    for (r = 0; r < csv->n_rows; r++) {
      double x = csv_at (csv, r, 0), y = csv_at (csv, r, cols[s]);
      double sx, sy;
      if (isnan (x) || isnan (y))
        continue;
      sx = LEFT + (x - x_lo) / (x_hi - x_lo) * pw;
      sy = TOP + ph - (y - y_lo) / (y_hi - y_lo) * ph;
      if (have)
        line (rgb, px, py, sx, sy, colours[s]);
      else
        line (rgb, sx, sy, sx, sy, colours[s]);
      px = sx;
      py = sy;
      have = TRUE;
    }
  }
}

/* One textoverlay in the chain: text at (xpos, ypos) in [0, 1]. */
static GstElement *
overlay (const char *text, double xpos, double ypos, guint32 colour)
{
  GstElement *e = gst_element_factory_make ("textoverlay", NULL);

  if (!e)
    return NULL;
  g_object_set (e, "text", text, "halignment", 5 /* position */ ,
      "valignment", 3 /* position */ , "xpos", xpos, "ypos", ypos,
      "font-desc", "Sans 11", "shaded-background", FALSE,
      "draw-shadow", FALSE, "draw-outline", FALSE,
      "color", 0xff000000u | colour, NULL);
  return e;
}

static gboolean
write_png (const guint8 * rgb, const Label * labels, int n_labels,
    const char *path, GError ** error)
{
  GstElement *pipe = gst_pipeline_new (NULL), *src, *conv, *enc, *sink;
  GstElement *prev;
  GstCaps *caps;
  GstBuffer *buf;
  GstBus *bus;
  GstMessage *msg;
  gboolean ok = FALSE;
  int i;

  src = gst_element_factory_make ("appsrc", NULL);
  conv = gst_element_factory_make ("videoconvert", NULL);
  enc = gst_element_factory_make ("pngenc", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  if (!src || !conv || !enc || !sink) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED, "plot needs "
        "GStreamer's appsrc, videoconvert, pngenc and filesink "
        "(gstreamer1.0-plugins-base and -good)");
    gst_object_unref (pipe);
    return FALSE;
  }
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      "width", G_TYPE_INT, WIDTH, "height", G_TYPE_INT, HEIGHT,
      "framerate", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  gst_caps_unref (caps);
  g_object_set (enc, "snapshot", TRUE, NULL);
  g_object_set (sink, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, conv, NULL);
  gst_element_link (src, conv);
  prev = conv;
  /* textoverlay (pango, in gstreamer1.0-x) is optional: without it the
   * curves still plot, with a warning */
  for (i = 0; i < n_labels; i++) {
    GstElement *o = overlay (labels[i].text, labels[i].x, labels[i].y,
        labels[i].colour);
    if (!o) {
      g_printerr ("ae-train plot: no textoverlay element "
          "(gstreamer1.0-x): the curves are drawn without labels\n");
      break;
    }
    gst_bin_add (GST_BIN (pipe), o);
    gst_element_link (prev, o);
    prev = o;
  }
  if (prev != conv) {
    GstElement *conv2 = gst_element_factory_make ("videoconvert", NULL);
    gst_bin_add (GST_BIN (pipe), conv2);
    gst_element_link (prev, conv2);
    prev = conv2;
  }
  gst_bin_add_many (GST_BIN (pipe), enc, sink, NULL);
  gst_element_link_many (prev, enc, sink, NULL);

  buf = gst_buffer_new_memdup (rgb, (gsize) WIDTH * HEIGHT * 3);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src), buf);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    ok = TRUE;
  } else {
    GError *e = NULL;
    if (msg)
      gst_message_parse_error (msg, &e, NULL);
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "cannot write %s: %s", path,
        e ? e->message : "timed out");
    g_clear_error (&e);
  }
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return ok;
}

int
ae_cmd_plot (int argc, char **argv, GError ** error)
{
  char *output = NULL, *columns = NULL, *title = NULL;
  GOptionContext *ctx;
  Csv csv = { 0 };
  guint cols[MAX_SERIES], n_series = 0, s, c;
  guint8 *rgb = NULL;
  Label labels[MAX_LABELS];
  double range[4];
  int n_labels = 0, ret = 1, i;
  GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "PNG to write",
        "PNG"},
    {"columns", 'c', 0, G_OPTION_ARG_STRING, &columns,
        "comma-separated columns to draw (default: every *loss column)",
        "NAMES"},
    {"title", 't', 0, G_OPTION_ARG_STRING, &title, "title (default: the "
          "log's name)", "TEXT"},
    {NULL}
  };

  ctx = g_option_context_new ("LOG.csv - draw training curves as a PNG");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, error))
    goto out;
  if (argc != 2 || !output) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "usage: ae-train plot LOG.csv -o CURVES.png [--columns A,B]");
    goto out;
  }
  if (!csv_read (&csv, argv[1], error))
    goto out;
  if (columns) {
    char **want = g_strsplit (columns, ",", -1);
    for (s = 0; want[s]; s++) {
      for (c = 1; c < csv.n_cols; c++)
        if (!strcmp (csv.names[c], want[s]))
          break;
      if (c == csv.n_cols || n_series == MAX_SERIES) {
        g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, c == csv.n_cols ?
            "%s has no column \"%s\"" : "%s: at most 6 columns at once",
            argv[1], want[s]);
        g_strfreev (want);
        goto out;
      }
      cols[n_series++] = c;
    }
    g_strfreev (want);
  } else {
    for (c = 1; c < csv.n_cols && n_series < MAX_SERIES; c++)
      if (g_str_has_suffix (csv.names[c], "loss"))
        cols[n_series++] = c;
  }
  if (n_series == 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "%s: no column to draw; name some with --columns", argv[1]);
    goto out;
  }

  rgb = g_malloc ((gsize) WIDTH * HEIGHT * 3);
  draw (rgb, &csv, cols, n_series, range);
#define LABEL(str, px, py, c) do { \
    labels[n_labels].text = (str); labels[n_labels].x = (px); \
    labels[n_labels].y = (py); labels[n_labels].colour = (c); \
    n_labels++; } while (0)
  LABEL (g_strdup (title ? title : argv[1]), (double) LEFT / WIDTH, 0.01,
      0x000000);
  LABEL (g_strdup_printf ("%s %g .. %g", csv.names[0], range[0], range[1]),
      (double) LEFT / WIDTH, 1.0 - 0.9 * BOTTOM / HEIGHT, 0x000000);
  /* top and bottom of the y range, beside the frame's corners */
  LABEL (g_strdup_printf ("%.4g", range[3]), 0.005,
      (double) TOP / HEIGHT - 0.015, 0x000000);
  LABEL (g_strdup_printf ("%.4g", range[2]), 0.005,
      (double) (HEIGHT - BOTTOM) / HEIGHT - 0.035, 0x000000);
  for (s = 0; s < n_series; s++)
    LABEL (g_strdup (csv.names[cols[s]]), 0.75,
        (double) TOP / HEIGHT + 0.05 * (s + 0.2), colours[s]);
#undef LABEL
  if (!write_png (rgb, labels, n_labels, output, error))
    goto out;
  printf ("%s: %u curve%s of %u rows\n", output, n_series,
      n_series == 1 ? "" : "s", csv.n_rows);
  ret = 0;

out:
  for (i = 0; i < n_labels; i++)
    g_free (labels[i].text);
  g_free (rgb);
  if (csv.rows)
    g_array_free (csv.rows, TRUE);
  g_strfreev (csv.names);
  g_option_context_free (ctx);
  g_free (output);
  g_free (columns);
  g_free (title);
  return ret;
}
