/* cli.h: what ae-train's subcommands share. */
#ifndef AE_CLI_H
#define AE_CLI_H

#include <glib.h>

G_BEGIN_DECLS

/* g_option_context_parse, then refuses any argument left over, naming it
 * (AE_ERROR_ARGUMENT). */
gboolean ae_cli_parse (GOptionContext * ctx, int *argc, char ***argv,
    GError ** error);

G_END_DECLS
#endif /* AE_CLI_H */
