/* test-tool-util.h: what the end-to-end trainer tests share: running
 * ae-train and gst-launch-1.0, comparing the weight files it writes, and
 * removing a work folder. */
#ifndef TEST_TOOL_UTIL_H
#define TEST_TOOL_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* Runs @program with @args (NULL-terminated); returns the exit status and
 * the captured stderr in @err (may be NULL).  Aborts the test when the
 * program cannot be started. */
int tool_run (const char *program, const char *const *args, char **err);
/* The same, capturing stdout in @out too (may be NULL). */
int tool_run_out (const char *program, const char *const *args, char **out,
    char **err);

/* gst-launch-1.0 -q @pipeline; aborts the test when it fails. */
void tool_gst_launch (const char *pipeline);

/* The largest difference between a float of @path_a's tensors and the
 * same float of @path_b's, which must hold every tensor of @path_a (and
 * may hold more); aborts the test when either cannot be read. */
double tool_max_tensor_difference (const char *path_a, const char *path_b);

/* What every trainer's --ema test checks, given three runs from one start
 * and seed: @frozen (rate about 0, or the --init file), @plain and @avg
 * (with a decay and step count that let the average move at most 0.3% of
 * the way).  The plain model moved; the averaged one moved under 1% as
 * far (the last step's weights would fail by a factor of 100); and the
 * averaged run's checkpoint holds the plain run's weights and moments bit
 * for bit, so keeping the average changed nothing else. */
void tool_check_weight_average (const char *frozen, const char *plain,
    const char *avg, const char *plain_checkpoint,
    const char *avg_checkpoint);

/* Removes @path and everything under it. */
gboolean tool_remove_tree (const char *path);

G_END_DECLS
#endif /* TEST_TOOL_UTIL_H */
