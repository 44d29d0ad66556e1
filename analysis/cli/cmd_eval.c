/* cmd_eval.c: `fpq eval MODEL` -- placeholder replaced below. */
#include "commands.h"
#include "cli.h"
int cli_eval_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    return cli_usage_error("eval", "not yet");
}
