/* bench-run.c: the denoisers ae-bench-audio compares, and the process
 * pool that runs them.
 *
 * Each run is one child process per file, so no state carries from one
 * utterance to the next.  Its CPU time (user + system, every thread) and
 * peak RSS come from wait4() in bench-exec, a small wrapper (see there).
 * Every system has a null twin, the same command with the denoiser
 * replaced by a pass-through (identity, anull, speex-denoise --bypass);
 * the report subtracts the twin's CPU time and RSS, which leaves the cost
 * of the denoiser itself.  A run past its timeout is killed with its
 * process group.
 *
 * Not here: scoring (ae-bench-audio.c) or the data (bench-set.c).
 */
#include "bench-audio.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- systems ---- */

static const struct
{
  const char *name;
  const char *description;
} system_table[] = {
  {"aedenoise", "gst: audioconvert ! aedenoise (defaults) ! audioconvert"},
  {"webrtcdsp", "gst: webrtcdsp noise-suppression-level=very-high "
        "echo-cancel=false gain-control=false high-pass-filter=false "
        "(10 ms frames)"},
  {"afftdn", "ffmpeg -af afftdn=tn=1 (noise tracking on, nr=12 dB)"},
  {"anlmdn", "ffmpeg -af anlmdn (defaults: s=0.00001, p=2 ms, r=6 ms)"},
  {"arnndn", "ffmpeg -af arnndn=m=sh.rnnn (RNNoise, GregorR's "
        "somnolent-hogwash model) at 48 kHz, fed as ffmpeg feeds it "
        "(float, full scale 1); 16 kHz input resampled to 48 kHz and back "
        "(aresample)"},
  {"speexdsp", "speex_preprocess: denoise on, AGC/VAD/dereverb off, "
        "noise-suppress -15 dB (default), 10 ms frames"},
};

static gboolean
run_quiet (const char *const *argv)
{
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
          | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
          NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
ffmpeg_has_filter (const char *filter)
{
  char *out = NULL;
  int status = 0;
  const char *argv[] = { "ffmpeg", "-hide_banner", "-filters", NULL };
  gboolean found = FALSE;

  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
          | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
          NULL) && g_spawn_check_wait_status (status, NULL)) {
    char *needle = g_strdup_printf (" %s ", filter);
    found = strstr (out, needle) != NULL;
    g_free (needle);
  }
  g_free (out);
  return found;
}

GPtrArray *
bench_systems_new (const BenchRunConfig * config)
{
  GPtrArray *systems = g_ptr_array_new ();
  gboolean have_gst = g_find_program_in_path ("gst-launch-1.0") != NULL;
  char *ffmpeg = g_find_program_in_path ("ffmpeg");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (system_table); i++) {
    BenchSystem *s = g_new0 (BenchSystem, 1);
    const char *name = system_table[i].name;

    s->name = name;
    s->description = system_table[i].description;
    if (g_str_equal (name, "aedenoise") || g_str_equal (name, "webrtcdsp")) {
      const char *argv[] = { "gst-inspect-1.0", name, NULL };
      if (!have_gst)
        s->skip_reason = g_strdup ("gst-launch-1.0 not found");
      else if (!run_quiet (argv))
        s->skip_reason = g_strdup_printf ("element %s is not registered%s%s",
            name, g_str_equal (name, "aedenoise") ? " in " : "",
            g_str_equal (name, "aedenoise") ? config->gst_plugin_path : "");
    } else if (g_str_equal (name, "speexdsp")) {
      if (config->speex_path == NULL
          || !g_file_test (config->speex_path, G_FILE_TEST_IS_EXECUTABLE))
        s->skip_reason = g_strdup_printf ("speex-denoise not built (%s)",
            config->speex_path ? config->speex_path : "no --speex given");
    } else {
      if (ffmpeg == NULL)
        s->skip_reason = g_strdup ("ffmpeg not found");
      else if (!ffmpeg_has_filter (g_str_has_prefix (name, "arnndn") ?
              "arnndn" : name))
        s->skip_reason = g_strdup_printf ("ffmpeg lacks the %s filter", name);
      else if (g_str_has_prefix (name, "arnndn")
          && !g_file_test (config->rnnoise_model, G_FILE_TEST_IS_REGULAR))
        s->skip_reason = g_strdup_printf ("no RNNoise model at %s",
            config->rnnoise_model);
    }
    g_ptr_array_add (systems, s);
  }
  g_free (ffmpeg);
  return systems;
}

