/* srv_util: what the test servers (tests/srv_*.c) share: the --port-file and --port arguments,
 * the stop signals, a libmicrohttpd daemon on 127.0.0.1 whose bound port is written to the port
 * file (atomically: ep_test_start_server waits for it), and the wait for SIGTERM or SIGINT. */
#ifndef SRV_UTIL_H
#define SRV_UTIL_H

#include <microhttpd.h>
#include <signal.h>

struct srv {
    const char *name;      /* the program's name, the prefix of its messages */
    const char *port_file; /* --port-file PATH, or NULL */
    int port;              /* --port N (0: any free port); after srv_start, the bound port */
    sigset_t stop;         /* SIGTERM and SIGINT, blocked in every thread by srv_signals */
    struct MHD_Daemon *d;  /* the daemon, after srv_start */
};

/* Consume argv[*i] when it is --port-file PATH or --port N (advancing *i past the value).
 * Returns 1 when it did, 0 when the argument is not one of them. */
int srv_arg(struct srv *s, int argc, char **argv, int *i);

/* Block the stop signals in every thread (call before any thread starts; srv_wait waits for
 * them) and ignore SIGPIPE. */
void srv_signals(struct srv *s);

/* Listen on 127.0.0.1:s->port, one thread per connection, answering with handler (no closure
 * argument); on_done (or NULL) is called when a request completes; a connection idle for
 * timeout seconds is closed. Then s->port is the bound port, written to s->port_file when set.
 * Returns 0, or -1 with the reason on stderr (the daemon stopped). */
int srv_start(struct srv *s, MHD_AccessHandlerCallback handler,
              MHD_RequestCompletedCallback on_done, unsigned timeout);

/* Wait for SIGTERM or SIGINT, then stop the daemon. */
void srv_wait(struct srv *s);

#endif
