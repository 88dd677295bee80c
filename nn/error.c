/* error.c: the AE_ERROR domain and hot-path status strings. */
#include "ae.h"

G_DEFINE_QUARK (ae-error-quark, ae_error);

const char *
ae_status_to_string (AeStatus status)
{
  switch (status) {
    case AE_STATUS_OK:
      return "ok";
    case AE_STATUS_INVALID_ARGUMENT:
      return "invalid argument";
    case AE_STATUS_NON_FINITE:
      return "network produced a non-finite value; stream was reset";
  }
  return "unknown status";
}