BenchFamily
bench_system_family (const BenchSystem * system, guint rate)
{
  if (g_str_equal (system->name, "aedenoise")
      || g_str_equal (system->name, "webrtcdsp"))
    return BENCH_FAMILY_GST;
  if (g_str_equal (system->name, "speexdsp"))
    return BENCH_FAMILY_SPEEX;
  if (g_str_has_prefix (system->name, "arnndn") && rate != 48000)
    return BENCH_FAMILY_FFMPEG_48K;
  return BENCH_FAMILY_FFMPEG;
}

const char *
bench_family_name (BenchFamily family)
{
  static const char *names[] = { "gst-launch identity", "ffmpeg anull",
    "ffmpeg aresample 48k, anull", "speex-denoise --bypass"
  };
  return names[family];
}

static char **
strv_from_ptr_array (GPtrArray * a)
{
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

char **
bench_run_argv (const BenchRunConfig * config, const BenchSystem * system,
    BenchFamily family, const char *in, const char *out, guint rate)
{
  GPtrArray *a = g_ptr_array_new ();
  const char *name = system ? system->name : NULL;

#define ADD(s) g_ptr_array_add (a, g_strdup (s))
  switch (family) {
    case BENCH_FAMILY_GST:
      ADD ("gst-launch-1.0");
      ADD ("-q");
      /* one argument per token: gst_parse_launchv escapes spaces */
      ADD ("filesrc");
      g_ptr_array_add (a, g_strdup_printf ("location=%s", in));
      ADD ("!");
      ADD ("wavparse");
      ADD ("!");
      ADD ("audioconvert");
      ADD ("!");
      if (name == NULL) {
        ADD ("identity");
      } else if (g_str_equal (name, "webrtcdsp")) {
        ADD ("webrtcdsp");
        ADD ("noise-suppression-level=very-high");
        ADD ("echo-cancel=false");
        ADD ("gain-control=false");
        ADD ("high-pass-filter=false");
      } else {
        ADD (name);
        /* a candidate model, to compare before shipping it */
        if (g_str_equal (name, "aedenoise") && config->ae_model)
          g_ptr_array_add (a, g_strdup_printf ("model=%s",
                  config->ae_model));
        if (g_str_equal (name, "aedenoise") && config->ae_properties) {
          char **p;
          for (p = config->ae_properties; *p; p++)
            ADD (*p);
        }
      }
      ADD ("!");
      ADD ("audioconvert");
      ADD ("!");
      ADD ("audio/x-raw,format=F32LE");
      ADD ("!");
      ADD ("wavenc");
      ADD ("!");
      ADD ("filesink");
      g_ptr_array_add (a, g_strdup_printf ("location=%s", out));
      break;
    case BENCH_FAMILY_FFMPEG:
    case BENCH_FAMILY_FFMPEG_48K:{
      char *filter;

      if (name == NULL)
        filter = g_strdup ("anull");
      else if (g_str_equal (name, "afftdn"))
        filter = g_strdup ("afftdn=tn=1");
      else if (g_str_equal (name, "anlmdn"))
        filter = g_strdup ("anlmdn");
      else
        filter = g_strdup_printf ("arnndn=m=%s", config->rnnoise_model);
      if (family == BENCH_FAMILY_FFMPEG_48K) {
        char *wrapped = g_strdup_printf ("aresample=48000,%s,aresample=%u",
            filter, rate);
        g_free (filter);
        filter = wrapped;
      }
      ADD ("ffmpeg");
      ADD ("-nostdin");
      ADD ("-hide_banner");
      ADD ("-loglevel");
      ADD ("error");
      ADD ("-threads");
      ADD ("1");
      ADD ("-filter_threads");
      ADD ("1");
      ADD ("-y");
      ADD ("-i");
      ADD (in);
      ADD ("-af");
      g_ptr_array_add (a, filter);
      ADD ("-c:a");
      ADD ("pcm_f32le");
      ADD (out);
      break;
    }
    case BENCH_FAMILY_SPEEX:
      ADD (config->speex_path);
      if (name == NULL)
        ADD ("--bypass");
      ADD (in);
      ADD (out);
      break;
    default:
      g_assert_not_reached ();
  }
#undef ADD
  return strv_from_ptr_array (a);
}

/* ---- process pool ---- */

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static pid_t
spawn (const char *exec_path, BenchProc * proc)
{
  pid_t pid = fork ();

  if (pid == 0) {
    /* its own process group, so a timeout kills every process it made */
    setpgid (0, 0);
    int fd = open (proc->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_fd = open ("/dev/null", O_RDONLY);

    if (fd >= 0) {
      guint i;

      /* the command first, so a failure's log says what ran */
      for (i = 0; proc->argv[i] != NULL; i++)
        dprintf (fd, "%s'%s'", i ? " " : "", proc->argv[i]);
      dprintf (fd, "\n");
      dup2 (fd, STDOUT_FILENO);
      dup2 (fd, STDERR_FILENO);
      close (fd);
    }
    if (null_fd >= 0) {
      dup2 (null_fd, STDIN_FILENO);
      close (null_fd);
    }
    {
      /* bench-exec RESULT COMMAND...: see bench-exec.c for why */
      guint n = g_strv_length (proc->argv);
      char **argv = g_new0 (char *, n + 3);

      argv[0] = (char *) exec_path;
      argv[1] = proc->result_path;
      memcpy (argv + 2, proc->argv, n * sizeof (char *));
      execv (exec_path, argv);
    }
    fprintf (stderr, "exec %s: %s\n", exec_path, g_strerror (errno));
    _exit (127);
  }
  return pid;
}

/* What bench-exec measured, or the wrapper's own rusage when it wrote
 * nothing (killed at the timeout). */
static void
read_result (BenchProc * p, const struct rusage *ru)
{
  char *text = NULL;
  double cpu;
  long max_rss_kb;

  if (g_file_get_contents (p->result_path, &text, NULL, NULL)
      && sscanf (text, "%lf %ld", &cpu, &max_rss_kb) == 2) {
    p->cpu_s = cpu;
    p->max_rss_mb = max_rss_kb / 1024.0;
  } else {
    p->cpu_s = ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6
        + ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6;
    p->max_rss_mb = 0.0;
  }
  g_free (text);
  g_unlink (p->result_path);
}

void
bench_run_all (const char *exec_path, BenchProc ** procs, guint n_procs,
    guint n_jobs, void (*progress) (guint done, guint total))
{
  pid_t *pids = g_new0 (pid_t, n_jobs);
  guint *slot_proc = g_new0 (guint, n_jobs);
  double *start = g_new0 (double, n_jobs);
  guint next = 0, done = 0, running = 0, j;

  while (done < n_procs) {
    int status;
    struct rusage ru;
    pid_t pid;

    for (j = 0; j < n_jobs && next < n_procs; j++) {
      if (pids[j] != 0)
        continue;
      slot_proc[j] = next;
      start[j] = now_s ();
      pids[j] = spawn (exec_path, procs[next]);
      if (pids[j] < 0) {
        procs[next]->ok = FALSE;
        procs[next]->exit_status = -1;
        pids[j] = 0;
        done++;
      } else {
        running++;
      }
      next++;
    }
    if (running == 0)
      continue;

    /* poll, so that a hung child can be killed at its deadline */
    pid = wait4 (-1, &status, WNOHANG, &ru);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (pid == 0) {
      double t = now_s ();

      for (j = 0; j < n_jobs; j++) {
        BenchProc *p = procs[slot_proc[j]];
        if (pids[j] > 0 && !p->timed_out && p->timeout_s > 0
            && t - start[j] > p->timeout_s) {
          p->timed_out = TRUE;
          kill (-pids[j], SIGKILL);
          kill (pids[j], SIGKILL);
        }
      }
      g_usleep (2000);
      continue;
    }
    for (j = 0; j < n_jobs; j++) {
      BenchProc *p;

      if (pids[j] != pid)
        continue;
      p = procs[slot_proc[j]];
      p->wall_s = now_s () - start[j];
      read_result (p, &ru);
      p->exit_status = WIFEXITED (status) ? WEXITSTATUS (status)
          : 128 + WTERMSIG (status);
      p->ok = !p->timed_out && WIFEXITED (status)
          && WEXITSTATUS (status) == 0;
      pids[j] = 0;
      running--;
      done++;
      if (progress)
        progress (done, n_procs);
      break;
    }
  }
  g_free (pids);
  g_free (slot_proc);
  g_free (start);
}
