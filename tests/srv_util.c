#include "srv_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int srv_arg(struct srv *s, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        return 0;
    if (strcmp(argv[*i], "--port-file") == 0)
        s->port_file = argv[++*i];
    else if (strcmp(argv[*i], "--port") == 0)
        s->port = (int)strtol(argv[++*i], NULL, 10);
    else
        return 0;
    return 1;
}

void srv_signals(struct srv *s)
{
    sigemptyset(&s->stop);
    sigaddset(&s->stop, SIGTERM);
    sigaddset(&s->stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &s->stop, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The bound port into port_file: written to PATH.tmp, then renamed, so that a reader never sees
 * a partial number. */
static int write_port(const char *name, const char *port_file, int port)
{
    char tmp[4200], txt[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    int n = snprintf(txt, sizeof txt, "%d\n", port);
    FILE *fp = fopen(tmp, "w");
    int bad = !fp || fwrite(txt, 1, (size_t)n, fp) != (size_t)n;
    if ((fp && fclose(fp) != 0) || bad || rename(tmp, port_file) != 0) {
        fprintf(stderr, "%s: writing %s: %s\n", name, port_file, strerror(errno));
        return -1;
    }
    return 0;
}

int srv_start(struct srv *s, MHD_AccessHandlerCallback handler,
              MHD_RequestCompletedCallback on_done, unsigned timeout)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                            (uint16_t)s->port, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!s->d) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d\n", s->name, s->port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (di)
        s->port = di->port;
    if (s->port_file && write_port(s->name, s->port_file, s->port)) {
        MHD_stop_daemon(s->d);
        s->d = NULL;
        return -1;
    }
    return 0;
}

void srv_wait(struct srv *s)
{
    int sig = 0;
    sigwait(&s->stop, &sig);
    MHD_stop_daemon(s->d);
    s->d = NULL;
}
