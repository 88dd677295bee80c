/* bench-exec.c: runs a command and writes its CPU time and peak RSS.
 *
 *   bench-exec RESULT_FILE COMMAND [ARG...]
 *
 * Writes "CPU_SECONDS MAX_RSS_KB\n" (user + system of the command and
 * everything it waited for, and its ru_maxrss) to RESULT_FILE, and exits
 * with the command's status (128 + signal when killed).
 *
 * Why a separate program: Linux keeps the high-water RSS of the address
 * space a child had before exec as a floor of its ru_maxrss, and a child
 * forked from ae-bench-audio starts with ae-bench-audio's pages.  Forked
 * from this small process instead, the floor is this process's own RSS,
 * about 1 MB.  Deliberately libc only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct rusage ru;
  int status = 0;
  pid_t pid;
  FILE *f;

  if (argc < 3) {
    fprintf (stderr, "usage: bench-exec RESULT_FILE COMMAND [ARG...]\n");
    return 2;
  }
  pid = fork ();
  if (pid < 0) {
    perror ("fork");
    return 127;
  }
  if (pid == 0) {
    execvp (argv[2], argv + 2);
    fprintf (stderr, "exec %s: %s\n", argv[2], strerror (errno));
    _exit (127);
  }
  while (wait4 (pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror ("wait4");
      return 127;
    }
  }
  f = fopen (argv[1], "w");
  if (f != NULL) {
    fprintf (f, "%.6f %ld\n",
        ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
        + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6, ru.ru_maxrss);
    fclose (f);
  }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}
