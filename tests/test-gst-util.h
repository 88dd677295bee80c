/* test-gst-util.h: models for the element tests, written at start-up.
 *
 * Random (seeded He-uniform) speech models stand in for the embedded ones
 * where the plumbing, not what the network learnt, is under test; crafted
 * ones have their output layer's weights zeroed so that every band gain is
 * sigmoid (gain_bias) and the speech probability sigmoid (prob_bias),
 * exactly, whatever the input.
 */
#ifndef TEST_GST_UTIL_H
#define TEST_GST_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* Writes DIR/NAME, a small speech model at @rate with a 10 ms hop.
 * Returns: (transfer full): the path, or NULL with @error set. */
gchar *ae_test_write_model (const gchar * dir, const gchar * name,
    guint rate, guint64 seed, gboolean crafted, float gain_bias,
    float prob_bias, GError ** error);

G_END_DECLS
#endif /* TEST_GST_UTIL_H */
