// Command gradcheck checks gradients against finite differences.
//
// Usage:
//
//	gradcheck demo    check the embedded network, correct and with a planted bug
//	gradcheck bench   score the checker on the bug corpus
//	gradcheck sweep   print the error-versus-step table of chosen entries
//
// Exit codes: 0 when every verdict passes, 1 when a gradient is wrong, 2 on
// a usage or runtime error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Stdout, os.Stderr, os.Args[1:]))
}

// errWrong reports a wrong gradient: exit code 1.
var errWrong = errors.New("a gradient is wrong")

// commands maps each subcommand to its function. A command returns
// errWrong when a checked gradient is wrong and another error on a usage
// or runtime failure.
var commands = map[string]func(stdout, stderr io.Writer, args []string) error{
	"demo":  runDemo,
	"bench": runBench,
}

const usage = `usage: gradcheck <command> [flags]

commands:
  demo    check the embedded network, correct and with a planted bug
  bench   score the checker on the bug corpus
  sweep   print the error-versus-step table of chosen entries

Run 'gradcheck <command> -h' for a command's flags.
`

func run(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "gradcheck: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch err := cmd(stdout, stderr, args[1:]); {
	case err == nil:
		return 0
	case errors.Is(err, errWrong):
		return 1
	default:
		fmt.Fprintf(stderr, "gradcheck %s: %v\n", args[0], err)
		return 2
	}
}
