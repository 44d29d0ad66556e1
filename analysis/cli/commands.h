/* commands.h: the lab's commands, each parsing its own command line
 * through the option layer (formats/cli/opt.h); argv[0] is the command's
 * name.  Each returns the exit status.  The command table (main.c) lists
 * them beside the format commands of formats/cli/cli.h. */
#ifndef FPQ_CLI_COMMANDS_H
#define FPQ_CLI_COMMANDS_H

int cli_dot_main(int argc, char **argv);      /* cmd_dot.c: fpq dot */
int cli_gen_main(int argc, char **argv);      /* cmd_data.c: fpq gen */
int cli_inspect_main(int argc, char **argv);  /* cmd_data.c: fpq inspect */
int cli_quant_main(int argc, char **argv);    /* cmd_quant.c: fpq quant */
int cli_matmul_main(int argc, char **argv);   /* cmd_matmul.c: fpq matmul */
int cli_sweep_main(int argc, char **argv);    /* cmd_sweep.c: fpq sweep */
int cli_merge_main(int argc, char **argv);    /* cmd_sweep.c: fpq merge */
int cli_lloydmax_main(int argc, char **argv); /* cmd_lloydmax.c: fpq lloydmax */
int cli_hist_main(int argc, char **argv);     /* cmd_hist.c: fpq hist */
int cli_train_main(int argc, char **argv);    /* cmd_train.c: fpq train */
int cli_eval_main(int argc, char **argv);     /* cmd_eval.c: fpq eval */
/* cmd_qvectors.c: fpq vectors and fpq verify -- "quant" as the first
 * operand: the quantizer vectors; else formats/cli's converter vectors */
int cli_vectors_any_main(int argc, char **argv);
int cli_verify_any_main(int argc, char **argv);

#endif /* FPQ_CLI_COMMANDS_H */
