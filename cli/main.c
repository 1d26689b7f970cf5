/* epintel command line: placeholder entry replaced by the real dispatcher in the next commit. */
#include <stdio.h>

int main(void)
{
    fputs("epintel: under construction\n", stderr);
    return 1;
}
