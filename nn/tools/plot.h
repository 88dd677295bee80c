/* plot.h: `ae-train plot`, training curves from a --log CSV as a PNG. */
#ifndef AE_PLOT_H
#define AE_PLOT_H

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is "plot".  Returns the exit status, with @error set on failure
 * (an unreadable or malformed CSV, an unknown column, a PNG that cannot be
 * written). */
int ae_cmd_plot (int argc, char **argv, GError ** error);

G_END_DECLS
#endif /* AE_PLOT_H */
