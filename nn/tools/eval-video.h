/* eval-video.h: `ae-train eval --images DIR` for video-denoise models. */
#ifndef AE_EVAL_VIDEO_H
#define AE_EVAL_VIDEO_H

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is "eval".  Returns the exit status, @error set on failure. */
int ae_video_cmd_eval (int argc, char **argv, GError ** error);

G_END_DECLS
#endif /* AE_EVAL_VIDEO_H */
